"""security: random holder ids; certificates and supervision sessions are kept

Revision ID: d3a8f2c61b7e
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-06 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'd3a8f2c61b7e'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None

# Frozen copies of the statements in lms/certification/models.py and lms/practice/models.py.
CERTIFICATE_KEPT = ("certificates are kept as issued: only an active one can be revoked or "
                    "superseded, once, with a date and a reason")
ALLOWED_CHANGE = ("OLD.status = 'active' AND NEW.status IN ('revoked', 'superseded') "
                  "AND NEW.status_reason IS NOT NULL AND trim(NEW.status_reason) <> '' "
                  "AND NEW.status_changed_at IS NOT NULL")
FACT_COLUMNS = ("id", "code", "user_id", "program_slug", "program_title", "profile_slug",
                "profile_title", "content_version", "holder_name", "issued_on", "expires_on",
                "certified", "status_index", "credential_json", "pdf", "pdf_sha256",
                "replaces_id", "issued_by_id", "created_at")
SESSION_TABLES = ("supervision_session", "session_attendee")
SIGN_OFF_KEPT = "sign-offs are kept as recorded"


def _sqlite_certificate():
    same = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in FACT_COLUMNS)
    return (
        "CREATE TRIGGER certificate_kept_delete BEFORE DELETE ON certificate "
        f"BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
        "CREATE TRIGGER certificate_kept_update BEFORE UPDATE ON certificate "
        f"WHEN NOT ({ALLOWED_CHANGE} AND NEW.status_changed_at IS NOT OLD.status_changed_at "
        f"AND {same}) BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
    )


POSTGRESQL_CERTIFICATE = (
    "CREATE OR REPLACE FUNCTION certificate_kept() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND " + ALLOWED_CHANGE + " "
    "AND NEW.status_changed_at IS DISTINCT FROM OLD.status_changed_at "
    "AND to_jsonb(NEW) - ARRAY['status', 'status_reason', 'status_changed_at'] "
    "= to_jsonb(OLD) - ARRAY['status', 'status_reason', 'status_changed_at'] "
    "THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{CERTIFICATE_KEPT}' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER certificate_kept BEFORE UPDATE OR DELETE ON certificate "
    "FOR EACH ROW EXECUTE FUNCTION certificate_kept()",
    "CREATE TRIGGER certificate_kept_truncate BEFORE TRUNCATE ON certificate "
    "FOR EACH STATEMENT EXECUTE FUNCTION certificate_kept()",
)


def upgrade():
    op.create_table('credential_holder',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_credential_holder_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_credential_holder')),
    sa.UniqueConstraint('public_id', name=op.f('uq_credential_holder_public_id'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_certificate():
            op.execute(statement)
        for table in SESSION_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_kept_{action.lower()} BEFORE {action} "
                           f"ON {table} BEGIN SELECT RAISE(ABORT, '{SIGN_OFF_KEPT}'); END")
    elif dialect == "postgresql":
        for statement in POSTGRESQL_CERTIFICATE:
            op.execute(statement)
        # sign_off_kept() exists since revision 7c1d2e3f4a5b.
        for table in SESSION_TABLES:
            op.execute(f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION sign_off_kept()")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("certificate_kept_delete", "certificate_kept_update",
                     *(f"{table}_kept_{action}" for table in SESSION_TABLES
                       for action in ("update", "delete"))):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS certificate_kept_truncate ON certificate")
        op.execute("DROP TRIGGER IF EXISTS certificate_kept ON certificate")
        op.execute("DROP FUNCTION IF EXISTS certificate_kept()")
        for table in SESSION_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_kept ON {table}")
    op.drop_table('credential_holder')
