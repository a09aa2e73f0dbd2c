"""reports: first-attempt answer tally and supervisor turnaround per scope, backfilled

Revision ID: e8c4a2f6b1d3
Revises: d1f3a5c7e9b4
Create Date: 2026-12-06 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8c4a2f6b1d3'
down_revision = 'd1f3a5c7e9b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_share',
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('program_slug', sa.String(length=64), nullable=False),
    sa.Column('module_slug', sa.String(length=64), nullable=False),
    sa.Column('question_key', sa.Text(), nullable=False),
    sa.Column('chosen', sa.Text(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('trainee_id', 'program_slug', 'module_slug', 'question_key', 'chosen', name=op.f('pk_answer_share'))
    )
    op.create_table('answer_scope',
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('trainee_id', 'cohort_key', 'program_key', name=op.f('pk_answer_scope'))
    )
    op.create_table('answer_count',
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('program_slug', sa.String(length=64), nullable=False),
    sa.Column('module_slug', sa.String(length=64), nullable=False),
    sa.Column('question_key', sa.Text(), nullable=False),
    sa.Column('chosen', sa.Text(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_key', 'program_key', 'program_slug', 'module_slug', 'question_key', 'chosen', name=op.f('pk_answer_count'))
    )
    op.create_table('supervisor_turnaround',
    sa.Column('cohort_key', sa.Integer(), nullable=False),
    sa.Column('program_key', sa.String(length=64), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.Column('median_hours', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('cohort_key', 'program_key', 'supervisor_id', name=op.f('pk_supervisor_turnaround'))
    )
    # A supervisor's turnaround is recounted from their decisions alone.
    # (No batch mode: rebuilding the table would drop its sign-off triggers.)
    op.create_index(op.f('ix_practice_decision_supervisor_id'), 'practice_decision', ['supervisor_id'], unique=False)
    _backfill()


def _backfill():
    """Fill the shares and the tallies from the first attempts and decisions, in this transaction."""
    from lms.reports.services import rebuild_summaries

    rebuild_summaries(op.get_bind(), which="oversight")


def downgrade():
    op.drop_index(op.f('ix_practice_decision_supervisor_id'), table_name='practice_decision')
    op.drop_table('supervisor_turnaround')
    op.drop_table('answer_count')
    op.drop_table('answer_scope')
    op.drop_table('answer_share')
