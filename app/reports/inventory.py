"""Inventory reports: stock value, 进销存汇总 (movement summary), turnover with ABC classes, slow movers and dead
stock, best sellers and stock-out risk.

Every figure is an aggregate the database computes over the stock ledger (StockMove), its month and year totals
(StockMoveTotal, app/inventory/totals.py) or the stock levels; Python merges per-product sums and turns the scaled
integers back into Decimals. Quantities are stored in thousandths and unit costs in
ten-thousandths (app/db_types.py), so qty x unit_cost is an exact integer in units of 10**-7 (VALUE).

Sales quantities come from the ledger's own sale moves (deliveries less returns), so these reports do not depend on
the sales fact table. Values are the cost each move carried when it was posted (the snapshot), so a later purchase
price never changes a past period's figures.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, and_, case, func, literal, or_, select, type_coerce

from app.catalog.models import Category, Product
from app.db_types import Quantity, ScaledDecimal, business_today, utcnow
from app.documents import collector_paused
from app.extensions import db
from app.inventory import totals
from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
from app.inventory.totals import PLUS_ZERO, SOLD, TRANSFERS
from app.reports.periods import Period
from app.sales.models import SalesDeliveryLine, SalesOrderLine, SalesReturnLine

VALUE = ScaledDecimal(7)     # quantity (3 places) x unit cost (4 places)
REVENUE = ScaledDecimal(5)   # quantity (3) x price (2) x (100 % - discount), each move rounded to 10**-5 (_REVENUE)
ZERO, TENTH, CENT = Decimal("0"), Decimal("0.1"), Decimal("0.01")
RISK_WINDOW = 30        # stock-out risk: the sales rate of the last 30 days
A_SHARE, B_SHARE = 80, 95  # ABC: A up to 80 % of the value sold, B the next 15 %, C the rest


@dataclass(frozen=True)
class Scope:
    """Which stock a report looks at: one warehouse or all, one category (and its children) or all."""
    warehouse_id: int | None = None
    category_id: int | None = None


def raw(expression):
    """A scaled column as the plain integer it is stored as, so literals in arithmetic are not scaled too."""
    return type_coerce(expression, BigInteger)


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, ROUND_HALF_UP)


def _q(value) -> Decimal:
    return value if value is not None else Decimal("0.000")


def category_ids(category_id: int | None) -> list[int] | None:
    """The category and everything below it (the tree is small: one query, walked here)."""
    if not category_id:
        return None
    children: dict[int | None, list[int]] = {}
    for cid, parent in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent, []).append(cid)
    found, todo = [], [category_id]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def _product_filter(scope: Scope, column=Product.category_id) -> list:
    ids = category_ids(scope.category_id)
    return [column.in_(ids)] if ids is not None else []


# Moves of a recent span are grouped by `product_id + 0` (see app.inventory.totals.PLUS_ZERO).
PRODUCT = PLUS_ZERO.label("product_id")


def _recent(query):
    return query.group_by(PLUS_ZERO)


def _move_filter(scope: Scope) -> list:
    """Moves in the scope's warehouse; across all warehouses, transfers are internal and cancel out, so left out."""
    if scope.warehouse_id:
        return [StockMove.warehouse_id == scope.warehouse_id]
    return [StockMove.kind.not_in(TRANSFERS)]


# ---- 1. stock value by warehouse and by category --------------------------------------------------------------

@dataclass(frozen=True)
class ValueRow:
    key: int | None
    label: str
    products: int
    on_hand: Decimal
    value: Decimal | None  # None when the caller may not see costs


