"""certification: wallet copies are kept as issued (no update or delete)

Revision ID: e2c4a6b8d0f1
Revises: e8c4a2f6b1d3
Create Date: 2026-12-06 19:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2c4a6b8d0f1'
down_revision = 'e8c4a2f6b1d3'
branch_labels = None
depends_on = None

# Keep these statements in step with lms/certification/models.py (WALLET_COPY_KEPT).
MESSAGE = "wallet copies are kept as issued"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER wallet_copy_kept_{action.lower()} BEFORE {action} "
                       f"ON wallet_copy BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    elif dialect == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION wallet_copy_kept() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; "
                   "END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER wallet_copy_kept BEFORE UPDATE OR DELETE ON wallet_copy "
                   "FOR EACH ROW EXECUTE FUNCTION wallet_copy_kept()")
        op.execute("CREATE TRIGGER wallet_copy_kept_truncate BEFORE TRUNCATE ON wallet_copy "
                   "FOR EACH STATEMENT EXECUTE FUNCTION wallet_copy_kept()")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS wallet_copy_kept_update")
        op.execute("DROP TRIGGER IF EXISTS wallet_copy_kept_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS wallet_copy_kept ON wallet_copy")
        op.execute("DROP TRIGGER IF EXISTS wallet_copy_kept_truncate ON wallet_copy")
        op.execute("DROP FUNCTION IF EXISTS wallet_copy_kept()")
