"""Read queries for the stock screens: stock by warehouse, the ledger with its running balance, the badge.

Quantities and costs are stored as scaled integers (app/db_types.py), so sums, comparisons and the
running balance are done by the database on exact integers; a value (on hand x average cost) is an
integer in units of 10**-7 and is read back through a ScaledDecimal(7).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, null, or_, select, type_coerce
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.catalog.models import Product
from app.catalog.services import lookup, search
from app.db_types import Quantity, ScaledDecimal
from app.extensions import db
from app.inventory.models import (
    MoveKind,
    StockAdjustment,
    StockAdjustmentLine,
    StockLevel,
    StockMove,
    StockTransfer,
    StockTransferLine,
    Warehouse,
)
from app.limits import normalise_code
from app.paging import Page, read_page
from app.sales import scope
from app.settings.services import business_zone

VALUE = ScaledDecimal(7)  # quantity (3 places) x unit cost (4 places)


def _totals():
    """On hand and reserved per product across every warehouse."""
    return (select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("on_hand"),
                   func.sum(StockLevel.reserved).label("reserved"))
            .group_by(StockLevel.product_id).subquery("totals"))


def low_stock_count() -> int:
    """Active products whose on hand across all warehouses is below their minimum (the nav badge)."""
    totals = _totals()
    total = func.coalesce(totals.c.on_hand, 0)
    return db.session.scalar(select(func.count()).select_from(Product)
                             .outerjoin(totals, totals.c.product_id == Product.id)
                             .where(Product.active, total < Product.min_stock))


# ---- stock by warehouse -------------------------------------------------------------------------

@dataclass(frozen=True)
class StockFilter:
    warehouse_id: int | None = None
    text: str = ""
    flag: str = ""  # "low" or "over"


def _stock_query(filters: StockFilter, levels: bool, value: bool, flag: bool = True):
    """Per product: on hand, reserved and available (in one warehouse or all), low/over flags, value.

    Low and over stock compare the total across warehouses with the product's min/max.
    `levels=False` leaves out on hand and reserved (sales see available only); `value=False` leaves
    out the value (roles that may not see costs never get it from the database).
    """
    totals = _totals()
    total = func.coalesce(totals.c.on_hand, 0)
    query = select(Product.id, Product.sku, Product.name, Product.spec, Product.unit, Product.active,
                   Product.min_stock, Product.max_stock).outerjoin(totals, totals.c.product_id == Product.id)
    if filters.warehouse_id:
        query = query.outerjoin(StockLevel, and_(StockLevel.product_id == Product.id,
                                                 StockLevel.warehouse_id == filters.warehouse_id))
        on_hand, reserved = func.coalesce(StockLevel.on_hand, 0), func.coalesce(StockLevel.reserved, 0)
    else:
        on_hand, reserved = total, func.coalesce(totals.c.reserved, 0)
    low = total < Product.min_stock
    over = and_(Product.max_stock > 0, total > Product.max_stock)
    columns = [type_coerce(on_hand - reserved, Quantity()).label("available"), low.label("low"), over.label("over")]
    if levels:
        columns += [type_coerce(on_hand, Quantity()).label("on_hand"), type_coerce(reserved, Quantity()).label("reserved")]
    if value:
        columns.append(type_coerce(on_hand * Product.avg_cost, VALUE).label("value"))
    query = search(query.add_columns(*columns).where(or_(Product.active, on_hand != 0)), filters.text)
    if flag and filters.flag == "low":
        query = query.where(low)
    elif flag and filters.flag == "over":
        query = query.where(over)
    return query


def stock_page(filters: StockFilter, page: int, per_page: int, levels: bool, value: bool) -> Page:
    """One page of the stock list, by SKU."""
    return read_page(_stock_query(filters, levels, value).order_by(Product.sku, Product.id), page, per_page)


def stock_summary(filters: StockFilter, value: bool) -> dict:
    """Counts for the filter chips (products, low, over) and the total value, ignoring the low/over filter."""
    rows = _stock_query(filters, levels=False, value=value, flag=False).subquery()
    columns = [func.count().label("products"), func.coalesce(func.sum(case((rows.c.low, 1), else_=0)), 0).label("low"),
               func.coalesce(func.sum(case((rows.c.over, 1), else_=0)), 0).label("over")]
    if value:
        columns.append(type_coerce(func.coalesce(func.sum(rows.c.value), 0), VALUE).label("value"))
    return dict(db.session.execute(select(*columns)).one()._mapping)


def stock_by_warehouse(product_ids: list[int]) -> dict[int, list]:
    """For each product, its non-empty stock levels with the warehouse's code and name (one query)."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(StockLevel.product_id, Warehouse.code, Warehouse.name, StockLevel.on_hand, StockLevel.reserved)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(StockLevel.product_id.in_(product_ids), or_(StockLevel.on_hand != 0, StockLevel.reserved != 0))
        .order_by(StockLevel.product_id, Warehouse.code))
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.product_id, []).append(row)
    return found


