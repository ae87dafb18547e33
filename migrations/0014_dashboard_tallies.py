"""Tallies for the dashboard and the queues (issue 9).

Counting claims by state, by assignee and state, and published verdicts by rating read every
claim and every current verdict at each page view: 50 ms of a 100,000-claim dashboard. Two small
tables hold those counts instead, kept by triggers in the transaction of every write (services,
imports, the archive loader, the benchmark's bulk rows), as the search index of 0007 is:

- claim_tally: claims per (status, assignee_id), assignee 0 for nobody (a key column cannot be
  NULL), and how many of them need a re-check (the queue's first list);
- rating_tally: current (published) verdicts per rating.

Rows at zero stay. The tallies are derived data: rebuilt from the tables here, never written by
the application, not audit events (the claim and verdict events they follow are the record),
not exported (an import's inserts fire the triggers). On PostgreSQL the triggers first take the
audit chain's transaction lock (claims/audit.py), which every write takes anyway: a writer holds
tally rows only while holding that lock, so two writers never wait for each other's rows and for
the lock at once (a deadlock). A frozen copy: never import the application's models here.
"""

from peewee import *

# claims/audit.py _PG_LOCK_KEY (tests/test_dashboard.py checks they agree).
AUDIT_LOCK_KEY = 0x434C41494D53

RECHECK = "CASE WHEN {r}.needs_recheck THEN 1 ELSE 0 END"
# Statements shared by both databases; {r} is the trigger's row (new or old).
CLAIM_ADD = (
    "INSERT INTO claim_tally (status, assignee_id, claims, rechecks) "
    f"VALUES ({{r}}.status, COALESCE({{r}}.assignee_id, 0), 1, {RECHECK}) "
    "ON CONFLICT (status, assignee_id) DO UPDATE SET claims = claim_tally.claims + 1, "
    "rechecks = claim_tally.rechecks + excluded.rechecks;"
)
CLAIM_REMOVE = (
    f"UPDATE claim_tally SET claims = claims - 1, rechecks = rechecks - {RECHECK} "
    "WHERE status = {r}.status AND assignee_id = COALESCE({r}.assignee_id, 0);"
)
CLAIM_CHANGED = (
    "{old}.status {ne} {new}.status OR {old}.assignee_id {ne} {new}.assignee_id "
    "OR {old}.needs_recheck {ne} {new}.needs_recheck"
)
VERDICT_ADD = (
    "INSERT INTO rating_tally (rating_id, verdicts) VALUES ({r}.rating_id, 1) "
    "ON CONFLICT (rating_id) DO UPDATE SET verdicts = rating_tally.verdicts + 1;"
)
VERDICT_REMOVE = "UPDATE rating_tally SET verdicts = verdicts - 1 WHERE rating_id = {r}.rating_id;"
VERDICT_CHANGED = "({old}.current {ne} {new}.current OR {old}.rating_id {ne} {new}.rating_id)"


def _tables(db):
    class Rating(Model):
        class Meta:
            database = db
            table_name = "rating"

    class ClaimTally(Model):
        status = CharField(max_length=20)
        assignee_id = IntegerField()
        claims = IntegerField(default=0)
        rechecks = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "claim_tally"
            primary_key = CompositeKey("status", "assignee_id")

    class RatingTally(Model):
        rating = ForeignKeyField(Rating, primary_key=True, on_delete="CASCADE")
        verdicts = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "rating_tally"

    return [ClaimTally, RatingTally]


