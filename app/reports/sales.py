"""Sales report (销售报表): quantity, revenue, cost and margin by day, week, month, product, category, customer
or salesperson, with the previous period beside it.

Reads only the sales facts (app.reports.models.SalesFact) plus names. Every figure is a SUM ... GROUP BY in the
database over rows filtered by day first (the fact table's indexes all end in day), so the cost follows the
number of groups shown, not the number of invoice lines. Python only walks the calendar (to show days without
sales) and the grouped rows.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, cast, func, or_, select

from app.auth.models import User
from app.auth.roles import Role, sees_cost
from app.catalog.export import _with_descendants
from app.catalog.models import Category, Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import date_
from app.partners.models import Customer
from app.reports.models import SalesFact
from app.reports.periods import Period
from app.sales import scope

GROUPS = {"day": _l("Day"), "week": _l("Week"), "month": _l("Month"), "product": _l("Product"),
          "category": _l("Category"), "customer": _l("Customer"), "salesperson": _l("Salesperson")}
TIME_GROUPS = ("day", "week", "month")
ZERO_QTY, ZERO = Decimal("0.000"), Decimal("0.00")
TENTH = Decimal("0.1")
MAX_BUCKETS = 1000  # a by-day table of more than ~3 years is unreadable; ask for weeks or months instead


@dataclass(frozen=True)
class SalesFilters:
    product_id: int | None = None
    customer_id: int | None = None
    category_id: int | None = None
    salesperson_id: int | None = None


FILTERED = (("product_id", Product, Product.name), ("customer_id", Customer, Customer.name),
            ("category_id", Category, Category.name), ("salesperson_id", User, User.display_name))


def filter_names(user, filters: SalesFilters) -> list[tuple[str, str]] | None:
    """(argument, name) of each narrowing filter in force; None when one names nothing the user may see.

    Customers are looked up in the user's data scope (app/sales/scope.py), so a salesperson who types a
    colleague's customer id learns nothing, not even that it exists: the route answers 404 as for any object
    out of scope. A salesperson's report ignores salesperson_id (it is theirs), so it names no one either.
    """
    found = []
    for arg, model, column in FILTERED:
        object_id = getattr(filters, arg)
        if not object_id or (arg == "salesperson_id" and user.role == Role.SALES):
            continue
        query = scope.customers(user) if model is Customer else select(model)
        name = db.session.scalar(query.where(model.id == object_id).with_only_columns(column))
        if name is None:
            return None
        found.append((arg, name or "#%d" % object_id))
    return found


@dataclass
class SalesRow:
    key: object              # a date (time groups) or an id (None: no category / no salesperson)
    label: str
    qty: Decimal = ZERO_QTY
    revenue: Decimal = ZERO
    cost: Decimal | None = ZERO      # None for roles that may not see costs
    prev_revenue: Decimal = ZERO
    sku: str | None = None

    @property
    def margin(self) -> Decimal | None:
        return None if self.cost is None else self.revenue - self.cost

    @property
    def margin_pct(self) -> Decimal | None:
        return percent(self.margin, self.revenue) if self.cost is not None else None

    @property
    def change_pct(self) -> Decimal | None:
        """Revenue against the previous period, in %; None when there is nothing to compare with."""
        return percent(self.revenue - self.prev_revenue, abs(self.prev_revenue))


@dataclass
class SalesSummary:
    period: Period
    previous: Period
    group_by: str
    rows: list[SalesRow]
    total: SalesRow
    shows_cost: bool
    truncated: bool = False   # more groups than the limit: rows are the biggest by revenue, the total is of all
    filters: SalesFilters = field(default_factory=SalesFilters)


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(TENTH, ROUND_HALF_UP)


# --- the calendar buckets: one helper, so SQLite and PostgreSQL agree on what a week and a month are ---

def bucket(group_by: str):
    """SalesFact.day truncated to its bucket: the day, the Monday of its week, or the first of its month."""
    day = SalesFact.day
    if group_by == "day":
        return day
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(group_by, day), Date)  # ISO weeks start on Monday
    if group_by == "week":  # SQLite: forward to the week's Sunday (or stay), then back six days
        return func.date(day, "weekday 0", "-6 days", type_=Date)
    return func.date(day, "start of month", type_=Date)


def bucket_start(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    return day


def buckets(period: Period, group_by: str) -> list[date]:
    """Every bucket the period touches, oldest first (days without sales show as zero rows)."""
    found, day = [], bucket_start(period.start, group_by)
    while day <= period.end:
        found.append(day)
        if group_by == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if group_by == "week" else 1)
    return found


# --- scope and filters ---

def _where(user, period: Period, filters: SalesFilters) -> list:
    """Day first (index order), then the data scope and the filters."""
    where = [SalesFact.day >= period.start, SalesFact.day <= period.end]
    if user.role == Role.SALES:  # a salesperson: their own customers' sales, whoever took the order
        where.append(SalesFact.customer_id.in_(select(Customer.id).where(Customer.salesperson_id == user.id)))
    elif filters.salesperson_id:
        where.append(SalesFact.salesperson_id == filters.salesperson_id)
    if filters.product_id:
        where.append(SalesFact.product_id == filters.product_id)
    if filters.customer_id:
        where.append(SalesFact.customer_id == filters.customer_id)
    if filters.category_id:
        where.append(SalesFact.product_id.in_(
            select(Product.id).where(Product.category_id.in_(_with_descendants(filters.category_id)))))
    return where


def _key(group_by: str, plain: bool = False):
    if group_by in TIME_GROUPS:
        return bucket(group_by)
    if group_by == "category":
        return Product.category_id
    column = {"product": SalesFact.product_id, "customer": SalesFact.customer_id,
              "salesperson": SalesFact.salesperson_id}[group_by]
    if db.session.get_bind().dialect.name == "sqlite" and not plain:
        # "+ 0" keeps SQLite from walking the whole (product_id, day) index to get its GROUP BY order for free:
        # measured on a million facts, that skip-scan took 4-10x longer than reading the period's days and sorting.
        return column + 0
    return column


def _grouped(user, period: Period, group_by: str, filters: SalesFilters, keys=None) -> dict:
    """{key: (qty, revenue, cost)} for the period, biggest revenue first; only `keys` when given (the previous
    period of the groups shown). Every group comes back (at most one per product): totals and the cut to the
    groups shown are made from them, so the period's facts are read once."""
    key = _key(group_by).label("key")
    if group_by == "category":
        # Summed per product from the day index alone, then per category: joining products to every fact row
        # costs more than the sums themselves.
        per_product = (select(SalesFact.product_id.label("product_id"), func.sum(SalesFact.qty).label("qty"),
                              func.sum(SalesFact.revenue).label("revenue"), func.sum(SalesFact.cost).label("cost"))
                       .where(*_where(user, period, filters)).group_by(_key("product")).subquery("per_product"))
        query = (select(key, func.sum(per_product.c.qty), func.sum(per_product.c.revenue),
                        func.sum(per_product.c.cost))
                 .join_from(per_product, Product, Product.id == per_product.c.product_id))
    else:
        query = select(key, func.sum(SalesFact.qty), func.sum(SalesFact.revenue), func.sum(SalesFact.cost)).where(
            *_where(user, period, filters))
    if keys is not None:
        # The plain column, not the "+ 0" of _key: a few groups are found through their (id, day) index.
        column = Product.category_id if group_by == "category" else _key(group_by, plain=True)
        condition = column.in_([k for k in keys if k is not None])
        query = query.where(or_(condition, column.is_(None)) if None in keys else condition)
    rows = db.session.execute(query.group_by(key)).all()
    if group_by not in TIME_GROUPS:
        rows.sort(key=lambda row: (-(row[2] or 0), row[0] is None, row[0] or 0))
    return {_as_date(row[0], group_by): tuple(row[1:]) for row in rows}


