"""practice: sign-offs are kept (no update or delete of decisions and observations)

Revision ID: 7c1d2e3f4a5b
Revises: 05640dcca5c8
Create Date: 2026-11-23 21:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = '05640dcca5c8'
branch_labels = None
depends_on = None

# Keep these statements in step with lms/practice/models.py (sqlite_keep, postgresql_keep).
TABLES = ("practice_decision", "competency_observation")
MESSAGE = "sign-offs are kept as recorded"


def _sqlite(table):
    return [f"CREATE TRIGGER {table}_kept_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END" for action in ("UPDATE", "DELETE")]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in TABLES:
            for statement in _sqlite(table):
                op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION sign_off_kept() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; "
                   "END $$ LANGUAGE plpgsql")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION sign_off_kept()")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_kept_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_kept_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_kept ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sign_off_kept()")
