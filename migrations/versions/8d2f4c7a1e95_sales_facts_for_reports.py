"""reports: sales facts (one row per invoice line and credited return line), backfilled from existing documents

Revision ID: 8d2f4c7a1e95
Revises: 3b8e61f0a7c2
Create Date: 2026-11-28 08:05:00.000000

"""
import os
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8d2f4c7a1e95'
down_revision = '3b8e61f0a7c2'
branch_labels = None
depends_on = None

CENT, COST = Decimal("0.01"), Decimal("0.0001")
BATCH = 1000


def upgrade():
    op.create_table('sales_fact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('return_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_sales_fact_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['sales_invoice.id'], name=op.f('fk_sales_fact_invoice_id_sales_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_sales_fact_product_id_product')),
    sa.ForeignKeyConstraint(['return_id'], ['sales_return.id'], name=op.f('fk_sales_fact_return_id_sales_return'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['salesperson_id'], ['user.id'], name=op.f('fk_sales_fact_salesperson_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_sales_fact_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_fact'))
    )
    with op.batch_alter_table('sales_fact', schema=None) as batch_op:
        batch_op.create_index('ix_sales_fact_day', ['day'], unique=False)
        batch_op.create_index('ix_sales_fact_product_day', ['product_id', 'day'], unique=False)
        batch_op.create_index('ix_sales_fact_customer_day', ['customer_id', 'day'], unique=False)
        batch_op.create_index('ix_sales_fact_salesperson_day', ['salesperson_id', 'day'], unique=False)
        batch_op.create_index('ix_sales_fact_invoice_id', ['invoice_id'], unique=False)
        batch_op.create_index('ix_sales_fact_return_id', ['return_id'], unique=False)
    _backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table('sales_fact', schema=None) as batch_op:
        for name in ('ix_sales_fact_return_id', 'ix_sales_fact_invoice_id', 'ix_sales_fact_salesperson_day',
                     'ix_sales_fact_customer_day', 'ix_sales_fact_product_day', 'ix_sales_fact_day'):
            batch_op.drop_index(name)
    op.drop_table('sales_fact')


# The backfill repeats app.sales.fulfilment's arithmetic on the raw scaled integers (money x100, quantities
# x1000, unit costs x10000), so reports show documents made before this migration exactly as new ones.

def _zone():
    try:
        from flask import current_app
        return ZoneInfo(current_app.config["TIMEZONE"])
    except (ImportError, RuntimeError, KeyError):
        return ZoneInfo(os.environ.get("JXC_TIMEZONE", "Asia/Shanghai"))


def _average_costs(bind) -> dict[int, Decimal]:
    """Per order line: the weighted average unit cost its delivered goods left at (as fulfilment.delivered_cost)."""
    averages = {}
    rows = bind.execute(sa.text("SELECT order_line_id, SUM(qty), SUM(qty * unit_cost) FROM sales_delivery_line "
                                "GROUP BY order_line_id"))
    for line_id, qty, value in rows:
        if qty:
            # qty x1000 and unit_cost x10000: value / qty is the unit cost x10000
            averages[line_id] = (Decimal(value) / Decimal(qty) / 10000).quantize(COST, ROUND_HALF_UP)
    return averages


def _cost(qty_units: int, unit_cost: Decimal) -> int:
    """qty (x1000) times a unit cost, as cents."""
    return int((Decimal(qty_units) / 1000 * unit_cost).quantize(CENT, ROUND_HALF_UP) * 100)


def _insert(bind, rows):
    if rows:
        bind.execute(sa.text("INSERT INTO sales_fact (day, invoice_id, return_id, product_id, customer_id, "
                             "salesperson_id, warehouse_id, qty, revenue, cost) VALUES (:day, :invoice_id, "
                             ":return_id, :product_id, :customer_id, :salesperson_id, :warehouse_id, :qty, "
                             ":revenue, :cost)"), rows)


def _backfill(bind):
    averages = _average_costs(bind)
    invoice_lines = bind.execute(sa.text(
        "SELECT i.issued_on, i.id, l.product_id, i.customer_id, o.salesperson_id, o.warehouse_id, l.qty, l.amount, "
        "l.order_line_id FROM sales_invoice_line l JOIN sales_invoice i ON i.id = l.invoice_id "
        "JOIN sales_order o ON o.id = i.order_id ORDER BY l.id"))
    batch = []
    for day, invoice_id, product_id, customer_id, salesperson_id, warehouse_id, qty, amount, line_id in invoice_lines:
        batch.append({"day": day, "invoice_id": invoice_id, "return_id": None, "product_id": product_id,
                      "customer_id": customer_id, "salesperson_id": salesperson_id, "warehouse_id": warehouse_id,
                      "qty": qty, "revenue": amount, "cost": _cost(qty, averages.get(line_id, Decimal(0)))})
        if len(batch) >= BATCH:
            _insert(bind, batch)
            batch = []
    _insert(bind, batch)
    zone = _zone()
    return_lines = bind.execute(sa.text(
        "SELECT r.created_at, r.id, l.product_id, r.customer_id, o.salesperson_id, r.warehouse_id, l.credited_qty, "
        "l.amount, l.unit_cost FROM sales_return_line l JOIN sales_return r ON r.id = l.return_id "
        "JOIN sales_order o ON o.id = r.order_id WHERE l.credited_qty > 0 ORDER BY l.id"))
    batch = []
    for created, return_id, product_id, customer_id, salesperson_id, warehouse_id, qty, amount, unit_cost in return_lines:
        if isinstance(created, str):  # SQLite hands timestamps back as text
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        batch.append({"day": created.astimezone(zone).date(), "invoice_id": None, "return_id": return_id,
                      "product_id": product_id, "customer_id": customer_id, "salesperson_id": salesperson_id,
                      "warehouse_id": warehouse_id, "qty": -qty, "revenue": -amount,
                      "cost": -_cost(qty, Decimal(unit_cost) / 10000)})
        if len(batch) >= BATCH:
            _insert(bind, batch)
            batch = []
    _insert(bind, batch)
