"""reports: the completion funnel's counts per report scope, backfilled

Revision ID: f4b6d8e0a2c3
Revises: e2c4a6b8d0f1
Create Date: 2026-12-06 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4b6d8e0a2c3'
down_revision = 'e2c4a6b8d0f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funnel_count',
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('joined', sa.Integer(), nullable=False),
    sa.Column('first_quiz', sa.Integer(), nullable=False),
    sa.Column('modules_done', sa.Integer(), nullable=False),
    sa.Column('practice_met', sa.Integer(), nullable=False),
    sa.Column('certified', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_key', 'program_key', name=op.f('pk_funnel_count'))
    )
    _backfill()


def _backfill():
    """Count the summary rows into their scopes, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="funnel")


def downgrade():
    op.drop_table('funnel_count')
