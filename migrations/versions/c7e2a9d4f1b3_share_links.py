"""sharing: links a customer opens without an account (sales slip, quotation, delivery note) and their openings

Revision ID: c7e2a9d4f1b3
Revises: 78a47ff93b97
Create Date: 2026-12-06 19:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c7e2a9d4f1b3'
down_revision = '78a47ff93b97'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('sales_invoice_id', sa.Integer(), nullable=True),
    sa.Column('sales_order_id', sa.Integer(), nullable=True),
    sa.Column('sales_delivery_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN sales_invoice_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN sales_order_id IS NULL '
                       'THEN 0 ELSE 1 END) + (CASE WHEN sales_delivery_id IS NULL THEN 0 ELSE 1 END) = 1',
                       name=op.f('ck_share_link_one_document')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_share_link_created_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_share_link_revoked_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sales_delivery_id'], ['sales_delivery.id'],
                            name=op.f('fk_share_link_sales_delivery_id_sales_delivery'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sales_invoice_id'], ['sales_invoice.id'],
                            name=op.f('fk_share_link_sales_invoice_id_sales_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sales_order_id'], ['sales_order.id'],
                            name=op.f('fk_share_link_sales_order_id_sales_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link'))
    )
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_link_sales_delivery_id'), ['sales_delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_link_sales_invoice_id'), ['sales_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_link_sales_order_id'), ['sales_order_id'], unique=False)

    op.create_table('share_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('part', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['share_link.id'], name=op.f('fk_share_opening_link_id_share_link'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_opening'))
    )
    with op.batch_alter_table('share_opening', schema=None) as batch_op:
        batch_op.create_index('ix_share_opening_link_at', ['link_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('share_opening', schema=None) as batch_op:
        batch_op.drop_index('ix_share_opening_link_at')
    op.drop_table('share_opening')
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_sales_order_id'))
        batch_op.drop_index(batch_op.f('ix_share_link_sales_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_share_link_sales_delivery_id'))
    op.drop_table('share_link')
