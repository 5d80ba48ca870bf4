"""`flask check`: stored figures no report could sum. Every money, price, cost, quantity and percentage column is
held to the bound its input has (app.limits), and the sums reports make per customer, supplier and product are
kept well inside 2**63 scaled units (docs/limits.md has the arithmetic).

Rows written before the bounds existed, or straight into the database, are named so they can be corrected with a
reversing document; the sums are measured as floating point (the check itself must not overflow).
"""
from sqlalchemy import BigInteger, Float, cast, func, or_, select, type_coerce

from app.catalog.models import Barcode, Product
from app.checks import invariant
from app.db_types import ScaledDecimal
from app.extensions import db
from app.finance.models import Payment
from app.inventory.models import StockLevel, StockMove, StockMoveTotal
from app.limits import AMOUNT, COST, PERCENT, PRICE, QUANTITY, Limit, normalise_code
from app.purchasing.models import PurchaseInvoice
from app.reports.models import SalesFact
from app.sales.models import SalesInvoice

# Column name -> its bound. Signed columns (moves, returns as negative facts, count differences) are held to the
# bound either way. Stock levels (on_hand, reserved) are sums of moves and are measured with the sums below.
BOUNDS: dict[str, Limit] = {
    **dict.fromkeys(("unit_price", "sale_price", "wholesale_price", "purchase_price", "list_price", "last_price"),
                    PRICE),
    **dict.fromkeys(("unit_cost", "avg_cost"), COST),
    **dict.fromkeys(("discount_pct", "tax_rate", "default_tax_rate", "receipt_tolerance_pct",
                     "max_sales_discount_pct"), PERCENT),
    **dict.fromkeys(("amount", "subtotal", "tax", "total", "paid", "credited", "credit_limit", "revenue", "cost"),
                    AMOUNT),
    **dict.fromkeys(("qty", "delivered_qty", "invoiced_qty", "returned_qty", "credited_qty", "received_qty",
                     "min_stock", "max_stock", "ratio", "min_order_qty", "expected", "counted", "book", "difference"),
                    QUANTITY),
}
NAMED = 20  # rows named per column; more are counted
SAFE_SUM = 2 ** 62  # half of a BigInteger: a sum past it is one growth spurt from failing


def _scaled_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, ScaledDecimal) and column.name in BOUNDS:
                yield table, column, BOUNDS[column.name]


@invariant
def stored_figures_within_bounds():
    """Stored prices, costs, amounts, quantities and percentages are within the input bounds (docs/limits.md)"""
    breaches = []
    for table, column, limit in _scaled_columns():
        scale = 10 ** column.type.places
        high, low = int(limit.high * scale), -int(limit.high * scale)
        stored = type_coerce(column, BigInteger)
        key = next(iter(table.primary_key.columns))
        outside = or_(stored > high, stored < low)
        rows = db.session.execute(select(key, stored).where(outside).order_by(key).limit(NAMED)).all()
        if not rows:
            continue
        count = db.session.scalar(select(func.count()).select_from(table).where(outside))
        for row_id, value in rows:
            breaches.append(f"{table.name} {row_id}: {column.name} {value / scale:,.{column.type.places}f} is beyond "
                            f"±{limit.high:,}")
        if count > len(rows):
            breaches.append(f"{table.name}: {count - len(rows)} more rows with {column.name} beyond ±{limit.high:,}")
    return breaches


def _sums():
    """(what, query of (group, float sum of the stored integers)) for every sum a report makes in the database."""

    def total(column, group):
        stored = cast(type_coerce(column, BigInteger), Float)
        return select(group, func.sum(func.abs(stored))).group_by(group)

    def product(a, b, group):  # a x b per row, as the stock reports multiply quantity by cost
        row = cast(type_coerce(a, BigInteger), Float) * cast(type_coerce(b, BigInteger), Float)
        return select(group, func.sum(func.abs(row))).group_by(group)

    return [
        ("sales invoices of customer", total(SalesInvoice.total, SalesInvoice.customer_id)),
        ("purchase invoices of supplier", total(PurchaseInvoice.total, PurchaseInvoice.supplier_id)),
        ("payments of customer", total(Payment.amount, Payment.customer_id)),
        ("payments to supplier", total(Payment.amount, Payment.supplier_id)),
        ("sales revenue of product", total(SalesFact.revenue, SalesFact.product_id)),
        ("sales revenue of customer", total(SalesFact.revenue, SalesFact.customer_id)),
        ("stock moves (quantity) of product", total(StockMove.qty, StockMove.product_id)),
        ("stock moves (value, 10**-7) of product", product(StockMove.qty, StockMove.unit_cost, StockMove.product_id)),
        ("ledger totals (value, 10**-7) of product", total(StockMoveTotal.value, StockMoveTotal.product_id)),
        ("stock value (10**-7) of product", product(StockLevel.on_hand, Product.avg_cost, StockLevel.product_id)
         .join(Product, Product.id == StockLevel.product_id)),
    ]


@invariant
def report_sums_fit():
    """Every sum a report makes stays below 2**62 scaled units (half the 64-bit range)"""
    breaches = []
    for what, query in _sums():
        rows = db.session.execute(query).all()
        breaches += [f"{what} {group}: {summed:.3g} scaled units, past 2**62" for group, summed in rows
                     if summed is not None and summed >= SAFE_SUM]
        if what.startswith("stock value") and sum(summed or 0 for _group, summed in rows) >= SAFE_SUM:
            breaches.append("stock value of all products (the dashboard's sum) is past 2**62 scaled units")
    return breaches


@invariant
def codes_are_normalised():
    """SKUs and barcodes are stored NFKC without zero-width characters, so look-ups and duplicates compare equal"""
    breaches = []
    for what, model, column in (("product", Product, Product.sku), ("barcode", Barcode, Barcode.code)):
        for row_id, code in db.session.execute(select(model.id, column)).yield_per(5000):
            if code != normalise_code(code):
                breaches.append(f"{what} {row_id}: {code!r} is stored as typed, not as {normalise_code(code)!r}")
    return breaches[:NAMED * 2]
