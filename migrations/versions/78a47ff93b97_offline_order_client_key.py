"""sales: the client key of an order taken offline, unique for ever

Revision ID: 78a47ff93b97
Revises: b7e3c9a1d5f4
Create Date: 2026-12-06 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '78a47ff93b97'
down_revision = 'b7e3c9a1d5f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=100), nullable=True))
        batch_op.create_index('ux_sales_order_client_key', ['client_key'], unique=True)


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ux_sales_order_client_key')
        batch_op.drop_column('client_key')
