"""Search filters as part of the full-text match (issues 9 and 11).

A search narrowed by claim status, current rating, assigned reviewer or article joined every
match of its words to the records behind it: a common word matches tens of thousands of records,
and the page took 40-80 ms at 100,000 claims. Each search row now carries "facet" tokens, kept
current by triggers in the transaction of every write (as the index of 0007 is), so the database
intersects lists of ids instead:

- k<kind code> (SQLite only), s<status without underscores>, a<article id>, u<assignee id> and
  r<rating id of a current verdict>; on SQLite also k<kind>s<status>, the two longest lists as
  one ("claims approved": intersecting "claims" and "approved" took twice as long). A claim has
  its own; its evidence has its claim's (evidence follows its claim's status, rating and
  reviewer); an article has a<its id> (an article filter lists the article itself); a source has
  only its kind.
- SQLite: a second FTS5 table `search_facet` (words, facets): the words of search_fts's title and
  body, with the same tokenizer, and the facet tokens. It finds which rows pass; search_fts still
  ranks them. Facet tokens in search_fts itself would change every BM25 score (BM25 divides by a
  row's length over all its columns) and BM25 would count each facet's rows at every query.
  It is contentless (the text stays in search_fts) and keeps no positions (detail=column), so a
  row is removed by repeating what was indexed: the words from the record (OLD in its own
  triggers), the facets from `search_facet_row`, which holds each row's facets as indexed. A
  claim deleted with its article deletes its evidence and verdicts before the claim's own AFTER
  DELETE trigger runs: the record-side data is gone by then, the stored facets are not.
- PostgreSQL: a text[] column `facets` on search_entry with a GIN index (the kind is the row id
  modulo 4 there); the functions of 0007 now write it too, and skip writes that change nothing
  the index holds. Every function first takes the audit chain's transaction lock (as 0014's
  do): a claim's change rewrites its evidence's rows, and a writer holding index rows of another
  record while waiting for that lock could deadlock with the record's own writer.

Derived data: rebuilt from the tables here, never exported. A frozen copy: never import the
application's models here.
"""

from peewee import PostgresqlDatabase

# claims/audit.py _PG_LOCK_KEY (as in 0014).
AUDIT_LOCK_KEY = 0x434C41494D53
TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"  # search_fts's (0007, 0011)

# 0007's rows: (table, kind code, title, body, columns whose change re-indexes), {r} the record.
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
# The claim columns facets are made of: a change re-tags the claim and its evidence.
CLAIM_FACET_COLUMNS = ("status", "assignee_id", "article_id")
PG_BODY_MAX = 200_000  # 0007's

# SQLite: the facets of a row of kind {k}, a claim or its evidence, whose claim is named {c} (a
# row alias, or new in a trigger).
SQLITE_CLAIM_FACETS = (
    "'k{k} s' || replace({c}.status, '_', '') || ' k{k}s' || replace({c}.status, '_', '')"
    " || ' a' || {c}.article_id"
    " || COALESCE(' u' || {c}.assignee_id, '')"
    " || COALESCE((SELECT ' r' || group_concat(v.rating_id, ' r') FROM verdict v"
    " WHERE v.claim_id = {c}.id AND v.current), '')"
)
PG_CLAIM_FACETS = (
    "(array_remove(ARRAY['s' || replace({c}.status, '_', ''), 'a' || {c}.article_id,"
    " 'u' || {c}.assignee_id], NULL)"
    " || ARRAY(SELECT 'r' || v.rating_id FROM verdict v WHERE v.claim_id = {c}.id AND v.current"
    " ORDER BY v.rating_id))"
)


def _words(title, body, r):
    """search_fts's title and body of record `r` as one text (tokenized as the two were)."""
    return f"COALESCE({title.format(r=r)}, '') || ' ' || COALESCE({body.format(r=r)}, '')"


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_facets(table, code, r):
    """(facets expression, FROM clause it needs) for record `r` of `table`."""
    if table == "article":
        return f"'k0 a' || {r}.id", ""
    if table == "claim":
        return SQLITE_CLAIM_FACETS.format(c=r, k=code), ""
    if table == "source":
        return "'k2'", ""
    facets = SQLITE_CLAIM_FACETS.format(c="fc", k=code)
    return facets, f" JOIN claim fc ON fc.id = {r}.claim_id"


