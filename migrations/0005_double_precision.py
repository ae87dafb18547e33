"""Figures and scores in double precision on PostgreSQL.

peewee's FloatField is REAL (single precision, about 7 digits) on PostgreSQL, which altered
normalized quantities (the end of a year as a Unix time, large counts) and unrounded scores;
SQLite's REAL is already double precision, so nothing changes there.
"""

from peewee import PostgresqlDatabase

COLUMNS = (("claim", "checkworthiness"), ("quantity", "value"), ("quantity", "value_high"))


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table, column in COLUMNS:
            db.execute_sql(
                'ALTER TABLE "%s" ALTER COLUMN "%s" TYPE DOUBLE PRECISION' % (table, column)
            )


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table, column in COLUMNS:
            db.execute_sql('ALTER TABLE "%s" ALTER COLUMN "%s" TYPE REAL' % (table, column))
