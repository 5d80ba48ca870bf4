"""ledger: the time index also holds product, warehouse, kind, qty and unit cost, so reports read only the index

Revision ID: 5c0a9e3d7b41
Revises: 8d2f4c7a1e95
Create Date: 2026-11-28 08:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c0a9e3d7b41'
down_revision = '8d2f4c7a1e95'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.create_index('ix_stock_move_created_cover',
                              ['created_at', 'product_id', 'warehouse_id', 'kind', 'qty', 'unit_cost'], unique=False)
        batch_op.drop_index('ix_stock_move_created_at')


def downgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.create_index('ix_stock_move_created_at', ['created_at'], unique=False)
        batch_op.drop_index('ix_stock_move_created_cover')
