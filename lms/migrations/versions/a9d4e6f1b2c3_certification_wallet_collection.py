"""certification: wallet collection (OpenID4VCI offers, nonces and wallet copies)

Revision ID: a9d4e6f1b2c3
Revises: d4e6f8a0b2c3
Create Date: 2026-12-06 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lms.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a9d4e6f1b2c3'
down_revision = 'd4e6f8a0b2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wallet_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('tx_code_sha256', sa.String(length=64), nullable=True),
    sa.Column('expires_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failed_tx_codes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('burned_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('redeemed_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('token_sha256', sa.String(length=64), nullable=True),
    sa.Column('token_expires_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_wallet_offer_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_wallet_offer_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_offer')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_wallet_offer_code_sha256')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_wallet_offer_token_sha256'))
    )
    with op.batch_alter_table('wallet_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_offer_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_offer_user_id'), ['user_id'], unique=False)
    op.create_table('wallet_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce_sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lms.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_nonce')),
    sa.UniqueConstraint('nonce_sha256', name=op.f('uq_wallet_nonce_nonce_sha256'))
    )
    with op.batch_alter_table('wallet_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_nonce_expires_at'), ['expires_at'], unique=False)
    op.create_table('wallet_copy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('holder_did', sa.Text(), nullable=False),
    sa.Column('credential_json', sa.Text(), nullable=False),
    sa.Column('created_at', lms.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_wallet_copy_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['offer_id'], ['wallet_offer.id'], name=op.f('fk_wallet_copy_offer_id_wallet_offer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_copy')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_wallet_copy_offer_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_wallet_copy_public_id'))
    )
    with op.batch_alter_table('wallet_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_copy_certificate_id'), ['certificate_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wallet_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_copy_certificate_id'))
    op.drop_table('wallet_copy')
    with op.batch_alter_table('wallet_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_nonce_expires_at'))
    op.drop_table('wallet_nonce')
    with op.batch_alter_table('wallet_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_offer_user_id'))
        batch_op.drop_index(batch_op.f('ix_wallet_offer_certificate_id'))
    op.drop_table('wallet_offer')
