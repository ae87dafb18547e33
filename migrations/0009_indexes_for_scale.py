"""Indexes for the pages and exports measured at newsroom scale (issue 9).

- claim (article_id, status): "articles in progress" asks, article by article, whether one has
  open claims (an EXISTS per article instead of grouping every open claim);
- claim (status, created_at, id) and (status, updated_at, id): the dashboard's oldest unreviewed
  claims and verdicts awaiting approval, read in order instead of sorted;
- claim (assignee_id, status, updated_at, id): a reviewer's queue, state by state, in order; it
  replaces (assignee_id, status), its prefix, as (status, created_at, id) replaces (status);
- verdict (current, claim_id): the published claims in claim order, for the ClaimReview feed and
  export, page after page.

A frozen copy: never import the application's models here.
"""


ADDED = [
    ("claim", ("article_id", "status")),
    ("claim", ("status", "created_at", "id")),
    ("claim", ("status", "updated_at", "id")),
    ("claim", ("assignee_id", "status", "updated_at", "id")),
    ("verdict", ("current", "claim_id")),
]
# Left-hand prefixes of the new ones: every query they served, the new ones serve.
REPLACED = [("claim", ("status",)), ("claim", ("assignee_id", "status"))]


def up(migrator, db):
    migrator.migrate(*(migrator.add_index(table, columns, False) for table, columns in ADDED))
    migrator.migrate(
        *(migrator.drop_index(table, "_".join((table, *columns))) for table, columns in REPLACED)
    )


def down(migrator, db):
    migrator.migrate(*(migrator.add_index(table, columns, False) for table, columns in REPLACED))
    migrator.migrate(
        *(migrator.drop_index(table, "_".join((table, *columns))) for table, columns in ADDED)
    )
