"""A verdict's rationale as plain text, kept with it (issue 9).

ClaimReview publishes the rationale as plain text (ratingExplanation). Rendering the Markdown of
each verdict again at every export was most of the export's time (60,000 verdicts: 25 s); the
text is now made once, when the verdict is written. Verdicts written before keep null here and
are rendered when exported, as before. A frozen copy: never import the application's models here.
"""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("verdict", "explanation", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("verdict", "explanation"))
