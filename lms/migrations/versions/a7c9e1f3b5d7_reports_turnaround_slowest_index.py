"""reports: index the turnaround tally for a scope's slowest supervisors

Revision ID: a7c9e1f3b5d7
Revises: f4b6d8e0a2c3
Create Date: 2026-12-06 20:25:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c9e1f3b5d7'
down_revision = 'f4b6d8e0a2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_supervisor_turnaround_slowest'), 'supervisor_turnaround',
                    ['cohort_key', 'program_key', 'median_hours'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_supervisor_turnaround_slowest'), table_name='supervisor_turnaround')
