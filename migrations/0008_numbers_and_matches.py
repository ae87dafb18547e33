"""Evidence that states a figure, and "checked before?" claim matches (issue 11).

`claim_term` holds each claim's blocking terms (claims/matching.py), indexed, so that candidates
are looked up by a few rare terms instead of compared with every claim. An evidence item may record the value it states ("USD 1.0e9", "36 units"), normalized like the
claims' quantities, so that the tracker compares them. `claim_match` keeps, for a claim, similar
claims already in the tracker (suggested with a score and reasons), and a reviewer's decision
(confirmed or rejected). A frozen copy: never import the application's models here.
"""

from peewee import *


def one_of(column, values):
    return Check("%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values)))


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Claim(Model):
        class Meta:
            database = db
            table_name = "claim"

    migrator.migrate(
        migrator.add_column("evidence", "stated_value", CharField(null=True, max_length=300)),
        migrator.add_column("evidence", "stated_number", DoubleField(null=True)),
        migrator.add_column("evidence", "stated_high", DoubleField(null=True)),
        migrator.add_column("evidence", "stated_unit", CharField(null=True, max_length=32)),
    )

    class ClaimMatch(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        other = ForeignKeyField(Claim, on_delete="CASCADE")
        score = DoubleField()
        reasons = TextField(default="[]")
        state = CharField(
            max_length=10,
            default="suggested",
            constraints=[one_of("state", ("suggested", "confirmed", "rejected"))],
        )
        decided_by = ForeignKeyField(User, null=True)
        decided_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "claim_match"
            indexes = ((("claim", "other"), True), (("other",), False))
            constraints = [Check("claim_id <> other_id")]

    class ClaimTerm(Model):
        claim = ForeignKeyField(Claim, on_delete="CASCADE")
        term = CharField(max_length=64)

        class Meta:
            database = db
            table_name = "claim_term"
            indexes = ((("term", "claim"), True),)

    db.create_tables([ClaimMatch, ClaimTerm])


def down(migrator, db):
    db.execute_sql("DROP TABLE claim_match")
    db.execute_sql("DROP TABLE claim_term")
    for column in ("stated_value", "stated_number", "stated_high", "stated_unit"):
        migrator.migrate(migrator.drop_column("evidence", column))
