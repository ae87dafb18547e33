"""Search narrowed to one kind on PostgreSQL (issue 9): an index of the words of each kind's rows.

A search with a type (`/search/?q=ministry&type=source`) tested the kind (the row id modulo 4,
migration 0013) on every match of its words: the index of 0007 gives the rows of every kind, and
each was read from the table to be dropped. A common word matches tens of thousands of rows (all
2,010 articles, 25,000 evidence items) and the page took 100-200 ms at 100,000 claims, nearly
all of it reading table pages; the same search in the sources alone reads 1,760 rows.

- PostgreSQL: a GIN index of `tsv` for the articles, the claims and the sources, each partial
  (`WHERE id % 4 = <kind code>`, the condition claims/services/search.py writes with the code as
  a literal, so the planner picks the kind's index). Evidence has none: three rows in four are
  evidence, and the index of 0007 serves it nearly as well. Writes keep these indexes current
  (one more index entry per row of those kinds).
- SQLite: nothing (search_facet holds the kind as a token, migration 0013).

Derived data. A frozen copy: never import the application's models here.
"""

from peewee import PostgresqlDatabase

# (kind code, name): the row id modulo 4 (migration 0007).
KINDS = ((0, "article"), (1, "claim"), (2, "source"))


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for code, name in KINDS:
        db.execute_sql(
            f"CREATE INDEX search_entry_tsv_{name} ON search_entry USING GIN (tsv) "
            f"WHERE id %% 4 = {code}"  # %% is psycopg2's escape for %
        )
    db.execute_sql("ANALYZE search_entry")


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for _, name in KINDS:
        db.execute_sql(f"DROP INDEX IF EXISTS search_entry_tsv_{name}")
