"""people: each person's chosen time zone

Revision ID: a17c0ffee017
Revises: a1d3e5f7b9c2
Create Date: 2026-12-06 13:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a17c0ffee017'
down_revision = 'a1d3e5f7b9c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