def stock_value(scope: Scope, with_value: bool) -> tuple[list[ValueRow], list[ValueRow]]:
    """On hand and its value (on hand x the product's average cost) per warehouse and per category."""
    value = type_coerce(func.sum(StockLevel.on_hand * Product.avg_cost), VALUE)
    base = (select(func.count(func.distinct(StockLevel.product_id)), type_coerce(func.sum(StockLevel.on_hand), Quantity()),
                   value if with_value else literal(None))
            .join(Product, Product.id == StockLevel.product_id)
            .where(StockLevel.on_hand != 0, *_product_filter(scope)))
    if scope.warehouse_id:
        base = base.where(StockLevel.warehouse_id == scope.warehouse_id)
    by_warehouse = db.session.execute(base.add_columns(Warehouse.id, Warehouse.code, Warehouse.name)
                                      .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
                                      .group_by(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    by_category = db.session.execute(base.add_columns(Product.category_id).group_by(Product.category_id))
    paths = category_paths()
    warehouses = [ValueRow(row[3], f"{row[4]} {row[5]}", row[0], _q(row[1]), money(row[2])) for row in by_warehouse]
    categories = [ValueRow(row[3], paths.get(row[3], ""), row[0], _q(row[1]), money(row[2])) for row in by_category]
    order = (lambda r: (-(r.value or 0), r.label)) if with_value else (lambda r: (-r.on_hand, r.label))
    return warehouses, sorted(categories, key=order)


def category_paths() -> dict[int | None, str]:
    """Every category's full path by id (a few hundred at most); None for products without one."""
    categories = db.session.scalars(select(Category)).all()
    return {c.id: c.path for c in categories}


# ---- shared: per-product aggregates merged in Python ------------------------------------------------------------
#
# The movement summary, turnover and best sellers are a few grouped queries each, which the database answers from
# the ledger's month and year totals, the ledger's covering time index (a period's ragged ends) and stock levels,
# merged here per product: at most one entry per product (20,000 at bench size), never one per move. Joining the
# grouped subqueries to every product in SQL let SQLite plan them badly (seconds at a million moves), and ranking in
# SQL ran the whole query twice.

def _int(value) -> int:
    return int(value) if value is not None else 0


def _decimal(scaled: int, kind: ScaledDecimal) -> Decimal:
    """A scaled integer back to the Decimal the column type gives."""
    return Decimal(scaled).scaleb(-kind.places).quantize(kind.quantum)


QTY = Quantity()


def _products(scope: Scope, text: str = "") -> list:
    """The scope's products in the reports' order: sku (by the database's own collation), then id. Just what
    every row needs; names are read for the page shown (_names)."""
    query = (select(Product.id, raw(Product.avg_cost).label("avg_cost"), Product.active)
             .where(*_product_filter(scope)).order_by(Product.sku, Product.id))
    if text:
        query = query.where(or_(Product.sku.icontains(text, autoescape=True),
                                Product.name.icontains(text, autoescape=True)))
    return db.session.execute(query).all()


MANY = 500  # more ids than this (an export): read every row and pick, rather than a huge IN list


def _names(product_ids: list[int]) -> dict[int, dict]:
    if not product_ids:
        return {}
    query = select(Product.id, Product.sku, Product.name, Product.unit)
    if len(product_ids) <= MANY:
        query = query.where(Product.id.in_(product_ids))
    return {row.id: {"product_id": row.id, "sku": row.sku, "name": row.name, "unit": row.unit}
            for row in db.session.execute(query)}


def _levels(scope: Scope) -> dict[int, tuple[int, int]]:
    """Per product: (on hand, reserved) now as scaled integers, in the scope's warehouse or summed over all."""
    query = select(StockLevel.product_id, raw(func.sum(StockLevel.on_hand)), raw(func.sum(StockLevel.reserved)))
    if scope.warehouse_id:
        query = query.where(StockLevel.warehouse_id == scope.warehouse_id)
    return {pid: (_int(on_hand), _int(reserved))
            for pid, on_hand, reserved in db.session.execute(query.group_by(StockLevel.product_id))}


def _sums(scope: Scope, first: date | None, after: date | None, names: tuple[str, ...]) -> dict[int, list[int]]:
    """Per product with a move in the scope from the day `first` up to the day `after` (None: open): the scaled sums
    of `names` (app.inventory.totals.FIGURES), read from the ledger's month and year totals and its ragged ends."""
    return totals.sums(first, after, names, scope.warehouse_id)


def _days(period: Period) -> tuple[date, date]:
    """The period's first day and the day after its last."""
    return period.start, period.end + timedelta(days=1)


# ---- 2. 进销存汇总: opening, in, out, closing per product -------------------------------------------------------

MOVEMENT_FIELDS = ("opening_qty", "in_qty", "out_qty", "closing_qty")
MOVEMENT_VALUES = ("opening_value", "in_value", "out_value", "closing_value")


@dataclass(frozen=True)
class Movement:
    rows: list          # per product: product_id, sku, name, unit and the figures below
    totals: dict        # the same figures summed over every product, not just this page
    count: int          # products in the report
    has_next: bool


def _movement_figures(period: Period, scope: Scope, with_value: bool) -> dict[int, tuple]:
    """Per product, raw: opening, in, out and closing quantities (and, with values, the same four values).

    Opening is everything before the period and closing = opening + what moved in it, both read from the ledger's
    totals (app/inventory/totals.py), so the figures are those of the moves themselves at the costs they carried.
    """
    start, after = _days(period)
    moved = _sums(scope, start, after, ("qty", "in_qty") + (("value", "in_value") if with_value else ()))
    opening = _sums(scope, None, start, ("qty", "value") if with_value else ("qty",))
    figures = {}
    for pid in opening.keys() | moved.keys():
        net, in_qty, *values = moved.get(pid, (0, 0, 0, 0))
        opened = opening.get(pid, (0, 0))
        row = (opened[0], in_qty, in_qty - net, opened[0] + net)
        if with_value:
            worth_net, in_value = values
            row += (opened[1], in_value, in_value - worth_net, opened[1] + worth_net)
        figures[pid] = row
    return figures


def movement(period: Period, scope: Scope, with_value: bool, text: str = "", page: int = 1,
             per_page: int | None = 100) -> Movement:
    """进销存汇总表: per product the opening, in, out and closing quantities (and values at the moves' costs).

    Opening is every move before the first day, in and out the period's moves by sign, closing = opening + in - out
    (so, for a period ending today, closing is the on-hand stock). Values are each move's quantity x the unit cost
    it carried. A product with nothing before or in the period is left out. `per_page=None` gives every row
    (exports).
    """
    names = MOVEMENT_FIELDS + (MOVEMENT_VALUES if with_value else ())
    kinds = [QTY] * 4 + [VALUE] * (4 if with_value else 0)
    with collector_paused():
        figures = _movement_figures(period, scope, with_value)
        products = _products(scope, text)
    found, totals = [], [0] * len(names)
    for product in products:
        row = figures.get(product.id)
        if row is None or not (row[0] or row[1] or row[2]):
            continue
        found.append((product, row))
        totals = [t + v for t, v in zip(totals, row)]
    first = (max(page, 1) - 1) * per_page if per_page else 0
    shown = found[first:first + per_page] if per_page else found

    def figure(name, kind, value):
        value = _decimal(value, kind)
        return money(value) if kind is VALUE else value

    named = _names([p.id for p, _ in shown])
    rows = [{**named[p.id], **{name: figure(name, kind, v) for name, kind, v in zip(names, kinds, row)}}
            for p, row in shown]
    if found:
        totals = {name: figure(name, kind, v) for name, kind, v in zip(names, kinds, totals)}
    else:
        totals = {name: (money(ZERO) if kind is VALUE else ZERO) for name, kind in zip(names, kinds)}
    return Movement(rows, totals, len(found), bool(per_page) and len(found) > first + per_page)


# ---- 3. turnover and ABC --------------------------------------------------------------------------------------

def _on_hand(scope: Scope):
    """Per product: on hand and reserved now, in the scope's warehouse or all."""
    query = select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("on_hand"),
                   func.sum(StockLevel.reserved).label("reserved"))
    if scope.warehouse_id:
        query = query.where(StockLevel.warehouse_id == scope.warehouse_id)
    return query.group_by(StockLevel.product_id).subquery("levels")


@dataclass
class _Ranked:
    product: object
    on_hand: int
    opening: int
    closing: int
    sold_qty: int
    sold_cost: int
    abc: str = "C"


def _ranked(period: Period, scope: Scope) -> list[_Ranked]:
    """Per product (in sku order): stock now, opening and closing quantities, quantity and cost sold, ABC class.

    Closing = on hand now less what moved after the period; opening = closing less what moved in it. So only the
    moves since the period's start are read, in one grouped pass. Listed: active products, and inactive ones with
    stock or a move in the period. ABC ranks products by cost of goods sold (net of returns) in the period: A while
    the products ranked above hold under 80 % of it, B under 95 %, C the rest and those that sold nothing.
    """
    start, after = _days(period)
    moved = _sums(scope, start, after, ("qty", "sold_qty", "sold_cost", "moves"))
    later = _sums(scope, after, None, ("qty",))
    levels = _levels(scope)
    rows = []
    for product in _products(scope):
        on_hand = levels.get(product.id, (0, 0))[0]
        net, sold_qty, sold_cost, in_period = moved.get(product.id, (0, 0, 0, 0))
        if not (product.active or on_hand != 0 or in_period):
            continue
        closing = on_hand - later.get(product.id, (0,))[0]
        rows.append(_Ranked(product, on_hand, closing - net, closing, sold_qty, sold_cost))
    # Ranked by cost sold, biggest first (ties by product id); what ranks above a product decides its class.
    ranking = sorted((r for r in rows if r.sold_cost > 0), key=lambda r: (-r.sold_cost, r.product.id))
    everything, running = sum(r.sold_cost for r in ranking), 0
    for r in ranking:
        r.abc = "A" if running * 100 < everything * A_SHARE else "B" if running * 100 < everything * B_SHARE else "C"
        running += r.sold_cost
    return rows


def turnover_days(period: Period, opening: Decimal, closing: Decimal, sold: Decimal) -> Decimal | None:
    """Days of stock: days in the period x average stock ((opening + closing) / 2) / quantity sold; None if none sold."""
    if sold <= 0:
        return None
    return (Decimal(period.days) * (opening + closing) / 2 / sold).quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Turnover:
    rows: list
    count: int
    has_next: bool
    classes: dict  # class -> (products, cost sold)


def _days_key(r: _Ranked, position: int) -> tuple:
    """Most days of stock first (days x 1000 cut towards zero, as integer division in SQL did), unsold last."""
    if r.sold_qty <= 0:
        return (1, 0, position)
    stock = (r.opening + r.closing) * 1000
    days = abs(stock) // r.sold_qty * (1 if stock >= 0 else -1)
    return (0, -days, position)


def turnover(period: Period, scope: Scope, abc: str = "", page: int = 1, per_page: int | None = 100,
             with_last_sale: bool = True, order: str = "abc") -> Turnover:
    """Per product: on hand, value, sold quantity and cost, days of stock, ABC class, last sale.

    order="abc": A first, biggest cost sold first; order="days": most days of stock first, unsold products last.
    """
    with collector_paused():
        ranked = _ranked(period, scope)
    classes: dict[str, list[int]] = {}
    for r in ranked:
        counts = classes.setdefault(r.abc, [0, 0])
        counts[0] += 1
        counts[1] += r.sold_cost
    chosen = [(position, r) for position, r in enumerate(ranked) if abc not in ("A", "B", "C") or r.abc == abc]
    if order == "days":
        chosen.sort(key=lambda item: _days_key(item[1], item[0]))
    else:
        chosen.sort(key=lambda item: (item[1].abc, -item[1].sold_cost, -item[1].sold_qty, item[0]))
    first = (max(page, 1) - 1) * per_page if per_page else 0
    shown = [r for _, r in (chosen[first:first + per_page] if per_page else chosen)]
    last = last_sales([r.product.id for r in shown], scope) if with_last_sale else {}
    named = _names([r.product.id for r in shown])
    result = []
    for r in shown:
        p = r.product
        opening, closing, sold_qty = _decimal(r.opening, QTY), _decimal(r.closing, QTY), _decimal(r.sold_qty, QTY)
        result.append({**named[p.id],
                       "on_hand": _decimal(r.on_hand, QTY), "value": money(_decimal(r.on_hand * p.avg_cost, VALUE)),
                       "opening_qty": opening, "closing_qty": closing, "sold_qty": sold_qty,
                       "sold_cost": money(_decimal(r.sold_cost, VALUE)), "abc": r.abc,
                       "turnover_days": turnover_days(period, opening, closing, sold_qty),
                       "last_sale_at": last.get(p.id)})
    return Turnover(result, len(chosen), bool(per_page) and len(chosen) > first + per_page,
                    {k: (n, money(_decimal(cost, VALUE))) for k, (n, cost) in classes.items()})


LAST_SALE_WINDOW = timedelta(days=35)


def last_sales(product_ids: list[int], scope: Scope) -> dict[int, datetime]:
    """When each of these products last left on a sales delivery (in the scope's warehouse).

    First the last few weeks, from the ledger's time index alone: a delivery found there is the latest there is.
    Only products not sold in that window are looked up by product, and those have few sales (a best seller's
    whole history looked up row by row cost a few hundred ms for one page).
    """
    if not product_ids:
        return {}
    found = {}
    for since in (utcnow() - LAST_SALE_WINDOW, None):
        wanted = [pid for pid in product_ids if pid not in found]
        if not wanted:
            break
        # By product only for a few products' histories; otherwise `+ 0`, so SQLite reads the time index (the
        # window's range, or all of it for an export) instead of fetching every move's row by product.
        product = StockMove.product_id if since is None and len(wanted) <= MANY else PLUS_ZERO
        query = (select(product, func.max(StockMove.created_at))
                 .where(StockMove.kind == MoveKind.SALES_DELIVERY).group_by(product))
        if len(wanted) <= MANY:
            query = query.where(product.in_(wanted))
        if since is not None:
            query = query.where(StockMove.created_at >= since)
        if scope.warehouse_id:
            query = query.where(StockMove.warehouse_id == scope.warehouse_id)
        found.update((pid, at) for pid, at in db.session.execute(query) if at is not None)
    wanted = set(product_ids)
    return {pid: at for pid, at in found.items() if pid in wanted}


# ---- 4. slow movers and dead stock ----------------------------------------------------------------------------

def slow_movers(scope: Scope, days: int, limit: int | None = 200, today: date | None = None) -> tuple[list, int]:
    """Products with stock on hand and no sale in the last `days` days (or never), most value stuck first.

    Returns (rows, how many products there are in all). Each row: on hand, value, last sale (None: never sold).
    """
    since = Period((today or business_today()) - timedelta(days=days - 1), today or business_today()).bounds()[0]
    levels = _on_hand(scope)
    sold = _recent(select(PRODUCT).where(StockMove.created_at >= since, StockMove.kind == MoveKind.SALES_DELIVERY,
                                         *_move_filter(scope)))
    query = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit,
                    type_coerce(levels.c.on_hand, Quantity()).label("on_hand"),
                    type_coerce(levels.c.on_hand * Product.avg_cost, VALUE).label("value"),
                    func.count().over().label("total_count"))
             .join(levels, levels.c.product_id == Product.id)
             .where(levels.c.on_hand > 0, Product.id.not_in(sold), *_product_filter(scope))
             .order_by((levels.c.on_hand * Product.avg_cost).desc(), Product.sku))
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    last = last_sales([r.product_id for r in rows], scope)
    return ([{"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit, "on_hand": r.on_hand,
              "value": money(r.value), "last_sale_at": last.get(r.product_id)} for r in rows],
            rows[0].total_count if rows else 0)


