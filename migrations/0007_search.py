"""Full-text search over claims, articles, sources and evidence excerpts (issue 11).

One index for the four kinds, kept current by triggers on their tables, so that every write path
(services, imports, the archive loader, migrations) updates it in the same transaction:

- SQLite: an FTS5 table `search_fts` (porter stemming, diacritics folded);
- PostgreSQL: a table `search_entry` with a generated, weighted tsvector ('english' config,
  title A, body B) and a GIN index.

A row's id is the record's id * 4 + its kind (0 article, 1 claim, 2 source, 3 evidence). The index
is derived data: rebuilt from the tables here, never exported. A frozen copy: never import the
application's models here.
"""

from peewee import PostgresqlDatabase

# (table, kind code, title expression, body expression, columns whose change re-indexes)
KINDS = [
    ("article", 0, "{r}.title", "{r}.text", ("title", "text")),
    (
        "claim",
        1,
        "{r}.statement",
        "{r}.quote || ' ' || {r}.sentence",
        ("statement", "quote", "sentence"),
    ),
    (
        "source",
        2,
        "{r}.title",
        "COALESCE({r}.publisher, '') || ' ' || COALESCE({r}.author, '') || ' ' "
        "|| COALESCE({r}.url, '')",
        ("title", "publisher", "author", "url"),
    ),
    ("evidence", 3, "''", "{r}.excerpt || ' ' || {r}.note", ("excerpt", "note")),
]
NAMES = {0: "article", 1: "claim", 2: "source", 3: "evidence"}
# PostgreSQL's tsvector holds at most 1 MB: an article's body is indexed up to this many characters.
PG_BODY_MAX = 200_000


def _sqlite(db):
    db.execute_sql(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "kind UNINDEXED, ref_id UNINDEXED, title, body, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    for table, code, title, body, columns in KINDS:
        values = f"{{r}}.id * 4 + {code}, '{table}', {{r}}.id, {title}, {body}"
        insert = (
            "INSERT INTO search_fts (rowid, kind, ref_id, title, body) VALUES (%s);"
            % values.format(r="new")
        )
        delete = f"DELETE FROM search_fts WHERE rowid = old.id * 4 + {code};"
        db.execute_sql(
            f"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN {insert} END"
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_search_au AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN {delete} END"
        )
        db.execute_sql(
            "INSERT INTO search_fts (rowid, kind, ref_id, title, body) SELECT %s FROM %s AS r"
            % (values.format(r="r"), table)
        )


def _postgres(db):
    db.execute_sql(
        "CREATE TABLE search_entry ("
        "id BIGINT PRIMARY KEY, kind VARCHAR(10) NOT NULL, ref_id INTEGER NOT NULL, "
        "title TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '', "
        "tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english', title), 'A') || "
        f"setweight(to_tsvector('english', left(body, {PG_BODY_MAX})), 'B')) STORED)"
    )
    db.execute_sql("CREATE INDEX search_entry_tsv ON search_entry USING GIN (tsv)")
    db.execute_sql("CREATE INDEX search_entry_kind ON search_entry (kind, ref_id)")
    for table, code, title, body, columns in KINDS:
        db.execute_sql(
            f"""CREATE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                DELETE FROM search_entry WHERE id = OLD.id::bigint * 4 + {code};
                RETURN OLD;
              END IF;
              INSERT INTO search_entry (id, kind, ref_id, title, body)
              VALUES (NEW.id::bigint * 4 + {code}, '{table}', NEW.id,
                      COALESCE({title.format(r="NEW")}, ''), COALESCE({body.format(r="NEW")}, ''))
              ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body;
              RETURN NEW;
            END $$"""
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_search AFTER INSERT OR UPDATE OF {', '.join(columns)} "
            f"OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_search()"
        )
        db.execute_sql(
            "INSERT INTO search_entry (id, kind, ref_id, title, body) "
            f"SELECT r.id::bigint * 4 + {code}, '{table}', r.id, "
            f"COALESCE({title.format(r='r')}, ''), COALESCE({body.format(r='r')}, '') "
            f"FROM {table} AS r"
        )


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table, *_ in KINDS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_search ON {table}")
            db.execute_sql(f"DROP FUNCTION IF EXISTS {table}_search()")
        db.execute_sql("DROP TABLE IF EXISTS search_entry")
    else:
        for table, *_ in KINDS:
            for suffix in ("ai", "au", "ad"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
        db.execute_sql("DROP TABLE IF EXISTS search_fts")
