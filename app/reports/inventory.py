"""Inventory reports: stock value, 进销存汇总 (movement summary), turnover with ABC classes, slow movers and dead
stock, best sellers and stock-out risk.

Every figure is an aggregate the database computes over the stock ledger (StockMove) or the stock levels; Python
only turns the scaled integers back into Decimals. Quantities are stored in thousandths and unit costs in
ten-thousandths (app/db_types.py), so qty x unit_cost is an exact integer in units of 10**-7 (VALUE).

Sales quantities come from the ledger's own sale moves (deliveries less returns), so these reports do not depend on
the sales fact table. Values are the cost each move carried when it was posted (the snapshot), so a later purchase
price never changes a past period's figures.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, and_, case, func, literal, literal_column, or_, select, type_coerce

from app.catalog.models import Category, Product
from app.db_types import Quantity, ScaledDecimal, business_today
from app.extensions import db
from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
from app.reports.periods import Period
from app.sales.models import SalesDeliveryLine, SalesOrderLine, SalesReturnLine

VALUE = ScaledDecimal(7)     # quantity (3 places) x unit cost (4 places)
REVENUE = ScaledDecimal(9)   # quantity (3) x price (2) x (100 % - discount) (4: the rate's 2 places and the %)
SOLD = (MoveKind.SALES_DELIVERY, MoveKind.SALES_RETURN)
TRANSFERS = (MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN)
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


# Moves of a recent span are grouped by `product_id + 0`, not product_id: SQLite's planner would otherwise walk the
# (product, warehouse) index to save the GROUP BY's sort, a million random row reads instead of the created_at
# index's few thousand. PostgreSQL hashes either way.
_PLUS_ZERO = StockMove.product_id + literal_column("0")  # inline, so PostgreSQL sees one and the same expression
PRODUCT = _PLUS_ZERO.label("product_id")


def _recent(query):
    return query.group_by(_PLUS_ZERO)


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


# ---- 2. 进销存汇总: opening, in, out, closing per product -------------------------------------------------------

MOVEMENT_FIELDS = ("opening_qty", "in_qty", "out_qty", "closing_qty")
MOVEMENT_VALUES = ("opening_value", "in_value", "out_value", "closing_value")


@dataclass(frozen=True)
class Movement:
    rows: list          # per product: product_id, sku, name, unit and the figures below
    totals: dict        # the same figures summed over every product, not just this page
    count: int          # products in the report
    has_next: bool


def _movement_query(period: Period, scope: Scope, with_value: bool, text: str = ""):
    """One pass over the ledger up to the period's end, grouped by product, with whole-report totals as windows."""
    start, after = period.bounds()
    before = StockMove.created_at < start
    inbound, outbound = and_(~before, StockMove.qty > 0), and_(~before, StockMove.qty < 0)
    worth = StockMove.qty * StockMove.unit_cost

    def total(condition, what, kind):
        return type_coerce(func.coalesce(func.sum(case((condition, what), else_=0)), 0), kind)

    figures = [total(before, StockMove.qty, Quantity()).label("opening_qty"),
               total(inbound, StockMove.qty, Quantity()).label("in_qty"),
               total(outbound, -StockMove.qty, Quantity()).label("out_qty"),
               type_coerce(func.sum(StockMove.qty), Quantity()).label("closing_qty")]
    if with_value:
        figures += [total(before, worth, VALUE).label("opening_value"), total(inbound, worth, VALUE).label("in_value"),
                    total(outbound, -worth, VALUE).label("out_value"),
                    type_coerce(func.sum(worth), VALUE).label("closing_value")]
    # Everything before the period's end is read; on SQLite straight through the table, not in index order.
    moves = (select(StockMove.product_id, *figures)
             .where(StockMove.created_at < after, *_move_filter(scope))
             .group_by(StockMove.product_id).subquery("moves"))
    names = [f for f in MOVEMENT_FIELDS + (MOVEMENT_VALUES if with_value else ())]
    columns = [moves.c[name] for name in names]
    # A product with nothing before, in or after the period: every figure 0, left out.
    moving = or_(*(moves.c[name] != 0 for name in ("opening_qty", "in_qty", "out_qty")))
    query = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit, *columns,
                    *(type_coerce(func.sum(moves.c[name]).over(), moves.c[name].type).label("total_" + name)
                      for name in names), func.count().over().label("total_count"))
             .join(moves, moves.c.product_id == Product.id)
             .where(moving, *_product_filter(scope)))
    if text:
        query = query.where(or_(Product.sku.icontains(text, autoescape=True),
                                Product.name.icontains(text, autoescape=True)))
    return query.order_by(Product.sku, Product.id), names


