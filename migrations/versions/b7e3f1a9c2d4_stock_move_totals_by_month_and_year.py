"""inventory: the ledger's month and year totals per product and warehouse (written by post_moves), backfilled

Revision ID: b7e3f1a9c2d4
Revises: 9a4c2e7d1b60
Create Date: 2026-11-28 11:10:00.000000

"""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e3f1a9c2d4'
down_revision = '9a4c2e7d1b60'
branch_labels = None
depends_on = None

FIGURES = ('moves', 'qty', 'in_qty', 'value', 'in_value', 'sold_qty', 'sold_cost')
BATCH = 5000


def upgrade():
    op.create_table('stock_move_total',
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('transfer', sa.Boolean(), nullable=False),
    sa.Column('moves', sa.Integer(), nullable=False),
    *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES[1:]),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_move_total_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_stock_move_total_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('grain', 'starts_on', 'product_id', 'warehouse_id', 'transfer', name=op.f('pk_stock_move_total')),
    sqlite_with_rowid=False
    )
    _backfill(op.get_bind())


def downgrade():
    op.drop_table('stock_move_total')


# The backfill repeats app.inventory.totals.summed on the raw scaled integers, as that module stood at this
# revision (a migration must not change when the app's code does later).

def _zone():
    try:
        from flask import current_app
        return ZoneInfo(current_app.config["TIMEZONE"])
    except (ImportError, RuntimeError, KeyError):
        return ZoneInfo(os.environ.get("JXC_TIMEZONE", "Asia/Shanghai"))


def _backfill(bind):
    zone, totals, days = _zone(), {}, {}
    moves = bind.execute(sa.text("SELECT created_at, product_id, warehouse_id, kind, qty, unit_cost FROM stock_move")
                         .execution_options(yield_per=10000))
    for created, product_id, warehouse_id, kind, qty, unit_cost in moves:
        day = days.get(created)
        if day is None:
            at = datetime.fromisoformat(created) if isinstance(created, str) else created  # SQLite: text
            day = days[created] = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(zone).date()
        value, sold, transfer = qty * unit_cost, kind in ('sales_delivery', 'sales_return'), kind.startswith('transfer_')
        figures = (1, qty, max(qty, 0), value, value if qty > 0 else 0, -qty if sold else 0, -value if sold else 0)
        for key in (('month', day.replace(day=1), product_id, warehouse_id, transfer),
                    ('year', day.replace(month=1, day=1), product_id, warehouse_id, transfer)):
            row = totals.get(key)
            if row is None:
                totals[key] = list(figures)
            else:
                for i, figure in enumerate(figures):
                    row[i] += figure
    table = sa.table('stock_move_total', *(sa.column(name) for name in
                                          ('grain', 'starts_on', 'product_id', 'warehouse_id', 'transfer') + FIGURES))
    rows = [dict(zip(('grain', 'starts_on', 'product_id', 'warehouse_id', 'transfer') + FIGURES, key + tuple(figures)))
            for key, figures in totals.items()]
    for first in range(0, len(rows), BATCH):
        bind.execute(table.insert(), rows[first:first + BATCH])