# ---- 5. best sellers ------------------------------------------------------------------------------------------

def best_sellers(period: Period, scope: Scope, by: str = "qty", limit: int = 20, with_revenue: bool = True) -> list:
    """The top `limit` products by net quantity sold (deliveries less returns) or by revenue before tax.

    Revenue is each sale move's quantity at its order line's price less discount, so it counts what left the
    warehouse in the period, whether or not it is invoiced yet. Ranked by quantity, the ledger's totals find the top
    products and only their moves are priced; ranked by revenue, every sale move of the period is.
    """
    if with_revenue and by == "revenue":
        return _best_by_revenue(period, scope, limit)
    with collector_paused():
        sold = {pid: (qty, cost) for pid, (qty, cost) in _sums(scope, *_days(period), ("sold_qty", "sold_cost")).items()
                if qty > 0}
        allowed = category_ids(scope.category_id)
        if allowed is not None:
            inside = _in_categories(set(allowed), sold)
            sold = {pid: figures for pid, figures in sold.items() if pid in inside}
    # Ties at the cut are ordered by sku, so every product selling as much as the last one shown is a candidate.
    cut = sorted((qty for qty, _cost in sold.values()), reverse=True)[limit - 1] if len(sold) >= limit else 0
    names = _names([pid for pid, (qty, _cost) in sold.items() if qty >= cut])
    top = sorted(names.values(), key=lambda p: (-sold[p["product_id"]][0], p["sku"]))[:limit]
    revenue = _revenue(period, scope, [p["product_id"] for p in top]) if with_revenue else {}
    return [{**p, "sold_qty": _decimal(sold[p["product_id"]][0], QTY),
             "sold_cost": money(_decimal(sold[p["product_id"]][1], VALUE)),
             "revenue": money(revenue.get(p["product_id"], ZERO)) if with_revenue else None} for p in top]


