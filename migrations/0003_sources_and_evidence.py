"""Sources, archived snapshots, evidence and provenance (issue 5).

Bodies move into a content-addressed table (a page fetched daily and unchanged is stored once);
snapshot and archived_content refuse UPDATE at the database, like the audit trail. snapshot and
evidence had no writer before this migration, so they are rebuilt rather than altered; a
database that somehow holds rows in them is refused rather than emptied. A frozen copy: never
import the application's models here.
"""

from peewee import *
from peewee import PostgresqlDatabase


def one_of(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


SQLITE_TRIGGERS = [
    """CREATE TRIGGER snapshot_no_update BEFORE UPDATE ON snapshot
       BEGIN SELECT RAISE(ABORT, 'snapshot is immutable'); END""",
    """CREATE TRIGGER archived_content_no_update BEFORE UPDATE ON archived_content
       BEGIN SELECT RAISE(ABORT, 'archived_content is immutable'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '%% is immutable', TG_TABLE_NAME; END $$""",
    """CREATE TRIGGER snapshot_no_update BEFORE UPDATE ON snapshot
       FOR EACH ROW EXECUTE FUNCTION refuse_update()""",
    """CREATE TRIGGER archived_content_no_update BEFORE UPDATE ON archived_content
       FOR EACH ROW EXECUTE FUNCTION refuse_update()""",
]


def up(migrator, db):
    for table in ("evidence", "snapshot"):
        # The table names are the constants above, never input.
        if db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
            raise RuntimeError(f"{table} holds rows; this migration expects it empty")

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Source(Model):
        class Meta:
            database = db
            table_name = "source"

    class Claim(Model):
        class Meta:
            database = db
            table_name = "claim"

    db.execute_sql('DROP TABLE "evidence"')
    db.execute_sql('DROP TABLE "snapshot"')

    migrator.migrate(
        migrator.add_column(
            "source",
            "check_state",
            CharField(
                index=True,
                max_length=10,
                default="unchecked",
                constraints=[one_of("check_state", ("unchecked", "ok", "changed", "dead"))],
            ),
        )
    )
    migrator.migrate(migrator.add_column("source", "checked_at", DateTimeField(null=True)))
    migrator.migrate(migrator.add_column("source", "check_status", IntegerField(null=True)))
    migrator.migrate(
        migrator.add_column("source", "check_error", CharField(null=True, max_length=300))
    )
    migrator.migrate(
        migrator.add_column(
            "claim",
            "attributed_source_id",
            ForeignKeyField(Source, field=Source.id, null=True, on_delete="SET NULL"),
        )
    )

    class SourceCitation(Model):
        source = ForeignKeyField(Source, on_delete="CASCADE")
        cited = ForeignKeyField(Source, on_delete="CASCADE")
        note = CharField(null=True, max_length=300)
        created_by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "source_citation"
            indexes = ((("source", "cited"), True),)
            constraints = [Check("source_id <> cited_id")]

    class ArchivedContent(Model):
        sha256 = CharField(unique=True, max_length=64)
        size = IntegerField()
        body = BlobField()
        text = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "archived_content"

    class Snapshot(Model):
        source = ForeignKeyField(Source, on_delete="CASCADE")
        content = ForeignKeyField(ArchivedContent)
        fetched_at = DateTimeField()
        http_status = IntegerField()
        final_url = CharField(max_length=2048)
        content_type = CharField(max_length=200)
        sha256 = CharField(max_length=64)
        fetched_by = ForeignKeyField(User, null=True)

        class Meta:
            database = db
            table_name = "snapshot"
            indexes = ((("source", "fetched_at"), False),)

    class Evidence(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        source = ForeignKeyField(Source)
        snapshot = ForeignKeyField(Snapshot, null=True, on_delete="SET NULL")
        excerpt = TextField()
        locator = CharField(null=True, max_length=300)
        stance = CharField(
            max_length=10,
            constraints=[one_of("stance", ("supports", "refutes", "mixed", "context"))],
        )
        note = TextField(default="")
        quote_verified = CharField(
            max_length=12,
            default="no_snapshot",
            constraints=[one_of("quote_verified", ("verified", "not_found", "no_snapshot"))],
        )
        quote_checked_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "evidence"
            indexes = ((("claim", "stance"), False),)

    db.create_tables([SourceCitation, ArchivedContent, Snapshot, Evidence])
    triggers = POSTGRES_TRIGGERS if isinstance(db, PostgresqlDatabase) else SQLITE_TRIGGERS
    for statement in triggers:
        db.execute_sql(statement)


def down(migrator, db):
    raise RuntimeError("0003 cannot be undone: archived snapshots are never dropped")
