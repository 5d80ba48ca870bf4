"""users: invitations by one-time link (hashed token, 72 h), pending users, a phone per user

Revision ID: f6a2c8e4d1b7
Revises: e5d1a7c3b920
Create Date: 2026-12-06 09:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f6a2c8e4d1b7'
down_revision = 'e5d1a7c3b920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('user_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_user_invitation_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_invitation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_invitation_token_hash'))
    )
    with op.batch_alter_table('user_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_invitation_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_invitation_user_id'))
    op.drop_table('user_invitation')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('pending')
        batch_op.drop_column('phone')
