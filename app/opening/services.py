"""Opening stock and opening balances: entered once, before the first real document, then locked.

Opening stock posts through the ledger (post_moves, MoveKind.OPENING, at its unit cost), so on-hand, valuation and
the moving average start right; changing or deleting it posts reversing moves, never edits the ledger. Opening
receivables and payables are sales and purchase invoices marked `opening`, so the customer's and supplier's balance,
the statement, aging and receipts treat them as any invoice. Services never commit.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.books import posting
from app.audit import services as audit
from app.catalog.models import Product
from app.db_types import business_today
from app.errors import BusinessRuleError, Duplicate, InvalidState
from app.extensions import db
from app.finance.models import Payment
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind, StockAdjustment, StockMove, StockTransfer, Warehouse
from app.limits import AMOUNT, COST, FIRST_DAY, LAST_DAY, QUANTITY, clean_text, parse_number
from app.numbering import next_number
from app.opening.models import SOURCE, OpeningStock, OpeningStockLine
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseInvoice, PurchaseOrder
from app.sales.models import SalesInvoice, SalesOrder
from app.stocktake.models import Stocktake

ZERO = Decimal("0")
RECEIVABLE, PAYABLE = "receivable", "payable"
SIDES = (RECEIVABLE, PAYABLE)
PREFIX = {RECEIVABLE: "OBR", PAYABLE: "OBP"}
STOCK_PREFIX = "OPN"  # as the product import's opening postings


# The lock --------------------------------------------------------------------------------------------------

def real_document() -> str | None:
    """The number of a document that is not an opening one (the first found), or None while there is none.

    Any sales or purchase order, non-opening invoice, receipt or payment, stock adjustment, transfer, stocktake or
    stock move other than opening stock counts: once one exists, the opening figures are what it was built on.
    """
    candidates = (
        select(SalesOrder.number).order_by(SalesOrder.id),
        select(PurchaseOrder.number).order_by(PurchaseOrder.id),
        select(SalesInvoice.number).where(SalesInvoice.opening.is_(False)).order_by(SalesInvoice.id),
        select(PurchaseInvoice.number).where(PurchaseInvoice.opening.is_(False)).order_by(PurchaseInvoice.id),
        select(Payment.number).order_by(Payment.id),
        select(StockAdjustment.number).order_by(StockAdjustment.id),
        select(StockTransfer.number).order_by(StockTransfer.id),
        select(Stocktake.number).order_by(Stocktake.id),
        select(StockMove.source_number).where(StockMove.kind != MoveKind.OPENING).order_by(StockMove.id),
    )
    for query in candidates:
        number = db.session.scalar(query.limit(1))
        if number is not None:
            return number or "?"
    return None


def locked() -> bool:
    return real_document() is not None


def check_open() -> None:
    """Refuse any change to opening figures once a real document exists."""
    number = real_document()
    if number is not None:
        raise InvalidState(_("Opening stock and balances are locked: real documents exist (%(number)s and perhaps "
                             "more). Correct stock with an adjustment and balances with receipts or payments.",
                             number=number))


# What has been entered --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entered:
    stock_documents: int
    stock_lines: int
    stock_value: Decimal
    receivables: int
    receivables_total: Decimal
    payables: int
    payables_total: Decimal

    @property
    def stock(self) -> bool:
        return self.stock_lines > 0

    @property
    def balances(self) -> bool:
        return self.receivables + self.payables > 0

    @property
    def anything(self) -> bool:
        return self.stock or self.balances


def opening_entered() -> Entered:
    """How much opening stock and how many opening balances exist (the go-live checklist ticks from this)."""
    docs, lines = db.session.execute(select(func.count(func.distinct(OpeningStockLine.opening_id)),
                                            func.count(OpeningStockLine.id))).one()
    value = sum((line.value for line in db.session.scalars(select(OpeningStockLine))), ZERO) if lines else ZERO
    receivables, receivables_total = _count(SalesInvoice)
    payables, payables_total = _count(PurchaseInvoice)
    return Entered(docs, lines, value, receivables, receivables_total, payables, payables_total)


def _count(model) -> tuple[int, Decimal]:
    count, total = db.session.execute(select(func.count(model.id), func.sum(model.total)).where(
        model.opening.is_(True))).one()
    return count, total or ZERO


# Opening stock ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StockLineInput:
    product_id: int
    qty: object  # 0 removes the line
    unit_cost: object


def opening_stocks() -> list[OpeningStock]:
    return db.session.scalars(select(OpeningStock).join(OpeningStock.warehouse).order_by(Warehouse.code)).all()


def opening_stock_of(warehouse: Warehouse) -> OpeningStock | None:
    return db.session.scalar(select(OpeningStock).where(OpeningStock.warehouse_id == warehouse.id))


def _opened_on(value, default: date) -> date:
    if value in (None, ""):
        return default
    if not isinstance(value, date):
        raise BusinessRuleError(_("Enter a date."), "opened_on")
    return value


def set_opening_stock(actor, warehouse: Warehouse, lines: list[StockLineInput], opened_on=None,
                      notes: str | None = None) -> OpeningStock:
    """Enter or change a warehouse's opening stock, line by product: a new product adds a line, a known one changes
    it (its old moves reversed, the new quantity posted at the new cost), a quantity of 0 removes it. Lines not
    named stay as they are. All or nothing; refused once real documents exist."""
    check_open()
    if warehouse is None or not warehouse.active:
        raise BusinessRuleError(_("Choose a warehouse."), "warehouse_id")
    document = opening_stock_of(warehouse)
    day = _opened_on(opened_on, document.opened_on if document is not None else business_today())
    posting.check_dates(SOURCE, document, day)  # a closed month refuses before anything is written
    if document is None:
        document = OpeningStock(number=next_number(STOCK_PREFIX), warehouse=warehouse, user_id=getattr(actor, "id", None),
                                opened_on=day, notes="")
        db.session.add(document)
        action = "opening_stock.create"
    else:
        action = "opening_stock.update"
        document.opened_on = day
    if notes is not None:
        document.notes = clean_text(notes).strip()[:200]
    existing = {line.product_id: line for line in document.lines}
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_([g.product_id for g in lines]))))
    moves, changes, seen = [], {}, set()
    for given in lines:
        if given.product_id in seen:
            raise BusinessRuleError(_("Each product may appear once per warehouse."), "lines")
        seen.add(given.product_id)
        if given.product_id not in known:
            raise BusinessRuleError(_("Unknown product."), "product_id")
        qty = parse_number(given.qty, QUANTITY, "qty")
        if qty < 0:
            raise BusinessRuleError(_("Enter a quantity of zero or more."), "qty")
        cost = parse_number(given.unit_cost if given.unit_cost not in (None, "") else 0, COST, "unit_cost")
        if cost < 0:
            raise BusinessRuleError(_("Enter a unit cost of zero or more."), "unit_cost")
        line = existing.get(given.product_id)
        if line is not None and line.qty == qty and line.unit_cost == cost:
            continue
        if line is not None:
            moves.append((line.product_id, -line.qty, line.unit_cost, line.id))
            changes[str(given.product_id)] = (f"{line.qty} @ {line.unit_cost}", f"{qty} @ {cost}" if qty else None)
            if qty:
                line.qty, line.unit_cost = qty, cost
            else:
                document.lines.remove(line)
        elif qty:
            line = OpeningStockLine(product_id=given.product_id, qty=qty, unit_cost=cost)
            document.lines.append(line)
            changes[str(given.product_id)] = (None, f"{qty} @ {cost}")
        if qty:
            moves.append((given.product_id, qty, cost, line))
    db.session.flush()  # ids for the document and its new lines
    if moves:
        post_moves(actor, Source(SOURCE, document.id, document.number), [
            Move(product_id, warehouse.id, qty, MoveKind.OPENING, unit_cost=cost,
                 line_id=line if isinstance(line, int) else line.id) for product_id, qty, cost, line in moves])
    audit.record(actor, action, document, changes)
    posting.restate(actor, SOURCE, document)
    return document


def delete_opening_stock(actor, document: OpeningStock) -> None:
    """Take a warehouse's opening stock back out: its lines' moves reversed through the ledger, the document gone."""
    check_open()
    posting.check_dates(SOURCE, document, None)
    moves = [Move(line.product_id, document.warehouse_id, -line.qty, MoveKind.OPENING, unit_cost=line.unit_cost,
                  line_id=line.id) for line in document.lines]
    if moves:
        post_moves(actor, Source(SOURCE, document.id, document.number), moves)
    audit.record(actor, "opening_stock.delete", document, {"lines": (len(moves), None)})
    posting.withdraw(SOURCE, document)
    db.session.delete(document)


# Opening receivables and payables -----------------------------------------------------------------------------

def _model(side: str):
    return SalesInvoice if side == RECEIVABLE else PurchaseInvoice


def _partner_fk(side: str):
    return SalesInvoice.customer_id if side == RECEIVABLE else PurchaseInvoice.supplier_id


def _reference(side: str):
    return SalesInvoice.reference if side == RECEIVABLE else PurchaseInvoice.supplier_reference


def side_of(invoice) -> str:
    return RECEIVABLE if isinstance(invoice, SalesInvoice) else PAYABLE


def partner_of(invoice):
    return invoice.customer if isinstance(invoice, SalesInvoice) else invoice.supplier


def reference_of(invoice) -> str:
    return invoice.reference if isinstance(invoice, SalesInvoice) else invoice.supplier_reference


def opening_items(side: str) -> list:
    model = _model(side)
    partner = Customer if side == RECEIVABLE else Supplier
    return db.session.scalars(select(model).join(partner, partner.id == _partner_fk(side))
                              .where(model.opening.is_(True)).order_by(partner.name, model.due_on, model.id)).all()


def opening_item(side: str, item_id) -> "SalesInvoice | PurchaseInvoice | None":
    if not isinstance(item_id, int):
        return None
    item = db.session.get(_model(side), item_id)
    return item if item is not None and item.opening else None


def find_opening_item(side: str, partner_id: int, reference: str):
    """The opening item of this partner with this document number (the import's key), or None."""
    model = _model(side)
    return db.session.scalar(select(model).where(model.opening.is_(True), _partner_fk(side) == partner_id,
                                                 func.lower(_reference(side)) == reference.strip().lower()))


def _clean_item(side: str, partner, values: dict, item=None) -> dict:
    if partner is None or not partner.active:
        raise BusinessRuleError(_("Choose a customer.") if side == RECEIVABLE else _("Choose a supplier."), "partner_id")
    reference = clean_text(values.get("reference") or "").strip()
    if not reference:
        raise BusinessRuleError(_("Enter the document number from your old books."), "reference")
    if len(reference) > 50:
        raise BusinessRuleError(_("At most %(n)s characters.", n=50), "reference")
    twin = find_opening_item(side, partner.id, reference)
    if twin is not None and twin is not item:
        raise Duplicate(_("%(partner)s already has an opening balance numbered %(number)s.", partner=partner.name,
                          number=reference), "reference")
    issued_on = values.get("issued_on")
    if not isinstance(issued_on, date):
        raise BusinessRuleError(_("Enter the document date."), "issued_on")
    if issued_on > business_today():
        raise BusinessRuleError(_("An opening balance cannot be dated in the future."), "issued_on")
    if issued_on < FIRST_DAY:
        raise BusinessRuleError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                  last=LAST_DAY.isoformat()), "issued_on")
    due_on = values.get("due_on")
    if due_on in (None, ""):
        due_on = issued_on + timedelta(days=partner.payment_terms_days)
    if not isinstance(due_on, date):
        raise BusinessRuleError(_("Enter the due date."), "due_on")
    if due_on > LAST_DAY:
        raise BusinessRuleError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                  last=LAST_DAY.isoformat()), "due_on")
    if due_on < issued_on:
        raise BusinessRuleError(_("The due date cannot be before the document date."), "due_on")
    amount = parse_number(values.get("amount"), AMOUNT, "amount")
    if amount <= 0:
        raise BusinessRuleError(_("Enter an amount above zero."), "amount")
    notes = clean_text(values.get("notes") or "").strip()
    if len(notes) > 200:
        raise BusinessRuleError(_("At most %(n)s characters.", n=200), "notes")
    return {"reference": reference, "issued_on": issued_on, "due_on": due_on, "amount": amount, "notes": notes}


