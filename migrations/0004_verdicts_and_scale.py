"""Verdicts and the rating scale (issue 6): the scale's rows get a version (edited by admins),
a verdict records the confidence the tool suggested and whether it is its claim's current
(latest approved) one, and the default scale is stored as data.
"""

from peewee import *

DEFAULT_SCALE = [
    ("true", "True", 5, "The claim is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", 4, "Accurate, but needs clarification or more information."),
    (
        "half-true",
        "Half true / mixed",
        3,
        "Partly accurate: leaves out important details or takes things out of context.",
    ),
    ("mostly-false", "Mostly false", 2, "Has an element of truth but ignores critical facts."),
    ("false", "False", 1, "The claim is not accurate."),
    ("misleading", "Misleading", None, "Accurate facts used to give a false impression."),
    (
        "unproven",
        "Unproven (not enough evidence)",
        None,
        "There is not enough evidence to say whether it is true or false.",
    ),
    (
        "not-checkable",
        "Not checkable",
        None,
        "An opinion, a prediction or a statement that evidence cannot settle.",
    ),
]


def up(migrator, db):
    migrator.migrate(migrator.add_column("rating", "version", IntegerField(default=1)))
    migrator.migrate(
        migrator.add_column("verdict", "suggested_confidence", IntegerField(null=True))
    )
    migrator.migrate(migrator.add_column("verdict", "current", BooleanField(default=False)))
    migrator.migrate(migrator.add_index("verdict", ("current", "rating_id"), False))

    class Rating(Model):
        slug = CharField(unique=True, max_length=40)
        label = CharField(max_length=80)
        numeric = IntegerField(null=True)
        position = IntegerField(default=0)
        description = TextField(default="")
        version = IntegerField(default=1)

        class Meta:
            database = db
            table_name = "rating"

    if not Rating.select().exists():
        Rating.insert_many(
            [
                {
                    "slug": slug,
                    "label": label,
                    "numeric": numeric,
                    "position": position * 10,
                    "description": description,
                }
                for position, (slug, label, numeric, description) in enumerate(DEFAULT_SCALE, 1)
            ]
        ).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_index("verdict", "verdict_current_rating_id"))
    migrator.migrate(migrator.drop_column("verdict", "current"))
    migrator.migrate(migrator.drop_column("verdict", "suggested_confidence"))
    migrator.migrate(migrator.drop_column("rating", "version"))
