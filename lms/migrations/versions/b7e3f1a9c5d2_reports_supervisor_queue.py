"""reports: supervisor queue rows and per-stage counters, backfilled from the records

Revision ID: b7e3f1a9c5d2
Revises: a9d4c2e7f1b3
Create Date: 2026-12-06 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'b7e3f1a9c5d2'
down_revision = 'a9d4c2e7f1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervisor_queue',
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('oldest', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['supervisor_id'], ['user.id'], name=op.f('fk_supervisor_queue_supervisor_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supervisor_id', name=op.f('pk_supervisor_queue'))
    )
    with op.batch_alter_table('supervisor_queue', schema=None) as batch_op:
        batch_op.create_index('ix_supervisor_queue_oldest', ['oldest'], unique=False)
    op.create_table('stage_count',
    sa.Column('base_stage', sa.String(length=16), nullable=False),
    sa.Column('trainees', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('base_stage', name=op.f('pk_stage_count'))
    )
    _backfill()


def _backfill():
    """Fill the rows from the entries and the trainee summary rows, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="queues")


def downgrade():
    op.drop_table('stage_count')
    with op.batch_alter_table('supervisor_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_supervisor_queue_oldest')
    op.drop_table('supervisor_queue')