def _sqlite_remove_own(table, code, title, body):
    """Statements removing the row of the trigger's OLD record, with what was indexed."""
    row = f"old.id * 4 + {code}"
    return (
        "INSERT INTO search_facet (search_facet, rowid, words, facets) "
        f"SELECT 'delete', id, {_words(title, body, 'old')}, facets "
        f"FROM search_facet_row WHERE id = {row}; "
        f"DELETE FROM search_facet_row WHERE id = {row};"
    )


def _sqlite_add_own(table, code, title, body):
    """Statements indexing the trigger's NEW record (nothing if its claim is gone)."""
    facets, join = _sqlite_facets(table, code, "r")
    row = f"new.id * 4 + {code}"
    return (
        f"INSERT INTO search_facet_row (id, facets) SELECT r.id * 4 + {code}, {facets} "
        f"FROM {table} r{join} WHERE r.id = new.id; "
        "INSERT INTO search_facet (rowid, words, facets) "
        f"SELECT id, {_words(title, body, 'new')}, facets FROM search_facet_row WHERE id = {row};"
    )


def _sqlite_refresh(table, code, title, body, where):
    """Statements re-tagging the rows of `table`'s records selected by `where` (on alias r),
    whose words are unchanged: removed with their stored facets, indexed with the current ones.
    A record already deleted (its own trigger removes it) or whose claim is gone is skipped."""
    facets, join = _sqlite_facets(table, code, "r")
    words = _words(title, body, "r")
    rows = f"FROM {table} r JOIN search_facet_row f ON f.id = r.id * 4 + {code} WHERE {where}"
    return (
        f"INSERT INTO search_facet (search_facet, rowid, words, facets) "
        f"SELECT 'delete', f.id, {words}, f.facets {rows}; "
        f"DELETE FROM search_facet_row WHERE id IN (SELECT f.id {rows}); "
        f"INSERT INTO search_facet_row (id, facets) SELECT r.id * 4 + {code}, {facets} "
        f"FROM {table} r{join} WHERE {where}; "
        f"INSERT INTO search_facet (rowid, words, facets) SELECT f.id, {words}, f.facets {rows};"
    )


def _sqlite_refresh_claims(ids):
    """Re-tag claims `ids` (an SQL list) and their evidence."""
    claim, evidence = KINDS[1][:4], KINDS[3][:4]
    return _sqlite_refresh(*claim, f"r.id IN ({ids})") + _sqlite_refresh(
        *evidence, f"r.claim_id IN ({ids})"
    )


def _changed(columns, ne):
    return " OR ".join(f"old.{c} {ne} new.{c}" for c in columns)


def _sqlite(db):
    db.execute_sql("CREATE TABLE search_facet_row (id INTEGER PRIMARY KEY, facets TEXT NOT NULL)")
    db.execute_sql(
        "CREATE VIRTUAL TABLE search_facet USING fts5(words, facets, content = '', "
        f"detail = column, columnsize = 0, prefix = '3', {TOKENIZE})"
    )
    for table, code, title, body, columns in KINDS:
        kind = (table, code, title, body)
        add, remove = _sqlite_add_own(*kind), _sqlite_remove_own(*kind)
        if table == "claim":
            columns = (*columns, *CLAIM_FACET_COLUMNS)
        elif table == "evidence":
            columns = (*columns, "claim_id")
        db.execute_sql(f"CREATE TRIGGER {table}_facet_ai AFTER INSERT ON {table} BEGIN {add} END")
        db.execute_sql(
            f"CREATE TRIGGER {table}_facet_au AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {_changed(columns, 'IS NOT')} BEGIN {remove} {add} END"
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_facet_ad AFTER DELETE ON {table} BEGIN {remove} END"
        )
    evidence = _sqlite_refresh(*KINDS[3][:4], "r.claim_id = new.id")
    db.execute_sql(
        f"CREATE TRIGGER claim_facet_evidence_au AFTER UPDATE OF {', '.join(CLAIM_FACET_COLUMNS)} "
        f"ON claim WHEN {_changed(CLAIM_FACET_COLUMNS, 'IS NOT')} BEGIN {evidence} END"
    )
    verdict = "old.current IS NOT new.current OR old.rating_id IS NOT new.rating_id"
    for suffix, event, when, ids in (
        ("ai", "INSERT", "new.current", "new.claim_id"),
        ("ad", "DELETE", "old.current", "old.claim_id"),
        (
            "au",
            "UPDATE OF current, rating_id, claim_id",
            f"(old.current OR new.current) AND ({verdict} OR old.claim_id IS NOT new.claim_id)",
            "old.claim_id, new.claim_id",
        ),
    ):
        db.execute_sql(
            f"CREATE TRIGGER verdict_facet_{suffix} AFTER {event} ON verdict WHEN {when} "
            f"BEGIN {_sqlite_refresh_claims(ids)} END"
        )
    for table, code, title, body, _ in KINDS:
        facets, join = _sqlite_facets(table, code, "r")
        db.execute_sql(
            f"INSERT INTO search_facet_row (id, facets) SELECT r.id * 4 + {code}, {facets} "
            f"FROM {table} r{join} ORDER BY r.id"
        )
        db.execute_sql(
            f"INSERT INTO search_facet (rowid, words, facets) SELECT f.id, "
            f"{_words(title, body, 'r')}, f.facets FROM {table} r "
            f"JOIN search_facet_row f ON f.id = r.id * 4 + {code} ORDER BY r.id"
        )


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_facets(table, r):
    if table == "article":
        return f"ARRAY['a' || {r}.id]"
    if table == "claim":
        return PG_CLAIM_FACETS.format(c=r)
    if table == "source":
        return "'{}'::text[]"
    return (
        f"COALESCE((SELECT {PG_CLAIM_FACETS.format(c='fc')} FROM claim fc "
        f"WHERE fc.id = {r}.claim_id), '{{}}')"
    )


