"""opening: opening stock per warehouse; sales and purchase invoices may be opening balances (no order)

Revision ID: e5d1a7c3b920
Revises: e5b1c9d3a7f2
Create Date: 2026-12-06 09:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5d1a7c3b920'
down_revision = 'e5b1c9d3a7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opening_stock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_opening_stock_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_opening_stock_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_stock')),
    sa.UniqueConstraint('number', name=op.f('uq_opening_stock_number')),
    sa.UniqueConstraint('warehouse_id', name=op.f('uq_opening_stock_warehouse_id'))
    )
    op.create_table('opening_stock_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.Column('unit_cost', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['opening_id'], ['opening_stock.id'], name=op.f('fk_opening_stock_line_opening_id_opening_stock'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_opening_stock_line_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_stock_line')),
    sa.UniqueConstraint('opening_id', 'product_id', name=op.f('uq_opening_stock_line_opening_id'))
    )
    with op.batch_alter_table('opening_stock_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_stock_line_opening_id'), ['opening_id'], unique=False)
    with op.batch_alter_table('sales_invoice', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('opening', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('reference', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('notes', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('purchase_invoice', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('opening', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('notes', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('purchase_invoice', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('opening')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('sales_invoice', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('reference')
        batch_op.drop_column('opening')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('opening_stock_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_stock_line_opening_id'))
    op.drop_table('opening_stock_line')
    op.drop_table('opening_stock')
