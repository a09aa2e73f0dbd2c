"""reports: time to certificate per report scope, worked out again when it changes

Revision ID: b9d1f3a5c7e8
Revises: a7c9e1f3b5d7
Create Date: 2026-12-06 20:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9d1f3a5c7e8'
down_revision = 'a7c9e1f3b5d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('timing_figure',
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('certified', sa.Integer(), nullable=False),
    sa.Column('median_days', sa.Float(), nullable=True),
    sa.Column('p90_days', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('cohort_key', 'program_key', name=op.f('pk_timing_figure'))
    )
    _backfill()


def _backfill():
    """Work out every scope's figures from the summary rows, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="timing")


def downgrade():
    op.drop_table('timing_figure')
