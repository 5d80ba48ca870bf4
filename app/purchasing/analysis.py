"""Supplier performance (on time, lead time, fill and return rates, spend) and purchase price trends.

Read-only aggregate queries: every figure is a SUM/COUNT in the database, grouped by supplier, so the cost does
not grow with the number of order lines held in Python. Orders count in the period of their confirmation; spend
counts invoices by their issue date; price points count receipts by when they were posted.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, and_, case, cast, func, select

from app.catalog.models import Product
from app.db_types import business_today
from app.extensions import db
from app.partners.models import Supplier
from app.purchasing.models import (PurchaseInvoice, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt,
                                   PurchaseReceiptLine, PurchaseStatus)
from app.settings.services import business_timezone, business_zone

DEFAULT_DAYS = 90
FULLY_RECEIVED = (PurchaseStatus.RECEIVED, PurchaseStatus.INVOICED, PurchaseStatus.PAID)
NOT_ORDERED = (PurchaseStatus.DRAFT, PurchaseStatus.CANCELLED)
TENTH = Decimal("0.1")
MAX_POINTS = 500  # a price chart wider than this is unreadable on a phone anyway


@dataclass(frozen=True)
class Period:
    """Business-calendar days, both ends included."""
    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants where the first day starts and the day after the last starts."""
        zone = business_zone()
        return (datetime.combine(self.start, time(), tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone))


def period(start: date | None = None, end: date | None = None) -> Period:
    """The chosen days, by default the last 90 up to today; reversed ends are swapped."""
    end = end or business_today()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    return Period(min(start, end), max(start, end))


@dataclass(frozen=True)
class Performance:
    supplier_id: int
    name: str
    orders: int = 0                      # orders confirmed in the period
    received_orders: int = 0             # of those, fully received
    on_time_pct: Decimal | None = None   # None: nothing to measure yet
    lead_days: Decimal | None = None
    fill_pct: Decimal | None = None
    return_pct: Decimal | None = None
    spend: Decimal = Decimal("0.00")


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _local_date(column, on: Period):
    """The business-calendar date of a UTC timestamp, computed by the database."""
    if _dialect() == "postgresql":
        return cast(func.timezone(business_timezone(), column), Date)
    # SQLite has no time zones: shift by the zone's offset in the period (exact for zones without summer time,
    # such as China's; elsewhere a receipt within an hour of midnight on a changeover day may land a day off).
    offset = business_zone().utcoffset(datetime.combine(on.end, time()))
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _seconds_between(start, end):
    if _dialect() == "postgresql":
        return func.extract("epoch", end - start)
    return func.round((func.julianday(end) - func.julianday(start)) * 86400)


def _confirmed_in(on: Period):
    first, after = on.bounds()
    return and_(PurchaseOrder.confirmed_at >= first, PurchaseOrder.confirmed_at < after)


def _order_figures(on: Period, where):
    """Per supplier: orders, fully received orders, those with a due date, those on time, summed lead seconds."""
    received = and_(PurchaseOrder.received_at.is_not(None), PurchaseOrder.status.in_(FULLY_RECEIVED))
    dated = and_(received, PurchaseOrder.expected_on.is_not(None))
    on_time = and_(dated, _local_date(PurchaseOrder.received_at, on) <= PurchaseOrder.expected_on)
    query = (select(PurchaseOrder.supplier_id, func.count(),
                    func.sum(case((received, 1), else_=0)), func.sum(case((dated, 1), else_=0)),
                    func.sum(case((on_time, 1), else_=0)),
                    func.sum(case((received, _seconds_between(PurchaseOrder.confirmed_at, PurchaseOrder.received_at)),
                                  else_=0)))
             .where(_confirmed_in(on), PurchaseOrder.status.not_in(NOT_ORDERED), *where)
             .group_by(PurchaseOrder.supplier_id))
    return {row[0]: row[1:] for row in db.session.execute(query)}


def _line_figures(on: Period, where):
    """Per supplier: ordered, received and returned quantities on confirmed orders."""
    query = (select(PurchaseOrder.supplier_id, func.sum(PurchaseOrderLine.qty), func.sum(PurchaseOrderLine.received_qty),
                    func.sum(PurchaseOrderLine.returned_qty))
             .join(PurchaseOrderLine.order)
             .where(_confirmed_in(on), PurchaseOrder.status.not_in(NOT_ORDERED), *where)
             .group_by(PurchaseOrder.supplier_id))
    return {row[0]: row[1:] for row in db.session.execute(query)}