def _in_categories(allowed: set[int], sold: dict) -> set[int]:
    """Of the products sold, those in the allowed categories."""
    rows = db.session.execute(select(Product.id, Product.category_id).where(Product.id.in_(list(sold)))
                              if len(sold) <= MANY else select(Product.id, Product.category_id))
    return {pid for pid, category in rows if category in allowed}


def _sale_moves(period: Period, scope: Scope) -> list:
    start, after = period.bounds()
    return [StockMove.created_at >= start, StockMove.created_at < after, StockMove.kind.in_(SOLD), *_move_filter(scope)]


def _revenue(period: Period, scope: Scope, product_ids: list[int]) -> dict[int, Decimal]:
    if not product_ids:
        return {}
    return dict(db.session.execute(_priced(
        select(StockMove.product_id).where(*_sale_moves(period, scope), StockMove.product_id.in_(product_ids)))
        .group_by(StockMove.product_id).with_only_columns(StockMove.product_id, _REVENUE)).all())


def _best_by_revenue(period: Period, scope: Scope, limit: int) -> list:
    figures = [type_coerce(func.sum(-StockMove.qty), Quantity()).label("sold_qty"),
               type_coerce(func.sum(-StockMove.qty * StockMove.unit_cost), VALUE).label("sold_cost")]
    sold = _recent(_priced(select(PRODUCT, *figures).where(*_sale_moves(period, scope)))).subquery("sold")
    rows = db.session.execute(
        select(sold, Product.sku, Product.name, Product.unit).join(Product, Product.id == sold.c.product_id)
        .where(sold.c.sold_qty > 0, *_product_filter(scope)).order_by(sold.c.revenue.desc(), Product.sku)
        .limit(limit)).all()
    return [{"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit, "sold_qty": r.sold_qty,
             "sold_cost": money(r.sold_cost), "revenue": money(r.revenue)} for r in rows]