def _pg_function(table, code, title, body, columns, facets):
    """0007's trigger function of `table`, or (facets) the one that also writes the facets."""
    values = (
        f"NEW.id::bigint * 4 + {code}, '{table}', NEW.id, COALESCE({title.format(r='NEW')}, ''), "
        f"COALESCE({body.format(r='NEW')}, '')"
    )
    if not facets:
        return f"""CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                DELETE FROM search_entry WHERE id = OLD.id::bigint * 4 + {code};
                RETURN OLD;
              END IF;
              INSERT INTO search_entry (id, kind, ref_id, title, body)
              VALUES ({values})
              ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body;
              RETURN NEW;
            END $$"""
    if table == "claim":
        columns = (*columns, *CLAIM_FACET_COLUMNS)
    elif table == "evidence":
        columns = (*columns, "claim_id")
    same = " AND ".join(f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in columns)
    evidence = ""
    if table == "claim":
        retag = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CLAIM_FACET_COLUMNS)
        evidence = f"""IF TG_OP = 'UPDATE' THEN
            IF {retag} THEN
              UPDATE search_entry s SET facets = {PG_CLAIM_FACETS.format(c="NEW")}
              FROM evidence e WHERE e.claim_id = NEW.id AND s.id = e.id::bigint * 4 + 3;
            END IF;
          END IF;"""
    return f"""CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' THEN
            IF {same} THEN
              RETURN NEW;
            END IF;
          END IF;
          PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
          IF TG_OP = 'DELETE' THEN
            DELETE FROM search_entry WHERE id = OLD.id::bigint * 4 + {code};
            RETURN OLD;
          END IF;
          INSERT INTO search_entry (id, kind, ref_id, title, body, facets)
          VALUES ({values}, {_pg_facets(table, "NEW")})
          ON CONFLICT (id) DO UPDATE
            SET title = EXCLUDED.title, body = EXCLUDED.body, facets = EXCLUDED.facets;
          {evidence}
          RETURN NEW;
        END $$"""


def _pg_triggers(db, facets):
    for table, code, title, body, columns in KINDS:
        db.execute_sql(_pg_function(table, code, title, body, columns, facets))
        if facets and table == "claim":
            columns = (*columns, *CLAIM_FACET_COLUMNS)
        elif facets and table == "evidence":
            columns = (*columns, "claim_id")
        db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_search ON {table}")
        db.execute_sql(
            f"CREATE TRIGGER {table}_search AFTER INSERT OR UPDATE OF {', '.join(columns)} "
            f"OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_search()"
        )


def _pg_retag(claim):
    """Statements setting the facets of claim `claim` (an SQL expression) and its evidence."""
    facets = PG_CLAIM_FACETS.format(c="c")
    return (
        f"UPDATE search_entry s SET facets = {facets} FROM claim c "
        f"WHERE c.id = {claim} AND s.id = c.id::bigint * 4 + 1; "
        f"UPDATE search_entry s SET facets = {facets} FROM claim c JOIN evidence e "
        f"ON e.claim_id = c.id WHERE c.id = {claim} AND s.id = e.id::bigint * 4 + 3;"
    )


