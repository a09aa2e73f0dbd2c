"""reports: trainee lists read one page in the order of an index; stage counters per scope

Revision ID: c3e5a7b9d1f2
Revises: b9d1f3a5c7e8
Create Date: 2026-12-06 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = 'b9d1f3a5c7e8'
branch_labels = None
depends_on = None

#: (name, columns) of the summary's indexes for the lists: each scope, each order.
INDEXES = [
    ('ix_trainee_summary_stage_name', ['base_stage', 'sort_name']),
    ('ix_trainee_summary_name', ['sort_name']),
    ('ix_trainee_summary_cohort_name', ['cohort_id', 'program_slug', 'base_stage', 'sort_name']),
    ('ix_trainee_summary_cohort_expiry', ['cohort_id', 'program_slug', 'base_stage', 'expires_on']),
    ('ix_trainee_summary_cohort_last', ['cohort_id', 'program_slug', 'base_stage', 'last_at']),
    ('ix_trainee_summary_program_name', ['program_slug', 'base_stage', 'sort_name']),
    ('ix_trainee_summary_program_expiry', ['program_slug', 'base_stage', 'expires_on']),
    ('ix_trainee_summary_program_last', ['program_slug', 'base_stage', 'last_at']),
]


def upgrade():
    op.add_column('trainee_summary', sa.Column('sort_name', sa.String(length=254),
                                               server_default='', nullable=False))
    _backfill_summary()
    op.drop_index('ix_trainee_summary_cohort', table_name='trainee_summary')
    for name, columns in INDEXES:
        op.create_index(op.f(name), 'trainee_summary', columns, unique=False)
    op.drop_table('stage_count')
    op.create_table('scope_stage_count',
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('base_stage', sa.String(length=16), nullable=False),
    sa.Column('trainees', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_key', 'program_key', 'base_stage',
                            name=op.f('pk_scope_stage_count'))
    )
    _backfill_counts()


def _backfill_summary():
    """Give every row its sort name, and a last step to everyone who joined, as a rewrite would.

    Two UPDATEs from the user rows instead of rewriting every summary (minutes at 100,000).
    """
    op.execute(
        'UPDATE trainee_summary SET sort_name = (SELECT lower(coalesce(nullif('
        '"user".display_name, \'\'), "user".email)) FROM "user"'
        ' WHERE "user".id = trainee_summary.user_id)')
    op.execute(
        'UPDATE trainee_summary SET last_at = (SELECT "user".created_at FROM "user"'
        ' WHERE "user".id = trainee_summary.user_id) WHERE last_at IS NULL AND joined')


def _backfill_counts():
    """Count every scope's stages from the summary rows, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="stages")


def downgrade():
    op.drop_table('scope_stage_count')
    op.create_table('stage_count',
    sa.Column('base_stage', sa.String(length=16), nullable=False),
    sa.Column('trainees', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('base_stage', name=op.f('pk_stage_count'))
    )
    op.execute('INSERT INTO stage_count (base_stage, trainees)'
               ' SELECT base_stage, count(*) FROM trainee_summary GROUP BY base_stage')
    for name, _ in reversed(INDEXES):
        op.drop_index(op.f(name), table_name='trainee_summary')
    op.create_index('ix_trainee_summary_cohort', 'trainee_summary',
                    ['cohort_id', 'base_stage'], unique=False)
    with op.batch_alter_table('trainee_summary') as batch:
        batch.drop_column('sort_name')
