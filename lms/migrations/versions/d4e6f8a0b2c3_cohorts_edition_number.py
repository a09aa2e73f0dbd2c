"""cohorts: the numbered edition of requirements each cohort's trainees work toward

Revision ID: d4e6f8a0b2c3
Revises: b8d2f4a6c0e1
Create Date: 2026-12-06 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c3'
down_revision = 'b8d2f4a6c0e1'
branch_labels = None
depends_on = None

# An existing cohort gets the edition its members were enrolled under (they were enrolled at the
# cohort's edition), else the newest edition anyone in its program has, else edition 1.
BACKFILL = """
UPDATE cohort SET edition_number = COALESCE(
    (SELECT MIN(enrollment.edition) FROM enrollment
       JOIN cohort_member ON cohort_member.user_id = enrollment.user_id
      WHERE cohort_member.cohort_id = cohort.id
        AND enrollment.program_slug = cohort.program_slug),
    (SELECT MAX(enrollment.edition) FROM enrollment
      WHERE enrollment.program_slug = cohort.program_slug),
    1)
"""


def upgrade():
    # NOT NULL with a default is a plain ADD COLUMN on SQLite too: no copy of the table, which
    # SQLite could not drop while cohort_member rows point at it (foreign keys are on).
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition_number', sa.Integer(), nullable=False,
                                      server_default='1'))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('edition_number')
