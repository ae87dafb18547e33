"""A trigram index for the audit page's free text (`EventFilter.text`), which matches any part of
an event's after, before, actor_name or action, case-insensitively (claims/audit.py: _filtered).

- SQLite: an FTS5 table `audit_text` with the trigram tokenizer (case folded), contentless and
  with detail=none, so that it holds only which events contain which three characters (the text
  stays in audit_event; the page checks each candidate against it). It is filled by a trigger on
  INSERT. The trail is append-only (migration 0002 refuses UPDATE and DELETE), but should an
  administrator lift that guard, triggers after UPDATE and DELETE keep the index in step.
- PostgreSQL: the pg_trgm extension and a GIN index (gin_trgm_ops) on the four columns, lower
  cased and joined by a line break, which the filter's expression repeats exactly.

The index is derived data: built from audit_event here (the backfill), never exported. A frozen
copy: never import the application's models here.
"""

from peewee import PostgresqlDatabase

COLUMNS = ("after", "before", "actor_name", "action")
# The expression the PostgreSQL index covers. claims/audit.py builds the same one, node for node:
# change both together.
PG_EXPRESSION = "lower(%s)" % " || E'\\n' || ".join(f"COALESCE(\"{c}\", '')" for c in COLUMNS)


def _sqlite(db):
    names = ", ".join(f'"{c}"' for c in COLUMNS)

    def values(row):
        return ", ".join(f'{row}."{c}"' for c in COLUMNS)

    db.execute_sql(
        f"CREATE VIRTUAL TABLE audit_text USING fts5({names}, tokenize = 'trigram', "
        "content = '', detail = none, columnsize = 0)"
    )
    insert = f"INSERT INTO audit_text (rowid, {names}) VALUES (new.id, {values('new')});"
    # A contentless table forgets a row only when told the values it was indexed with.
    delete = (
        f"INSERT INTO audit_text (audit_text, rowid, {names}) "
        f"VALUES ('delete', old.id, {values('old')});"
    )
    db.execute_sql(
        f"CREATE TRIGGER audit_event_text_ai AFTER INSERT ON audit_event BEGIN {insert} END"
    )
    db.execute_sql(
        f"CREATE TRIGGER audit_event_text_au AFTER UPDATE OF {names} ON audit_event "
        f"BEGIN {delete} {insert} END"
    )
    db.execute_sql(
        f"CREATE TRIGGER audit_event_text_ad AFTER DELETE ON audit_event BEGIN {delete} END"
    )
    db.execute_sql(
        f"INSERT INTO audit_text (rowid, {names}) SELECT id, {names} FROM audit_event ORDER BY id"
    )


def _postgres(db):
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    db.execute_sql(
        f"CREATE INDEX audit_event_text_trgm ON audit_event USING GIN (({PG_EXPRESSION}) gin_trgm_ops)"
    )


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        # The extension stays: dropping it could break whatever else came to use it.
        db.execute_sql("DROP INDEX IF EXISTS audit_event_text_trgm")
    else:
        for suffix in ("ai", "au", "ad"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS audit_event_text_{suffix}")
        db.execute_sql("DROP TABLE IF EXISTS audit_text")
