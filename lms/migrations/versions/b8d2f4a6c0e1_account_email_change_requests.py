"""account: the pending e-mail change of each person, confirmed by an e-mailed link

Revision ID: b8d2f4a6c0e1
Revises: c5e7a9b1d3f4
Create Date: 2026-12-06 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'b8d2f4a6c0e1'
down_revision = 'c5e7a9b1d3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('security_stamp', sa.String(length=32), nullable=False),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_email_change_request_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_change_request')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_change_request_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_email_change_request_user_id'))
    )


def downgrade():
    op.drop_table('email_change_request')