def _pg_rebuild(db):
    """search_entry made again with its facets: setting them row by row would leave every row
    twice (the old versions until a VACUUM FULL), and a table twice its size, in no order,
    made the planner read all of it instead of the index."""
    db.execute_sql(
        "CREATE TABLE search_entry_copy ("
        "id BIGINT PRIMARY KEY, kind VARCHAR(10) NOT NULL, ref_id INTEGER NOT NULL, "
        "title TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '', "
        "tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english', title), 'A') || "
        f"setweight(to_tsvector('english', left(body, {PG_BODY_MAX})), 'B')) STORED, "
        "facets TEXT[] NOT NULL DEFAULT '{}')"
    )
    db.execute_sql(
        "INSERT INTO search_entry_copy (id, kind, ref_id, title, body, facets) "
        "SELECT s.id, s.kind, s.ref_id, s.title, s.body, "
        "CASE WHEN mod(s.id, 4) = 0 THEN ARRAY['a' || (s.id / 4)] "
        f"ELSE {PG_CLAIM_FACETS.format(c='fc')} END "
        "FROM search_entry s "
        "LEFT JOIN evidence e ON mod(s.id, 4) = 3 AND e.id = s.id / 4 "
        "LEFT JOIN claim fc ON fc.id = CASE mod(s.id, 4) WHEN 1 THEN s.id / 4 "
        "WHEN 3 THEN e.claim_id END "
        "ORDER BY s.id"
    )
    # The trigger functions find the table by its name when they run: renamed, the copy is it.
    db.execute_sql("DROP TABLE search_entry")
    db.execute_sql("ALTER TABLE search_entry_copy RENAME TO search_entry")
    db.execute_sql(
        "ALTER TABLE search_entry RENAME CONSTRAINT search_entry_copy_pkey TO search_entry_pkey"
    )
    db.execute_sql("CREATE INDEX search_entry_tsv ON search_entry USING GIN (tsv)")
    db.execute_sql("CREATE INDEX search_entry_kind ON search_entry (kind, ref_id)")
    db.execute_sql("CREATE INDEX search_entry_facets ON search_entry USING GIN (facets)")
    db.execute_sql("ANALYZE search_entry")


def _postgres(db):
    _pg_rebuild(db)
    _pg_triggers(db, facets=True)
    db.execute_sql(
        f"""CREATE FUNCTION verdict_search() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
          IF TG_OP <> 'INSERT' THEN
            {_pg_retag("OLD.claim_id")}
          END IF;
          IF TG_OP = 'INSERT' THEN
            {_pg_retag("NEW.claim_id")}
          ELSIF TG_OP = 'UPDATE' THEN
            IF NEW.claim_id IS DISTINCT FROM OLD.claim_id THEN
              {_pg_retag("NEW.claim_id")}
            END IF;
          END IF;
          RETURN NULL;
        END $$"""
    )
    changed = (
        "OLD.current IS DISTINCT FROM NEW.current OR OLD.rating_id IS DISTINCT FROM "
        "NEW.rating_id OR OLD.claim_id IS DISTINCT FROM NEW.claim_id"
    )
    for name, event, when in (
        ("verdict_search_insert", "INSERT", "NEW.current"),
        ("verdict_search_delete", "DELETE", "OLD.current"),
        (
            "verdict_search_update",
            "UPDATE OF current, rating_id, claim_id",
            f"(OLD.current OR NEW.current) AND ({changed})",
        ),
    ):
        db.execute_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON verdict FOR EACH ROW WHEN ({when}) "
            "EXECUTE FUNCTION verdict_search()"
        )


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS verdict_search() CASCADE")
        _pg_triggers(db, facets=False)
        db.execute_sql("DROP INDEX IF EXISTS search_entry_facets")
        db.execute_sql("ALTER TABLE search_entry DROP COLUMN IF EXISTS facets")
    else:
        for table, *_ in KINDS:
            for suffix in ("ai", "au", "ad"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_facet_{suffix}")
        for name in ("claim_facet_evidence_au", "verdict_facet_ai", "verdict_facet_ad"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        db.execute_sql("DROP TRIGGER IF EXISTS verdict_facet_au")
        db.execute_sql("DROP TABLE IF EXISTS search_facet")
        db.execute_sql("DROP TABLE IF EXISTS search_facet_row")
