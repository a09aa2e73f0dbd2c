"""reports: weekly approved minutes per cohort and each trainee's share, backfilled

Revision ID: d1f3a5c7e9b4
Revises: b7e3f1a9c5d2
Create Date: 2026-12-06 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1f3a5c7e9b4'
down_revision = 'b7e3f1a9c5d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('weekly_minutes_share',
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('program_slug', sa.String(length=64), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('activity', sa.String(length=64), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_weekly_minutes_share_trainee_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trainee_id', 'cohort_id', 'program_slug', 'week', 'activity', name=op.f('pk_weekly_minutes_share'))
    )
    op.create_table('weekly_minutes',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('program_slug', sa.String(length=64), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('activity', sa.String(length=64), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_id', 'program_slug', 'week', 'activity', name=op.f('pk_weekly_minutes'))
    )
    with op.batch_alter_table('weekly_minutes', schema=None) as batch_op:
        batch_op.create_index('ix_weekly_minutes_week', ['week', 'cohort_id'], unique=False)
    _backfill()


def _backfill():
    """Fill the shares and the tally from the approved entries, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="tallies")


def downgrade():
    with op.batch_alter_table('weekly_minutes', schema=None) as batch_op:
        batch_op.drop_index('ix_weekly_minutes_week')
    op.drop_table('weekly_minutes')
    op.drop_table('weekly_minutes_share')