# ---- the ledger -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFilter:
    warehouse_id: int | None = None
    kind: str = ""
    number: str = ""
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=business_zone())


def _documents_shown(user):
    """The data scope's condition on moves (app/sales/scope.py), imported late: the sales package imports this one."""
    return scope.move_documents(user)


def move_columns(user) -> list:
    """A move's columns as `user` may see them, for every screen, export and API that lists moves.

    Outside the user's data scope (app/sales/scope.py: a salesperson's colleagues' documents) a move keeps its
    product, warehouse, quantity, kind and time, but its document (number and id, so no link) and its poster
    read as empty. Masking in the query, not the template, keeps filters by number or user from finding them.
    """
    shown = _documents_shown(user)

    def masked(column, hidden):
        return column if shown is None else case((shown, column), else_=hidden).label(column.key)
    return [StockMove.id, StockMove.product_id, StockMove.warehouse_id, StockMove.created_at, StockMove.kind,
            StockMove.qty, StockMove.source_type, masked(StockMove.source_id, null()),
            masked(StockMove.source_number, literal("")), masked(StockMove.user_id, null())]


def ledger_page(user, product_id: int, filters: LedgerFilter, page: int, per_page: int, cost: bool) -> Page:
    """A product's moves, newest first, each with the balance after it, as `user` may see them (move_columns).

    The balance is a running sum over all of the product's moves (in the chosen warehouse, or in
    all), computed before the other filters apply, so it is the real stock after each move on every
    page and under every filter. `cost=False` leaves out unit costs.
    """
    where = [StockMove.product_id == product_id]
    if filters.warehouse_id:
        where.append(StockMove.warehouse_id == filters.warehouse_id)
    columns = [*move_columns(user), func.sum(StockMove.qty).over(order_by=StockMove.id).label("balance")]
    if cost:
        columns.append(StockMove.unit_cost)
    moves = select(*columns).where(*where).subquery("moves")
    query = (select(moves, Warehouse.code.label("warehouse_code"), Warehouse.name.label("warehouse_name"),
                    User.display_name.label("user_name"))
             .join(Warehouse, Warehouse.id == moves.c.warehouse_id)
             .outerjoin(User, User.id == moves.c.user_id)
             .order_by(moves.c.id.desc()))
    if filters.kind in set(MoveKind):
        query = query.where(moves.c.kind == MoveKind(filters.kind))
    if filters.number:
        query = query.where(moves.c.source_number.icontains(filters.number.strip(), autoescape=True))
    if filters.user_id:
        query = query.where(moves.c.user_id == filters.user_id)
    if filters.date_from:
        query = query.where(moves.c.created_at >= _local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(moves.c.created_at < _local_midnight(filters.date_to + timedelta(days=1)))
    return read_page(query, page, per_page)


def ledger_users(user, product_id: int) -> list:
    """The people who moved this product, for the ledger's user filter: only those `user` may see (move_columns)."""
    movers = select(StockMove.user_id).where(StockMove.product_id == product_id)
    if (shown := _documents_shown(user)) is not None:
        movers = movers.where(shown)
    return db.session.execute(select(User.id, User.display_name, User.username)
                              .where(User.id.in_(movers)).order_by(User.username)).all()


def moves_query(user, product_id: int | None = None, warehouse_id: int | None = None):
    """The moves (of a product, in a warehouse, when given) as `user` may see them (move_columns), with the poster's
    username and the unit cost, newest first."""
    moves = select(*move_columns(user), StockMove.unit_cost)
    if product_id is not None:
        moves = moves.where(StockMove.product_id == product_id)
    if warehouse_id is not None:
        moves = moves.where(StockMove.warehouse_id == warehouse_id)
    moves = moves.subquery("moves")
    return (select(moves, User.username.label("username")).outerjoin(User, User.id == moves.c.user_id)
            .order_by(moves.c.id.desc()))


# ---- documents ------------------------------------------------------------------------------------

def adjustments_page(page: int, per_page: int) -> Page:
    """Adjustments newest first, with their warehouse, author and number of lines."""
    lines = (select(func.count()).where(StockAdjustmentLine.adjustment_id == StockAdjustment.id)
             .correlate(StockAdjustment).scalar_subquery())
    query = (select(StockAdjustment, lines.label("line_count"))
             .options(joinedload(StockAdjustment.warehouse), joinedload(StockAdjustment.user))
             .order_by(StockAdjustment.id.desc()))
    return read_page(query, page, per_page)


def transfers_page(page: int, per_page: int) -> Page:
    """Transfers newest first, with both warehouses, author and number of lines."""
    lines = (select(func.count()).where(StockTransferLine.transfer_id == StockTransfer.id)
             .correlate(StockTransfer).scalar_subquery())
    query = (select(StockTransfer, lines.label("line_count"))
             .options(joinedload(StockTransfer.from_warehouse), joinedload(StockTransfer.to_warehouse),
                      joinedload(StockTransfer.user))
             .order_by(StockTransfer.id.desc()))
    return read_page(query, page, per_page)


def adjustment(adjustment_id: int) -> StockAdjustment | None:
    return db.session.scalar(select(StockAdjustment).where(StockAdjustment.id == adjustment_id).options(
        joinedload(StockAdjustment.warehouse), joinedload(StockAdjustment.user)))


def transfer(transfer_id: int) -> StockTransfer | None:
    return db.session.scalar(select(StockTransfer).where(StockTransfer.id == transfer_id).options(
        joinedload(StockTransfer.from_warehouse), joinedload(StockTransfer.to_warehouse),
        joinedload(StockTransfer.user)))


def adjustment_lines(adjustment_id: int, cost: bool) -> list:
    """An adjustment's lines with their product's name and unit; unit costs only when `cost`."""
    columns = [StockAdjustmentLine.id, StockAdjustmentLine.qty, *BRIEF]
    if cost:
        columns.append(StockAdjustmentLine.unit_cost)
    return db.session.execute(select(*columns).join(Product, Product.id == StockAdjustmentLine.product_id)
                              .where(StockAdjustmentLine.adjustment_id == adjustment_id)
                              .order_by(StockAdjustmentLine.id)).all()


def transfer_lines(transfer_id: int) -> list:
    """A transfer's lines with their product's name and unit."""
    return db.session.execute(select(StockTransferLine.id, StockTransferLine.qty, *BRIEF)
                              .join(Product, Product.id == StockTransferLine.product_id)
                              .where(StockTransferLine.transfer_id == transfer_id)
                              .order_by(StockTransferLine.id)).all()


# ---- products for document lines ----------------------------------------------------------------
# Screens get these few columns, never a Product with its prices and costs.
BRIEF = (Product.id.label("product_id"), Product.sku, Product.name, Product.spec, Product.unit)


def product_brief(product_id: int):
    """A product's name, SKU, spec and unit (no prices), or None."""
    return db.session.execute(select(*BRIEF).where(Product.id == product_id)).first()


def products_by_id(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {row.product_id: row for row in db.session.execute(select(*BRIEF).where(Product.id.in_(ids)))}


def product_options(text: str, limit: int = 8) -> list[tuple]:
    """Active products matching what was typed, each with the base units one pick counts: an exact
    barcode (a pack's counts its units) or SKU alone, else search matches."""
    text = (text or "").strip()
    if not text:
        return []
    exact = find_exact(text)
    if exact is not None:
        return [(product_brief(exact[0].id), exact[1])]
    return [(row, Decimal("1")) for row in db.session.execute(
        search(select(*BRIEF).where(Product.active), text).order_by(Product.sku).limit(limit))]


def find_exact(text: str) -> tuple[Product, Decimal] | None:
    """The product a scanned barcode or typed SKU names, and how many base units one of it counts."""
    text = (text or "").strip()
    if not text:
        return None
    barcode = lookup(text)
    if barcode is not None:
        return barcode.product, barcode.quantity
    product = db.session.scalar(select(Product).where(func.lower(Product.sku) == normalise_code(text).lower()))
    return (product, Decimal("1")) if product is not None else None


def resolve_product(text: str) -> tuple[list[int], Decimal]:
    """What a line's product text names: one product id (by barcode, SKU or a unique search match), or the candidates."""
    exact = find_exact(text)
    if exact is not None:
        return [exact[0].id], exact[1]
    return list(db.session.scalars(search(select(Product.id).where(Product.active), text).limit(2))), Decimal("1")


def active_warehouses() -> list[Warehouse]:
    return list(db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.code)))
