"""books: account codes in the bookkeeper's software (金蝶 / 用友), where they differ from ours

Revision ID: ede25cea51e4
Revises: 84b62d6b2988
Create Date: 2026-12-06 15:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ede25cea51e4'
down_revision = '84b62d6b2988'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_account_mapping_account_id_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_mapping')),
    sa.UniqueConstraint('target', 'account_id', name=op.f('uq_account_mapping_target'))
    )
    with op.batch_alter_table('account_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_mapping_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_mapping_account_id'))
    op.drop_table('account_mapping')