def _spend(on: Period, supplier_ids):
    query = (select(PurchaseInvoice.supplier_id, func.sum(PurchaseInvoice.total))
             .where(PurchaseInvoice.issued_on >= on.start, PurchaseInvoice.issued_on <= on.end,
                    PurchaseInvoice.opening.is_(False))  # an opening payable is a debt carried over, not spend
             .group_by(PurchaseInvoice.supplier_id))
    if supplier_ids is not None:
        query = query.where(PurchaseInvoice.supplier_id.in_(supplier_ids))
    return dict(db.session.execute(query).all())


def performance(on: Period, supplier_ids: list[int] | None = None) -> list[Performance]:
    """Each supplier with orders or spend in the period (or each one asked for), biggest spend first."""
    where = [PurchaseOrder.supplier_id.in_(supplier_ids)] if supplier_ids is not None else []
    orders, lines, spend = _order_figures(on, where), _line_figures(on, where), _spend(on, supplier_ids)
    ids = set(supplier_ids) if supplier_ids is not None else set(orders) | set(lines) | set(spend)
    names = dict(db.session.execute(select(Supplier.id, Supplier.name).where(Supplier.id.in_(ids))).all()) if ids else {}
    result = []
    for supplier_id in names:  # one row per supplier, not per order
        count, received, dated, on_time, seconds = orders.get(supplier_id, (0, 0, 0, 0, 0))
        qty, received_qty, returned_qty = lines.get(supplier_id, (None, None, None))
        lead = None
        if received:
            lead = (Decimal(round(seconds or 0)) / 86400 / received).quantize(TENTH, ROUND_HALF_UP)
        result.append(Performance(supplier_id, names[supplier_id], count, received or 0, _pct(on_time, dated), lead,
                                  _pct(received_qty, qty), _pct(returned_qty, received_qty),
                                  spend.get(supplier_id) or Decimal("0.00")))
    return sorted(result, key=lambda p: (-p.spend, p.name))


def supplier_performance(supplier_id: int, on: Period | None = None) -> Performance:
    """One supplier's figures for the supplier page (the default period)."""
    return performance(on or period(), [supplier_id])[0]


def traded_products(on: Period, limit: int = 300):
    """Products with a posted receipt in the period, by name: the choices of the price chart."""
    first, after = on.bounds()
    query = (select(Product.id, Product.name, Product.sku)
             .where(Product.id.in_(select(PurchaseReceiptLine.product_id).join(PurchaseReceiptLine.receipt)
                                   .where(PurchaseReceipt.posted_at >= first, PurchaseReceipt.posted_at < after)))
             .order_by(Product.name).limit(limit))
    return db.session.execute(query).all()


@dataclass(frozen=True)
class PricePoint:
    at: datetime
    unit_cost: Decimal


def price_trend(product_id: int, on: Period) -> dict[str, list[PricePoint]]:
    """The unit cost of each posted receipt of the product in the period, per supplier name, oldest first."""
    first, after = on.bounds()
    query = (select(Supplier.name, PurchaseReceipt.posted_at, PurchaseReceiptLine.unit_cost)
             .select_from(PurchaseReceiptLine).join(PurchaseReceiptLine.receipt).join(PurchaseReceipt.order)
             .join(PurchaseOrder.supplier)
             .where(PurchaseReceiptLine.product_id == product_id, PurchaseReceipt.posted_at >= first,
                    PurchaseReceipt.posted_at < after)
             .order_by(PurchaseReceipt.posted_at, PurchaseReceiptLine.id).limit(MAX_POINTS))
    series: dict[str, list[PricePoint]] = {}
    for name, at, cost in db.session.execute(query):  # at most MAX_POINTS rows
        series.setdefault(name, []).append(PricePoint(at, cost))
    return series


def chart_series(series: dict[str, list[PricePoint]]) -> list[tuple[str, list[tuple[float, float]]]]:
    """Price points as plain (seconds, cost) numbers for the line chart macro (drawing only; figures stay Decimal)."""
    return [(name, [(p.at.timestamp(), float(p.unit_cost)) for p in points]) for name, points in series.items()]
