"""A prefix index for SQLite's full-text search (issue 9): the last word of a query is searched
as the start of a word ("sat" finds "satellite"), and without an index of 3-letter prefixes FTS5
merges the lists of every word so beginning (all of "the", "there", "these"...) for each query:
a quarter of a second on the benchmark's corpus. The index grows by about four fifths.

SQLite only (PostgreSQL's GIN index serves prefixes as it is). FTS5 takes its options when the
table is made, so the table is made again with the same rows; the triggers of migration 0007 name
it and keep working. A frozen copy: never import the application's models here.
"""

from peewee import PostgresqlDatabase

COLUMNS = "kind UNINDEXED, ref_id UNINDEXED, title, body"
TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"


def _remake(db, options):
    db.execute_sql(
        "CREATE TEMP TABLE search_copy AS SELECT rowid AS id, kind, ref_id, title, body "
        "FROM search_fts"
    )
    db.execute_sql("DROP TABLE search_fts")
    db.execute_sql(f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, {options})")
    db.execute_sql(
        "INSERT INTO search_fts (rowid, kind, ref_id, title, body) "
        "SELECT id, kind, ref_id, title, body FROM search_copy"
    )
    db.execute_sql("DROP TABLE search_copy")


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        _remake(db, f"{TOKENIZE}, prefix = '3'")


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        _remake(db, TOKENIZE)
