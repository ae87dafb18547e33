"""Make the audit trail append-only at the database: UPDATE and DELETE (and, on PostgreSQL,
TRUNCATE) of audit_event are refused by triggers, whoever asks."""

from peewee import PostgresqlDatabase

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]
POSTGRES = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]


def up(migrator, db):
    for statement in POSTGRES if isinstance(db, PostgresqlDatabase) else SQLITE:
        db.execute_sql(statement)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER audit_event_no_truncate ON audit_event")
        db.execute_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        db.execute_sql("DROP FUNCTION audit_event_append_only()")
    else:
        db.execute_sql("DROP TRIGGER audit_event_no_update")
        db.execute_sql("DROP TRIGGER audit_event_no_delete")
