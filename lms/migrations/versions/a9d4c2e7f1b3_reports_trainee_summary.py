"""reports: one summary row per trainee enrolment, backfilled from the stage query

Revision ID: a9d4c2e7f1b3
Revises: a9d4e6f1b2c3
Create Date: 2026-12-06 16:15:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a9d4c2e7f1b3'
down_revision = 'a9d4e6f1b2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trainee_summary',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_slug', sa.String(length=64), nullable=False),
    sa.Column('profile', sa.String(length=64), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('joined_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('joined', sa.Boolean(), nullable=False),
    sa.Column('base_stage', sa.String(length=16), nullable=False),
    sa.Column('modules_passed', sa.Integer(), nullable=False),
    sa.Column('modules_needed', sa.Integer(), nullable=False),
    sa.Column('counted_minutes', sa.Integer(), nullable=False),
    sa.Column('minutes_needed', sa.Integer(), nullable=False),
    sa.Column('modules_done', sa.Boolean(), nullable=False),
    sa.Column('practice_met', sa.Boolean(), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    sa.Column('first_issued', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('last_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_trainee_summary_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'program_slug', name=op.f('pk_trainee_summary'))
    )
    with op.batch_alter_table('trainee_summary', schema=None) as batch_op:
        batch_op.create_index('ix_trainee_summary_stage', ['base_stage', 'expires_on'], unique=False)
        batch_op.create_index('ix_trainee_summary_stage_last', ['base_stage', 'last_at'], unique=False)
        batch_op.create_index('ix_trainee_summary_cohort', ['cohort_id', 'base_stage'], unique=False)
        batch_op.create_index('ix_trainee_summary_first_issued', ['first_issued'], unique=False)
    _backfill()


def _backfill():
    """Fill the rows of an upgraded instance from its records, in this migration's transaction.

    The stage rules come from the course content (the catalog), so the app writes the rows;
    a new, empty database has nothing to fill. Without an app (plain alembic), run
    `flask lms rebuild-summaries` once after upgrading.
    """
    from flask import has_app_context

    bind = op.get_bind()
    if not bind.scalar(sa.text("SELECT count(*) FROM enrollment")):
        return
    if not has_app_context():
        print("trainee_summary: run `flask lms rebuild-summaries` to fill it")
        return
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(bind, which="trainees")


def downgrade():
    with op.batch_alter_table('trainee_summary', schema=None) as batch_op:
        batch_op.drop_index('ix_trainee_summary_first_issued')
        batch_op.drop_index('ix_trainee_summary_cohort')
        batch_op.drop_index('ix_trainee_summary_stage_last')
        batch_op.drop_index('ix_trainee_summary_stage')
    op.drop_table('trainee_summary')