def _fill(item, side: str, clean: dict) -> dict:
    values = {"issued_on": clean["issued_on"], "due_on": clean["due_on"], "subtotal": clean["amount"],
              "tax": ZERO, "total": clean["amount"], "notes": clean["notes"],
              ("reference" if side == RECEIVABLE else "supplier_reference"): clean["reference"]}
    return audit.apply_changes(item, values)


def create_opening_item(actor, side: str, partner, values: dict):
    """An opening receivable (a customer owed us this before JXC) or payable (we owed a supplier): an open item
    with the old document's number, date and due date, settled later by receipts or payments like an invoice."""
    check_open()
    clean = _clean_item(side, partner, values)
    posting.check_dates(f"opening_{side}", None, clean["issued_on"])
    model = _model(side)
    item = model(number=next_number(PREFIX[side]), opening=True, paid=ZERO, credited=ZERO,
                 user_id=getattr(actor, "id", None))
    if side == RECEIVABLE:
        item.customer = partner
    else:
        item.supplier = partner
    changes = _fill(item, side, clean)
    item.refresh_status()
    db.session.add(item)
    audit.record(actor, f"opening_{side}.create", item, changes)
    posting.restate(actor, f"opening_{side}", item)
    return item


def update_opening_item(actor, item, values: dict):
    """Change an opening balance's number, dates, amount or note (its partner stays: delete and add again)."""
    check_open()
    side = side_of(item)
    clean = _clean_item(side, partner_of(item), values, item)
    posting.check_dates(f"opening_{side}", item, clean["issued_on"])
    changes = _fill(item, side, clean)
    item.refresh_status()
    if changes:
        audit.record(actor, f"opening_{side}.update", item, changes)
        posting.restate(actor, f"opening_{side}", item)
    return item


def delete_opening_item(actor, item) -> None:
    check_open()
    side = side_of(item)
    posting.check_dates(f"opening_{side}", item, None)
    audit.record(actor, f"opening_{side}.delete", item, {"total": (item.total, None)})
    posting.withdraw(f"opening_{side}", item)
    db.session.delete(item)