def movement(period: Period, scope: Scope, with_value: bool, text: str = "", page: int = 1,
             per_page: int | None = 100) -> Movement:
    """进销存汇总表: per product the opening, in, out and closing quantities (and values at the moves' costs).

    Opening is every move before the first day, in and out the period's moves by sign, closing = opening + in - out
    (so, for a period ending today, closing is the on-hand stock). Values are each move's quantity x the unit cost
    it carried. `per_page=None` gives every row (exports).
    """
    query, names = _movement_query(period, scope, with_value, text)
    if per_page:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page + 1)
    rows = db.session.execute(query).all()
    shown = rows[:per_page] if per_page else rows
    totals = {name: (rows[0]._mapping["total_" + name] if rows else ZERO) for name in names}
    result = [{"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit,
               **{name: (money(r._mapping[name]) if name.endswith("value") else r._mapping[name]) for name in names}}
              for r in shown]
    totals = {name: (money(v) if name.endswith("value") else v) for name, v in totals.items()}
    return Movement(result, totals, rows[0].total_count if rows else 0, bool(per_page) and len(rows) > per_page)


# ---- 3. turnover and ABC --------------------------------------------------------------------------------------

def _on_hand(scope: Scope):
    """Per product: on hand and reserved now, in the scope's warehouse or all."""
    query = select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("on_hand"),
                   func.sum(StockLevel.reserved).label("reserved"))
    if scope.warehouse_id:
        query = query.where(StockLevel.warehouse_id == scope.warehouse_id)
    return query.group_by(StockLevel.product_id).subquery("levels")


def _turnover_query(period: Period, scope: Scope):
    """Per product: stock now, opening and closing quantities, quantity and cost sold in the period, ABC class.

    Closing = on hand now less what moved after the period; opening = closing less what moved in it. So only the
    moves since the period's start are read. ABC ranks products by cost of goods sold (net of returns) in the period:
    A while the products ranked above hold under 80 % of it, B under 95 %, C the rest and those that sold nothing.
    """
    start, after = period.bounds()
    levels = _on_hand(scope)
    in_period = select(StockMove.product_id, func.sum(StockMove.qty).label("net"),
                       func.sum(case((StockMove.kind.in_(SOLD), -StockMove.qty), else_=0)).label("sold_qty"),
                       func.sum(case((StockMove.kind.in_(SOLD), -StockMove.qty * StockMove.unit_cost), else_=0))
                       .label("sold_cost")).where(StockMove.created_at >= start, StockMove.created_at < after,
                                                  *_move_filter(scope))
    # Grouped by plain product_id: these are outer-joined to every product, which on SQLite needs the automatic
    # index it builds only on a plain column (with `+ 0` it rescans them per product). TODO: still ~9 s at 1M moves.
    in_period = _recent(in_period).subquery("period")
    later = _recent(select(StockMove.product_id, func.sum(StockMove.qty).label("net"))
                    .where(StockMove.created_at >= after, *_move_filter(scope))).subquery("later")
    on_hand = func.coalesce(levels.c.on_hand, 0)
    closing = on_hand - func.coalesce(later.c.net, 0)
    opening = closing - func.coalesce(in_period.c.net, 0)
    sold_cost = func.coalesce(in_period.c.sold_cost, 0)
    ranked = raw(case((sold_cost > 0, sold_cost), else_=0))
    running = func.sum(ranked).over(order_by=(ranked.desc(), Product.id)) - ranked  # what ranks above
    everything = func.sum(ranked).over()
    abc = case((ranked <= 0, "C"), (running * 100 < everything * A_SHARE, "A"),
               (running * 100 < everything * B_SHARE, "B"), else_="C")
    return (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit,
                   type_coerce(on_hand, Quantity()).label("on_hand"),
                   type_coerce(on_hand * Product.avg_cost, VALUE).label("value"),
                   type_coerce(opening, Quantity()).label("opening_qty"),
                   type_coerce(closing, Quantity()).label("closing_qty"),
                   type_coerce(func.coalesce(in_period.c.sold_qty, 0), Quantity()).label("sold_qty"),
                   type_coerce(sold_cost, VALUE).label("sold_cost"), abc.label("abc"))
            .outerjoin(levels, levels.c.product_id == Product.id)
            .outerjoin(in_period, in_period.c.product_id == Product.id)
            .outerjoin(later, later.c.product_id == Product.id)
            .where(or_(Product.active, levels.c.on_hand != 0, in_period.c.product_id.is_not(None)),
                   *_product_filter(scope)))


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


