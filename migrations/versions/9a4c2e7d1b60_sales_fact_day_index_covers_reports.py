"""reports: the sales facts' day index also holds what reports group by and sum, so a period is read from it alone

Revision ID: 9a4c2e7d1b60
Revises: 5c0a9e3d7b41
Create Date: 2026-11-28 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a4c2e7d1b60'
down_revision = '5c0a9e3d7b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_fact', schema=None) as batch_op:
        batch_op.create_index('ix_sales_fact_day_cover', ['day', 'product_id', 'customer_id', 'salesperson_id', 'qty',
                                                          'revenue', 'cost'], unique=False)
        batch_op.drop_index('ix_sales_fact_day')


def downgrade():
    with op.batch_alter_table('sales_fact', schema=None) as batch_op:
        batch_op.create_index('ix_sales_fact_day', ['day'], unique=False)
        batch_op.drop_index('ix_sales_fact_day_cover')