_ORDER_LINE = SalesOrderLine.__table__.alias("ol")
# Each sale move's revenue in units of 10**-9 (quantity x price x (100 % - discount)) fits 64 bits (a line is at most
# 1,000,000,000.00 before discount: app.limits), but a product's sum of them would pass 2**63 at 9.2 billion yuan.
# So each is rounded (half away from zero) to 10**-5 yuan before summing: exact to far below a cent per move, and
# a product's sum holds 92 trillion yuan (docs/limits.md).
_REVENUE_9 = -raw(StockMove.qty) * raw(_ORDER_LINE.c.unit_price) * (10000 - raw(_ORDER_LINE.c.discount_pct))
_REVENUE = type_coerce(func.coalesce(func.sum(case((_REVENUE_9 >= 0, (_REVENUE_9 + 5000) // 10000),
                                                   else_=(_REVENUE_9 - 5000) // 10000)), 0), REVENUE).label("revenue")


def _priced(query):
    """The query with each sale move's revenue: its quantity at its order line's price less discount."""
    delivery = SalesDeliveryLine.__table__.alias("dl")
    returned = SalesReturnLine.__table__.alias("rl")
    return (query.add_columns(_REVENUE)
            .outerjoin(delivery, and_(StockMove.kind == MoveKind.SALES_DELIVERY, delivery.c.id == StockMove.source_line_id))
            .outerjoin(returned, and_(StockMove.kind == MoveKind.SALES_RETURN, returned.c.id == StockMove.source_line_id))
            .outerjoin(_ORDER_LINE, _ORDER_LINE.c.id == func.coalesce(delivery.c.order_line_id,
                                                                      returned.c.order_line_id)))


# ---- 6. stock-out risk ----------------------------------------------------------------------------------------

def stockout_risk(scope: Scope, threshold_days: int, limit: int | None = 200, today: date | None = None) -> tuple[list, int]:
    """Products that will run out within `threshold_days` at the last 30 days' sales rate, soonest first.

    Days left = available (on hand less reserved) / (net quantity sold in the last 30 days / 30). Only products
    that sold in that window are rated; one with nothing available has 0 days left.
    """
    today = today or business_today()
    since = Period(today - timedelta(days=RISK_WINDOW - 1), today).bounds()[0]
    levels = _on_hand(scope)
    sold = _recent(select(PRODUCT, func.sum(-StockMove.qty).label("sold"))
                   .where(StockMove.created_at >= since, StockMove.kind.in_(SOLD), *_move_filter(scope))).subquery("sold")
    available = raw(func.coalesce(levels.c.on_hand, 0)) - raw(func.coalesce(levels.c.reserved, 0))
    # Days left x 1000 in integers (both sides are scaled alike), for the order; the shown figure is a Decimal.
    urgency = case((available <= 0, 0), else_=available * (RISK_WINDOW * 1000)) // raw(sold.c.sold)
    query = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit,
                    type_coerce(available, Quantity()).label("available"),
                    type_coerce(sold.c.sold, Quantity()).label("sold"), func.count().over().label("total_count"))
             .join(sold, sold.c.product_id == Product.id)
             .outerjoin(levels, levels.c.product_id == Product.id)
             .where(sold.c.sold > 0, available * RISK_WINDOW < raw(sold.c.sold) * threshold_days, *_product_filter(scope))
             .order_by(urgency, Product.sku))
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    result = []
    for r in rows:
        rate = r.sold / RISK_WINDOW
        left = max(r.available, ZERO) * RISK_WINDOW / r.sold  # not / rate: 8 / 30 would not divide exactly
        result.append({"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit,
                       "available": r.available, "sold_30": r.sold, "daily": rate.quantize(Decimal("0.001"), ROUND_HALF_UP),
                       "days_left": left.quantize(TENTH, ROUND_HALF_UP)})
    return result, rows[0].total_count if rows else 0