def _sqlite(db):
    add, remove = CLAIM_ADD.format(r="new"), CLAIM_REMOVE.format(r="old")
    changed = CLAIM_CHANGED.format(old="old", new="new", ne="IS NOT")
    db.execute_sql(f"CREATE TRIGGER claim_tally_ai AFTER INSERT ON claim BEGIN {add} END")
    db.execute_sql(f"CREATE TRIGGER claim_tally_ad AFTER DELETE ON claim BEGIN {remove} END")
    db.execute_sql(
        "CREATE TRIGGER claim_tally_au AFTER UPDATE OF status, assignee_id, needs_recheck "
        f"ON claim WHEN {changed} BEGIN {remove} {add} END"
    )
    add, remove = VERDICT_ADD.format(r="new"), VERDICT_REMOVE.format(r="old")
    changed = VERDICT_CHANGED.format(old="old", new="new", ne="IS NOT")
    db.execute_sql(
        f"CREATE TRIGGER verdict_tally_ai AFTER INSERT ON verdict WHEN new.current BEGIN {add} END"
    )
    db.execute_sql(
        "CREATE TRIGGER verdict_tally_ad AFTER DELETE ON verdict WHEN old.current "
        f"BEGIN {remove} END"
    )
    # A trigger body has no IF: one trigger for the verdict leaving its count, one for entering.
    for suffix, row, statement in (("auo", "old", remove), ("aun", "new", add)):
        db.execute_sql(
            f"CREATE TRIGGER verdict_tally_{suffix} AFTER UPDATE OF current, rating_id ON verdict "
            f"WHEN {row}.current AND {changed} BEGIN {statement} END"
        )


def _postgres(db):
    lock = f"PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});"
    db.execute_sql(
        f"""CREATE FUNCTION claim_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {lock}
          IF TG_OP <> 'INSERT' THEN {CLAIM_REMOVE.format(r="OLD")} END IF;
          IF TG_OP <> 'DELETE' THEN {CLAIM_ADD.format(r="NEW")} END IF;
          RETURN NULL;
        END $$"""
    )
    changed = CLAIM_CHANGED.format(old="OLD", new="NEW", ne="IS DISTINCT FROM")
    db.execute_sql(
        "CREATE TRIGGER claim_tally AFTER INSERT OR DELETE ON claim "
        "FOR EACH ROW EXECUTE FUNCTION claim_tally()"
    )
    db.execute_sql(
        "CREATE TRIGGER claim_tally_update AFTER UPDATE OF status, assignee_id, needs_recheck "
        f"ON claim FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION claim_tally()"
    )
    db.execute_sql(
        f"""CREATE FUNCTION verdict_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {lock}
          IF TG_OP <> 'INSERT' THEN
            IF OLD.current THEN {VERDICT_REMOVE.format(r="OLD")} END IF;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            IF NEW.current THEN {VERDICT_ADD.format(r="NEW")} END IF;
          END IF;
          RETURN NULL;
        END $$"""
    )
    changed = VERDICT_CHANGED.format(old="OLD", new="NEW", ne="IS DISTINCT FROM")
    for name, event, when in (
        ("verdict_tally_insert", "INSERT", "NEW.current"),
        ("verdict_tally_delete", "DELETE", "OLD.current"),
        (
            "verdict_tally_update",
            "UPDATE OF current, rating_id",
            f"(OLD.current OR NEW.current) AND {changed}",
        ),
    ):
        db.execute_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON verdict FOR EACH ROW WHEN ({when}) "
            "EXECUTE FUNCTION verdict_tally()"
        )


def _backfill(db):
    db.execute_sql(
        "INSERT INTO claim_tally (status, assignee_id, claims, rechecks) "
        f"SELECT status, COALESCE(assignee_id, 0), COUNT(*), SUM({RECHECK.format(r='claim')}) "
        "FROM claim GROUP BY status, COALESCE(assignee_id, 0)"
    )
    db.execute_sql(
        "INSERT INTO rating_tally (rating_id, verdicts) "
        "SELECT rating_id, COUNT(*) FROM verdict WHERE current GROUP BY rating_id"
    )


def up(migrator, db):
    db.create_tables(_tables(db))
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)
    _backfill(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in ("claim", "verdict"):
            db.execute_sql(f"DROP FUNCTION IF EXISTS {table}_tally() CASCADE")
    else:
        for name in ("claim_tally_ai", "claim_tally_ad", "claim_tally_au", "verdict_tally_ai"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        for name in ("verdict_tally_ad", "verdict_tally_auo", "verdict_tally_aun"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    db.drop_tables(_tables(db))