def _as_date(value, group_by):
    """SQLite may hand a computed date back as text."""
    if group_by in TIME_GROUPS and isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _summed(groups) -> tuple:
    """(qty, revenue, cost) over the groups: the period's totals without reading its facts again."""
    sums = [ZERO_QTY, ZERO, ZERO]
    for group in groups:
        for index, value in enumerate(group):
            sums[index] += value or 0
    return tuple(sums)


def _totals(user, period: Period, filters: SalesFilters):
    return db.session.execute(select(func.sum(SalesFact.qty), func.sum(SalesFact.revenue), func.sum(SalesFact.cost))
                              .where(*_where(user, period, filters))).one()


def _labels(group_by: str, keys) -> dict:
    """Names (and product codes) of the grouped ids, one query."""
    ids = [k for k in keys if k is not None]
    if group_by == "product":
        return {id_: (name, sku) for id_, name, sku in
                db.session.execute(select(Product.id, Product.name, Product.sku).where(Product.id.in_(ids)))} if ids else {}
    model, column = {"category": (Category, Category.name), "customer": (Customer, Customer.name),
                     "salesperson": (User, User.display_name)}[group_by]
    names = dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all()) if ids else {}
    none = _("No category") if group_by == "category" else _("No salesperson")
    return {key: (names.get(key, none) if key is not None else none, None) for key in keys}


