"""What the sales and purchasing APIs share, declared once: the shapes of their documents (each side names its fields
and its role view) and how a body's lines are added.

Sales amounts are sale prices (`visible=sees_sale_price`: never for warehouse staff); purchase amounts are costs
(`visible=sees_cost`). The unit cost goods moved at is a cost on both sides.
"""
from contextlib import contextmanager

from app.api.schema import (Boolean, Choice, Date, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String,
                            updated)
from app.auth.roles import sees_cost
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.limits import QUANTITY
from app.trade import drafts
from app.trade.settlement import InvoiceStatus

CREDITED = "Of qty, how much had been billed and is credited"


@contextmanager
def lines_named():
    """A body's lines are written in one pass (app.trade.drafts.add_lines); a refused line's error names it:
    lines.N.field. Refusals about the whole order pass as they are."""
    try:
        yield
    except BusinessRuleError as error:
        if (index := drafts.refused_line(error)) is None:
            raise
        raise BusinessRuleError(error.message, f"lines.{index}" + (f".{error.field}" if error.field else ""),
                                error.problem) from error


def qty_lines(name: str) -> ListOf:
    """A body's lines of a delivery, receipt or return: which order line, how much."""
    return ListOf(Nested(Schema(name, {"line_id": Integer(required=True),
                                       "qty": DecimalString(3, QUANTITY, required=True)})), min_items=1, required=True)


def money(visible, note: str, total_note: str = "") -> dict:
    """A document's subtotal, tax and total, for the roles `visible` lets see them."""
    return {"subtotal": DecimalString(2, description=note, visible=visible),
            "tax": DecimalString(2, description=note, visible=visible),
            "total": DecimalString(2, description=total_note + note, visible=visible)}


def priced_line(name: str, quantities: tuple, visible, note: str, discount: bool = False) -> Schema:
    """An order line: what was ordered and how much of it went each way, its price and amount for the roles
    `visible` lets see them."""
    return Schema(name, {
        "id": Integer(), "product_id": Integer(), "qty": DecimalString(3),
        **{quantity: DecimalString(3) for quantity in quantities},
        "unit_price": DecimalString(2, description="Before tax. " + note, visible=visible),
        **({"discount_pct": DecimalString(2, description=note, visible=visible)} if discount else {}),
        "tax_rate": DecimalString(2, description="Percent"),
        "amount": DecimalString(2, description=("Net of discount, before tax. " if discount else "Before tax. ") + note,
                                visible=visible)})


def order(name: str, parties: dict, statuses, line: Schema, visible, note: str, dates: dict | None = None) -> Schema:
    """An order's head (`parties`: who it is with), its lines, and its money for the roles `visible` lets see it."""
    return Schema(name, {
        "id": Integer(), "number": String(), **parties, "warehouse_id": Integer(), "status": Choice(statuses),
        **(dates or {}), "lines": ListOf(Nested(line)), **money(visible, note), "created_at": DateTime(),
        "updated_at": updated()})


def moved(name: str, order_field: str, cost_note: str) -> Schema:
    """A delivery or a goods receipt: quantities moved against an order's lines, and the unit cost they moved at."""
    return Schema(name, {
        "id": Integer(), "number": String(), order_field: Integer(source="order_id"), "warehouse_id": Integer(),
        "lines": ListOf(Nested(Schema(name + "Line", {
            "id": Integer(), "line_id": Integer(source="order_line_id"), "product_id": Integer(),
            "qty": DecimalString(3), "unit_cost": DecimalString(4, description=cost_note, visible=sees_cost)}))),
        "created_at": DateTime(), "updated_at": updated("created_at")})


def returned(name: str, order_field: str, partner_field: str, visible, note: str, cost_note: str,
             total_note: str) -> Schema:
    """Goods sent back against an order: moved at their unit cost, and credited as far as they had been invoiced."""
    return Schema(name, {
        "id": Integer(), "number": String(), order_field: Integer(source="order_id"), partner_field: Integer(),
        "warehouse_id": Integer(), "reason": String(), **money(visible, note, total_note),
        "lines": ListOf(Nested(Schema(name + "Line", {
            "id": Integer(), "line_id": Integer(source="order_line_id"), "product_id": Integer(),
            "qty": DecimalString(3), "credited_qty": DecimalString(3, description=CREDITED),
            "amount": DecimalString(2, description=note, visible=visible),
            "tax": DecimalString(2, description=note, visible=visible),
            "unit_cost": DecimalString(4, description=cost_note, visible=sees_cost)}))),
        "created_at": DateTime(), "updated_at": updated()})


def invoice(name: str, order_field: str, partner_field: str, words: dict, head: dict | None = None,
            discount: bool = False) -> Schema:
    """An invoice, ours to a customer or a supplier's to us: what it bills, and what is still open. Everyone who may
    read an invoice sees its money. `words` describe the side's fields: opening, paid, credited, line."""
    return Schema(name, {
        "id": Integer(), "number": String(), **(head or {}),
        order_field: Integer(nullable=True, description=words["opening"], source="order_id"),
        partner_field: Integer(), "issued_on": Date(), "due_on": Date(), "subtotal": DecimalString(2),
        "tax": DecimalString(2), "total": DecimalString(2), "paid": DecimalString(2, description=words["paid"]),
        "credited": DecimalString(2, description=words["credited"]),
        "open_amount": DecimalString(2, description="total - paid - credited"), "status": Choice(InvoiceStatus),
        "overdue": Boolean(description="Something is open and the due date has passed",
                           source=lambda document: document.overdue(business_today())),
        "lines": ListOf(Nested(Schema(name + "Line", {
            "id": Integer(), "line_id": Integer(description=words["line"], source="order_line_id"),
            "product_id": Integer(), "qty": DecimalString(3), "unit_price": DecimalString(2),
            **({"discount_pct": DecimalString(2)} if discount else {}), "tax_rate": DecimalString(2),
            "amount": DecimalString(2, description="Net of discount, before tax" if discount else "Before tax"),
            "tax": DecimalString(2)}))),
        "created_at": DateTime(), "updated_at": updated()})
