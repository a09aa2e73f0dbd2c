"""reports: one queue row per supervisor with entries waiting, backfilled from the entries

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
    _backfill()


def _backfill():
    """Fill the rows of an upgraded instance from its practice entries, in this transaction."""
    bind = op.get_bind()
    if not bind.scalar(sa.text("SELECT count(*) FROM supervisor_assignment")):
        return
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(bind, which="queues")


def downgrade():
    with op.batch_alter_table('supervisor_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_supervisor_queue_oldest')
    op.drop_table('supervisor_queue')