def time_label(day: date, group_by: str) -> str:
    if group_by == "week":
        return _("Week of %(day)s", day=date_(day, "short"))
    if group_by == "month":
        return day.strftime("%Y-%m")
    return date_(day, "short")


def sales_summary(user, period: Period, group_by: str = "day", filters: SalesFilters | None = None,
                  limit: int | None = None) -> SalesSummary:
    """The report: one row per group with the previous period's revenue beside it, and the totals.

    Time groups list every bucket of the period in order (the previous period's buckets are matched by position);
    the other groups list those with sales, biggest revenue first, at most `limit` of them.
    """
    if group_by not in GROUPS:
        raise BusinessRuleError(_("Group by one of: %(groups)s.", groups=", ".join(GROUPS)), field="group_by")
    filters = filters or SalesFilters()
    previous = period.previous()
    costs = sees_cost(user)
    if group_by in TIME_GROUPS:
        days = buckets(period, group_by)
        if len(days) > MAX_BUCKETS:
            raise BusinessRuleError(_("Too many rows: group a period this long by week or month."), field="group_by")
        now, before = _grouped(user, period, group_by, filters), _grouped(user, previous, group_by, filters)
        summed, prev_revenue = _summed(now.values()), _summed(before.values())[1]
        earlier = buckets(previous, group_by)
        rows = []
        for index, day in enumerate(days):
            qty, revenue, cost = now.get(day, (None, None, None))
            prev = before.get(earlier[index], (None, None, None))[1] if index < len(earlier) else None
            rows.append(SalesRow(day, time_label(day, group_by), qty or ZERO_QTY, revenue or ZERO,
                                 (cost or ZERO) if costs else None, prev or ZERO))
        truncated = False
    else:
        now = _grouped(user, period, group_by, filters)
        summed, prev_revenue = _summed(now.values()), _totals(user, previous, filters)[1]
        truncated = limit is not None and len(now) > limit
        keys = list(now)[:limit] if limit else list(now)
        before = _grouped(user, previous, group_by, filters, keys=keys) if keys else {}
        labels = _labels(group_by, keys)
        rows = [SalesRow(key, labels.get(key, ("", None))[0], now[key][0], now[key][1],
                         now[key][2] if costs else None, (before.get(key, (None, None))[1]) or ZERO,
                         sku=labels.get(key, ("", None))[1]) for key in keys]
        rows.sort(key=lambda row: (-row.revenue, row.label))
    qty, revenue, cost = summed
    total = SalesRow(None, _("Total"), qty or ZERO_QTY, revenue or ZERO, (cost or ZERO) if costs else None,
                     prev_revenue or ZERO)
    return SalesSummary(period, previous, group_by, rows, total, costs, truncated, filters)


def chart_bars(summary: SalesSummary, shown) -> list[tuple[str, Decimal, str]]:
    """(label, revenue, formatted) for the bar chart macro: the biggest groups (time groups in order)."""
    rows = summary.rows if summary.group_by in TIME_GROUPS else summary.rows[:15]
    return [(row.label, max(row.revenue, ZERO), shown(row.revenue)) for row in rows]


def chart_trend(summary: SalesSummary) -> list[tuple[str, list[tuple[float, float]]]]:
    """This period's and the previous period's revenue per bucket as plain numbers for the line chart (drawing only)."""
    this = [(float(index), float(row.revenue)) for index, row in enumerate(summary.rows)]
    before = [(float(index), float(row.prev_revenue)) for index, row in enumerate(summary.rows)]
    return [(_("This period"), this), (_("Previous period"), before)]

