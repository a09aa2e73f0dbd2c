"""editions: the edition of the requirements on each enrolment and certificate

Revision ID: 9e1d5c0a7b21
Revises: a17c0ffee017
Create Date: 2026-12-06 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e1d5c0a7b21'
down_revision = 'a17c0ffee017'
branch_labels = None
depends_on = None

# Frozen copies from "certificates and supervision sessions are kept" (d3a8f2c61b7e): SQLite's
# trigger names every fact column, so the new `edition` column joins the list (PostgreSQL's
# trigger compares whole rows and needs no change).
CERTIFICATE_KEPT = ("certificates are kept as issued: only an active one can be revoked or "
                    "superseded, once, with a date and a reason")
ALLOWED_CHANGE = ("OLD.status = 'active' AND NEW.status IN ('revoked', 'superseded') "
                  "AND NEW.status_reason IS NOT NULL AND trim(NEW.status_reason) <> '' "
                  "AND NEW.status_changed_at IS NOT NULL")
FACT_COLUMNS = ("id", "code", "user_id", "program_slug", "program_title", "profile_slug",
                "profile_title", "content_version", "holder_name", "issued_on", "expires_on",
                "certified", "status_index", "credential_json", "pdf", "pdf_sha256",
                "replaces_id", "issued_by_id", "created_at")


def _sqlite_triggers(columns):
    same = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in columns)
    return (
        "CREATE TRIGGER certificate_kept_delete BEFORE DELETE ON certificate "
        f"BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
        "CREATE TRIGGER certificate_kept_update BEFORE UPDATE ON certificate "
        f"WHEN NOT ({ALLOWED_CHANGE} AND NEW.status_changed_at IS NOT OLD.status_changed_at "
        f"AND {same}) BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
    )


def _replace_sqlite_triggers(columns):
    op.execute("DROP TRIGGER IF EXISTS certificate_kept_delete")
    op.execute("DROP TRIGGER IF EXISTS certificate_kept_update")
    for statement in _sqlite_triggers(columns):
        op.execute(statement)


def upgrade():
    # Everyone enrolled or certified before editions existed worked toward edition 1.
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_enrollment_edition_positive'), 'edition >= 1')
    op.add_column('certificate', sa.Column('edition', sa.Integer(), server_default='1',
                                           nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        _replace_sqlite_triggers(FACT_COLUMNS + ("edition",))


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS certificate_kept_delete")
        op.execute("DROP TRIGGER IF EXISTS certificate_kept_update")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('edition')
    if sqlite:
        _replace_sqlite_triggers(FACT_COLUMNS)
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrollment_edition_positive'), type_='check')
        batch_op.drop_column('edition')
