"""Opening invariants for `flask check`: opening stock equals its ledger moves; opening balances are bare invoices."""
from decimal import Decimal

from sqlalchemy import func, select

from app.checks import invariant
from app.extensions import db
from app.inventory.models import MoveKind, StockMove
from app.opening.models import SOURCE, OpeningStock, OpeningStockLine
from app.purchasing.models import PurchaseInvoice, PurchaseInvoiceLine
from app.sales.models import SalesInvoice, SalesInvoiceLine


@invariant
def opening_stock_matches_its_moves():
    """Each opening-stock line equals its document's opening moves (quantity and value); a deleted one nets to zero"""
    moves: dict[tuple, tuple[Decimal, Decimal]] = {}
    for source_id, product_id, warehouse_id, qty, cost in db.session.execute(
            select(StockMove.source_id, StockMove.product_id, StockMove.warehouse_id, StockMove.qty,
                   StockMove.unit_cost).where(StockMove.source_type == SOURCE, StockMove.source_id.is_not(None))):
        qty_sum, value_sum = moves.get((source_id, product_id, warehouse_id), (Decimal("0"), Decimal("0")))
        moves[(source_id, product_id, warehouse_id)] = (qty_sum + qty, value_sum + qty * cost)
    breaches = []
    wrong_kind = db.session.scalar(select(func.count()).select_from(StockMove).where(
        StockMove.source_type == SOURCE, StockMove.kind != MoveKind.OPENING))
    if wrong_kind:
        breaches.append(f"{wrong_kind} moves of opening stock are not of the opening kind")
    rows = db.session.execute(select(OpeningStock.id, OpeningStock.number, OpeningStock.warehouse_id,
                                     OpeningStockLine.product_id, OpeningStockLine.qty, OpeningStockLine.unit_cost)
                              .join(OpeningStockLine, OpeningStockLine.opening_id == OpeningStock.id))
    for doc_id, number, warehouse_id, product_id, qty, cost in rows:
        found = moves.pop((doc_id, product_id, warehouse_id), (Decimal("0"), Decimal("0")))
        if found != (qty, qty * cost):
            breaches.append(f"{number} product {product_id}: moves {found[0]} / {found[1]}, line {qty} @ {cost}")
    for (doc_id, product_id, warehouse_id), (qty, _value) in moves.items():
        if qty != 0:
            breaches.append(f"opening stock {doc_id} product {product_id} warehouse {warehouse_id}: "
                            f"moves of {qty} without a line")
    return breaches


@invariant
def opening_balances_are_bare_invoices():
    """Opening receivables and payables have no order and no lines; every other invoice has an order"""
    breaches = []
    for model, lines in ((SalesInvoice, SalesInvoiceLine), (PurchaseInvoice, PurchaseInvoiceLine)):
        odd = db.session.scalars(select(model.number).where(
            (model.opening.is_(True) & model.order_id.is_not(None)) |
            (model.opening.is_(False) & model.order_id.is_(None)))).all()
        breaches += [f"invoice {number}: opening flag and order disagree" for number in odd]
        with_lines = db.session.scalars(select(model.number).join(lines, lines.invoice_id == model.id)
                                        .where(model.opening.is_(True)).distinct()).all()
        breaches += [f"opening balance {number} has lines" for number in with_lines]
        bad_total = db.session.scalars(select(model.number).where(
            model.opening.is_(True), (model.tax != 0) | (model.subtotal != model.total))).all()
        breaches += [f"opening balance {number}: subtotal, tax and total disagree" for number in bad_total]
    return breaches
