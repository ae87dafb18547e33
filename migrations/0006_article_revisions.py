"""Article revisions (issue 10): every text an article has had, immutable, and where each claim
sits in each of them.

`article_revision` keeps each distinct text (revision 1 is the imported text, backfilled here);
`claim_placement` records, for every re-anchoring, where a claim landed in the new revision and
how (unchanged, moved, changed, orphaned), plus where it was in the revision before. The article
keeps its current text and revision number and the outcome of its last re-fetch; a claim keeps
the revision its offsets refer to, how it fared in the last re-anchoring, and whether its
approved verdict needs re-checking. A frozen copy: never import the application's models here.
"""

from peewee import *
from peewee import PostgresqlDatabase


def one_of(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


SQLITE_TRIGGERS = [
    """CREATE TRIGGER article_revision_no_update BEFORE UPDATE ON article_revision
       BEGIN SELECT RAISE(ABORT, 'article_revision is immutable'); END""",
]
POSTGRES_TRIGGERS = [
    # refuse_update() was created by migration 0003.
    """CREATE TRIGGER article_revision_no_update BEFORE UPDATE ON article_revision
       FOR EACH ROW EXECUTE FUNCTION refuse_update()""",
]


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Article(Model):
        class Meta:
            database = db
            table_name = "article"

    class Claim(Model):
        class Meta:
            database = db
            table_name = "claim"

    class ArticleRevision(Model):
        article = ForeignKeyField(Article, on_delete="CASCADE")
        number = IntegerField()
        text = TextField()
        text_sha256 = CharField(max_length=64)
        origin = CharField(
            max_length=10, constraints=[one_of("origin", ("import", "paste", "refetch"))]
        )
        final_url = CharField(null=True, max_length=2048)
        created_by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()
        new_claims = TextField(default="[]")

        class Meta:
            database = db
            table_name = "article_revision"
            indexes = ((("article", "number"), True),)

    class ClaimPlacement(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        revision = ForeignKeyField(ArticleRevision, on_delete="CASCADE")
        start = IntegerField(null=True)
        end = IntegerField(null=True)
        quote = TextField(null=True)
        outcome = CharField(
            max_length=10,
            constraints=[
                one_of("outcome", ("original", "unchanged", "moved", "changed", "orphaned"))
            ],
        )
        score = DoubleField(default=0.0)
        diff = TextField(default="[]")

        class Meta:
            database = db
            table_name = "claim_placement"
            indexes = ((("claim", "revision"), True), (("revision", "outcome"), False))

    db.create_tables([ArticleRevision, ClaimPlacement])
    migrator.migrate(
        migrator.add_column("article", "current_revision", IntegerField(default=1)),
        migrator.add_column(
            "article",
            "check_state",
            CharField(
                max_length=10,
                default="unchecked",
                constraints=[one_of("check_state", ("unchecked", "ok", "failed"))],
            ),
        ),
        migrator.add_column("article", "checked_at", DateTimeField(null=True)),
        migrator.add_column("article", "check_error", CharField(null=True, max_length=300)),
        migrator.add_column("claim", "revision", IntegerField(default=1)),
        migrator.add_column(
            "claim",
            "anchor_state",
            CharField(
                max_length=10,
                default="unchanged",
                constraints=[one_of("anchor_state", ("unchanged", "moved", "changed", "orphaned"))],
            ),
        ),
        migrator.add_column("claim", "needs_recheck", BooleanField(default=False)),
        migrator.add_column("claim", "recheck_since", DateTimeField(null=True)),
        migrator.add_index("claim", ("needs_recheck", "assignee_id"), False),
    )
    db.execute_sql(
        "INSERT INTO article_revision "
        "(article_id, number, text, text_sha256, origin, created_by_id, created_at, new_claims) "
        "SELECT id, 1, text, text_sha256, 'import', imported_by_id, imported_at, '[]' "
        "FROM article ORDER BY id"
    )
    triggers = POSTGRES_TRIGGERS if isinstance(db, PostgresqlDatabase) else SQLITE_TRIGGERS
    for statement in triggers:
        db.execute_sql(statement)


def down(migrator, db):
    raise RuntimeError("0006 cannot be undone: article revisions are never dropped")
