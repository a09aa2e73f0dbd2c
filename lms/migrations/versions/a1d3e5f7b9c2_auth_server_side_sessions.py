"""auth: server-side sessions and a per-person session stamp

Revision ID: a1d3e5f7b9c2
Revises: f3f25fcc556c
Create Date: 2026-12-06 13:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a1d3e5f7b9c2'
down_revision = 'f3f25fcc556c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), nullable=True))
    # Each person gets their own random stamp; every cookie from before this revision is
    # malformed for the new loader anyway, so those browsers are signed out calmly.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_stamp', sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(user.c.id)).all():
        bind.execute(user.update().where(user.c.id == user_id)
                     .values(session_stamp=secrets.token_urlsafe(16)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_stamp', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