def turnover(period: Period, scope: Scope, abc: str = "", page: int = 1, per_page: int | None = 100,
             with_last_sale: bool = True, order: str = "abc") -> Turnover:
    """Per product: on hand, value, sold quantity and cost, days of stock, ABC class, last sale.

    order="abc": A first, biggest cost sold first; order="days": most days of stock first, unsold products last.
    """
    ranked = _turnover_query(period, scope).subquery("ranked")
    query = select(ranked)
    if abc in ("A", "B", "C"):
        query = query.where(ranked.c.abc == abc)
    if order == "days":
        sold = raw(ranked.c.sold_qty)
        days = (raw(ranked.c.opening_qty) + raw(ranked.c.closing_qty)) * 1000 // case((sold > 0, sold), else_=None)
        query = query.order_by(case((sold > 0, 0), else_=1), days.desc(), ranked.c.sku)
    else:
        query = query.order_by(ranked.c.abc, ranked.c.sold_cost.desc(), ranked.c.sold_qty.desc(), ranked.c.sku)
    if per_page:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page + 1)
    rows = db.session.execute(query).all()
    shown = rows[:per_page] if per_page else rows
    last = last_sales([r.product_id for r in shown], scope) if with_last_sale else {}
    result = [{"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit, "on_hand": r.on_hand,
               "value": money(r.value), "opening_qty": r.opening_qty, "closing_qty": r.closing_qty,
               "sold_qty": r.sold_qty, "sold_cost": money(r.sold_cost), "abc": r.abc,
               "turnover_days": turnover_days(period, r.opening_qty, r.closing_qty, r.sold_qty),
               "last_sale_at": last.get(r.product_id)} for r in shown]
    classes = {row.abc: (row[1], money(row[2])) for row in db.session.execute(
        select(ranked.c.abc, func.count(), type_coerce(func.sum(ranked.c.sold_cost), VALUE)).group_by(ranked.c.abc))}
    return Turnover(result, sum(c[0] for c in classes.values()) if not abc else classes.get(abc, (0,))[0],
                    bool(per_page) and len(rows) > per_page, classes)


def last_sales(product_ids: list[int], scope: Scope) -> dict[int, datetime]:
    """When each of these products last left on a sales delivery (in the scope's warehouse)."""
    if not product_ids:
        return {}
    query = (select(StockMove.product_id, func.max(StockMove.created_at))
             .where(StockMove.product_id.in_(product_ids), StockMove.kind == MoveKind.SALES_DELIVERY)
             .group_by(StockMove.product_id))
    if scope.warehouse_id:
        query = query.where(StockMove.warehouse_id == scope.warehouse_id)
    return {pid: at for pid, at in db.session.execute(query) if at is not None}


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
    warehouse in the period, whether or not it is invoiced yet.
    """
    start, after = period.bounds()
    delivery = SalesDeliveryLine.__table__.alias("dl")
    returned = SalesReturnLine.__table__.alias("rl")
    line = SalesOrderLine.__table__.alias("ol")
    sold_qty = func.sum(-StockMove.qty)
    figures = [type_coerce(sold_qty, Quantity()).label("sold_qty"),
               type_coerce(func.sum(-StockMove.qty * StockMove.unit_cost), VALUE).label("sold_cost")]
    query = (select(PRODUCT, *figures)
             .where(StockMove.created_at >= start, StockMove.created_at < after, StockMove.kind.in_(SOLD),
                    *_move_filter(scope)))
    if with_revenue:
        revenue = func.sum(-raw(StockMove.qty) * raw(line.c.unit_price) * (10000 - raw(line.c.discount_pct)))
        query = (query.add_columns(type_coerce(func.coalesce(revenue, 0), REVENUE).label("revenue"))
                 .outerjoin(delivery, and_(StockMove.kind == MoveKind.SALES_DELIVERY,
                                           delivery.c.id == StockMove.source_line_id))
                 .outerjoin(returned, and_(StockMove.kind == MoveKind.SALES_RETURN,
                                           returned.c.id == StockMove.source_line_id))
                 .outerjoin(line, line.c.id == func.coalesce(delivery.c.order_line_id, returned.c.order_line_id)))
    sold = _recent(query).subquery("sold")
    rank = sold.c.revenue if with_revenue and by == "revenue" else sold.c.sold_qty
    rows = db.session.execute(
        select(sold, Product.sku, Product.name, Product.unit).join(Product, Product.id == sold.c.product_id)
        .where(sold.c.sold_qty > 0, *_product_filter(scope)).order_by(rank.desc(), Product.sku).limit(limit)).all()
    return [{"product_id": r.product_id, "sku": r.sku, "name": r.name, "unit": r.unit, "sold_qty": r.sold_qty,
             "sold_cost": money(r.sold_cost), "revenue": money(r.revenue) if with_revenue else None}
            for r in rows]


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
