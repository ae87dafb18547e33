"""The initial schema: accounts, articles, claims, sources, evidence, verdicts, audit trail.

Generated with playhouse.migrations.template() from the models of the time, then given the
CHECK constraints by hand (the generator does not carry them). A frozen copy: never import the
application's models here.
"""

from peewee import *


def one_of(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


def up(migrator, db):
    class User(Model):
        username = CharField(max_length=64)
        username_key = CharField(unique=True, max_length=64)
        display_name = CharField(max_length=120)
        password_hash = CharField()
        role = CharField(
            max_length=16, constraints=[one_of("role", ("reviewer", "editor", "admin"))]
        )
        active = BooleanField(default=True)
        session_generation = IntegerField(default=0)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "user"

    db.create_tables([User])

    class ApiToken(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        token_hash = CharField(unique=True, max_length=64)
        prefix = CharField(max_length=16)
        created_at = DateTimeField()
        revoked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "api_token"

    db.create_tables([ApiToken])

    class Article(Model):
        title = CharField(max_length=500)
        url = CharField(null=True, max_length=2048)
        publisher = CharField(null=True, max_length=300)
        byline = CharField(null=True, max_length=300)
        published_date = DateField(null=True)
        text = TextField()
        text_sha256 = CharField(unique=True, max_length=64)
        imported_by = ForeignKeyField(User)
        imported_at = DateTimeField(index=True)
        updated_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "article"

    db.create_tables([Article])

    class AuditEvent(Model):
        at = DateTimeField(index=True)
        actor_id = IntegerField(null=True)
        actor_name = CharField(max_length=64)
        action = CharField(max_length=64)
        entity_type = CharField(max_length=32)
        entity_id = IntegerField(null=True)
        parent_type = CharField(null=True, max_length=32)
        parent_id = IntegerField(null=True)
        before = TextField(null=True)
        after = TextField(null=True)
        ip = CharField(null=True, max_length=64)
        request_id = CharField(null=True, max_length=64)
        prev_hash = CharField(unique=True, max_length=64)
        hash = CharField(unique=True, max_length=64)

        class Meta:
            database = db
            table_name = "audit_event"
            indexes = (
                (("entity_type", "entity_id", "id"), False),
                (("parent_type", "parent_id", "id"), False),
                (("actor_name", "id"), False),
                (("action", "id"), False),
            )

    db.create_tables([AuditEvent])

    class Claim(Model):
        article = ForeignKeyField(Article, on_delete="CASCADE")
        quote = TextField()
        start = IntegerField(constraints=[Check('"start" >= 0')])
        end = IntegerField(constraints=[Check('"end" > "start"')])
        prefix = TextField(default="")
        suffix = TextField(default="")
        sentence = TextField(default="")
        statement = TextField()
        kind = CharField(
            max_length=16,
            constraints=[
                one_of(
                    "kind",
                    (
                        "money",
                        "count",
                        "quantity",
                        "percentage",
                        "date",
                        "ordinal",
                        "place",
                        "entity",
                        "statement",
                    ),
                )
            ],
        )
        checkworthiness = FloatField(
            default=0.0, constraints=[Check("checkworthiness >= 0 AND checkworthiness <= 1")]
        )
        attribution = CharField(null=True, max_length=300)
        hedged = BooleanField(default=False)
        status = CharField(
            index=True,
            max_length=20,
            default="new",
            constraints=[
                one_of(
                    "status", ("new", "in_research", "verdict_proposed", "approved", "dismissed")
                )
            ],
        )
        dismissed_reason = TextField(null=True)
        dismissed_by = ForeignKeyField(User, null=True)
        assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_by = ForeignKeyField(User, null=True)
        version = IntegerField(default=1)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "claim"
            indexes = (
                (("article", "start"), False),
                (("kind",), False),
                (("assignee", "status"), False),
            )

    db.create_tables([Claim])

    class Source(Model):
        url = CharField(null=True, max_length=2048)
        url_key = CharField(unique=True, null=True, max_length=2048)
        title = CharField(max_length=500)
        publisher = CharField(null=True, max_length=300)
        author = CharField(null=True, max_length=300)
        published_date = DateField(null=True)
        kind = CharField(
            index=True,
            max_length=20,
            default="other",
            constraints=[
                one_of(
                    "kind",
                    (
                        "primary_document",
                        "official_statement",
                        "news_report",
                        "analysis",
                        "social_media",
                        "dataset",
                        "other",
                    ),
                )
            ],
        )
        reliability = IntegerField(
            null=True, constraints=[Check("reliability IS NULL OR reliability BETWEEN 1 AND 5")]
        )
        reliability_note = TextField(null=True)
        created_by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "source"

    db.create_tables([Source])

    class Snapshot(Model):
        source = ForeignKeyField(Source, on_delete="CASCADE")
        fetched_at = DateTimeField()
        http_status = IntegerField(null=True)
        final_url = CharField(null=True, max_length=2048)
        content_type = CharField(null=True, max_length=200)
        sha256 = CharField(max_length=64)
        body = BlobField(null=True)
        extracted_text = TextField(default="")

        class Meta:
            database = db
            table_name = "snapshot"
            indexes = ((("source", "fetched_at"), False),)

    db.create_tables([Snapshot])

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
        created_by = ForeignKeyField(User)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "evidence"
            indexes = ((("claim", "stance"), False),)

    db.create_tables([Evidence])

    class LoginFailure(Model):
        username_key = CharField(max_length=64)
        ip = CharField(max_length=64)
        at = DateTimeField()

        class Meta:
            database = db
            table_name = "login_failure"
            indexes = ((("username_key", "at"), False), (("ip", "at"), False))

    db.create_tables([LoginFailure])

    class Quantity(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        text = CharField(max_length=300)
        value = FloatField(null=True)
        value_high = FloatField(null=True)
        unit = CharField(null=True, max_length=32)
        approximate = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "quantity"

    db.create_tables([Quantity])

    class Rating(Model):
        slug = CharField(unique=True, max_length=40)
        label = CharField(max_length=80)
        numeric = IntegerField(
            null=True, constraints=[Check("numeric IS NULL OR numeric BETWEEN 1 AND 5")]
        )
        position = IntegerField(default=0)
        description = TextField(default="")

        class Meta:
            database = db
            table_name = "rating"

    db.create_tables([Rating])

    class Verdict(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        rating = ForeignKeyField(Rating)
        confidence = IntegerField(constraints=[Check("confidence BETWEEN 0 AND 100")])
        rationale = TextField(default="")
        author = ForeignKeyField(User)
        state = CharField(
            index=True,
            max_length=10,
            default="proposed",
            constraints=[one_of("state", ("proposed", "approved", "rejected"))],
        )
        approver = ForeignKeyField(User, null=True)
        review_comment = TextField(null=True)
        decided_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "verdict"
            indexes = ((("claim", "created_at"), False),)

    db.create_tables([Verdict])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("verdict"))
    migrator.migrate(migrator.drop_table("rating"))
    migrator.migrate(migrator.drop_table("quantity"))
    migrator.migrate(migrator.drop_table("login_failure"))
    migrator.migrate(migrator.drop_table("evidence"))
    migrator.migrate(migrator.drop_table("snapshot"))
    migrator.migrate(migrator.drop_table("source"))
    migrator.migrate(migrator.drop_table("claim"))
    migrator.migrate(migrator.drop_table("audit_event"))
    migrator.migrate(migrator.drop_table("article"))
    migrator.migrate(migrator.drop_table("api_token"))
    migrator.migrate(migrator.drop_table("user"))
