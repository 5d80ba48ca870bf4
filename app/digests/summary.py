"""The figures a summary carries, read from the report services the screens use, so they never disagree.

Sales and margin come from the dashboard (the sales facts), cash in from the cash report, overdue receivables
from the dashboard and the receivables aging (its five biggest debtors), low stock from the stock list's filter.
Nothing here depends on who reads it: one Digest is built per period and drawn in each subscriber's language.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import distinct, func, select

from app.extensions import db
from app.inventory.queries import StockFilter, stock_page
from app.reports import dashboard, money
from app.reports.models import SalesFact
from app.reports.periods import Period

TOP = 5
# The low-stock list is read a page at a time by SKU; the five furthest below their minimum are picked from its
# first page, which for any shop that keeps its minimums up to date is all of it.
LOW_STOCK_SCAN = 500


@dataclass(frozen=True)
class Debtor:
    name: str
    overdue: Decimal


@dataclass(frozen=True)
class Short:
    sku: str
    name: str
    on_hand: Decimal
    min_stock: Decimal


@dataclass(frozen=True)
class BackupLine:
    """The backups section: whether the owner should worry, and what to say."""
    ok: bool
    status: str          # the backup status's state (ok, failed, overdue, off, no_key), or "none": never backed up
    finished_at: datetime | None = None
    size: int | None = None
    verified: bool = False
    message: str = ""


@dataclass(frozen=True)
class Digest:
    period: Period
    as_of: date                 # overdue and low stock are as of this day (the day it is sent)
    sales: dashboard.Sales      # revenue, cost (margin) and the previous period's revenue
    slips: int                  # sales slips with sales in the period
    previous_slips: int
    cash_in: Decimal            # received from customers in the period
    overdue: dashboard.Owed
    debtors: list[Debtor]       # the biggest overdue amounts, at most TOP
    low_stock: int
    short: list[Short]          # furthest below their minimum, at most TOP
    backup: BackupLine | None   # None: this installation reports no backups


def slips(period: Period) -> int:
    """Sales slips (invoices) with sales facts in the period: the slips behind the revenue figure."""
    return db.session.scalar(select(func.count(distinct(SalesFact.invoice_id)))
                             .where(SalesFact.day.between(period.start, period.end), SalesFact.invoice_id.is_not(None)))


def debtors(as_of: date, limit: int = TOP) -> list[Debtor]:
    """Customers with the most overdue at the end of `as_of` (the aging report less its current column)."""
    rows = [Debtor(row.name, row.total - row.amounts["current"]) for row in money.receivables_aging(as_of).rows]
    return sorted((row for row in rows if row.overdue > 0), key=lambda row: (-row.overdue, row.name))[:limit]


def short(limit: int = TOP) -> list[Short]:
    """Active products below their minimum stock, furthest below first."""
    page = stock_page(StockFilter(flag="low"), 1, LOW_STOCK_SCAN, levels=True, value=False)
    rows = [Short(row.sku, row.name, row.on_hand, row.min_stock) for row in page.items]
    return sorted(rows, key=lambda row: (row.on_hand - row.min_stock, row.sku))[:limit]


def backup_line(status: dict | None) -> BackupLine:
    """The backups section from app.backups.status.latest(): only a verified run within the last day is good news.

    `status["state"]` is ok, failed, overdue (nothing succeeded for 26 hours), off or no_key; `last_run` the
    latest finished run ({finished_at, status, verified, size, message}) or None.
    """
    if not status:
        return BackupLine(False, "none")
    run = status.get("last_run") or {}
    state = status.get("state")
    if state == "overdue" and not run:
        state = "none"
    return BackupLine(state == "ok" and bool(run.get("verified")), state, run.get("finished_at"), run.get("size"),
                      bool(run.get("verified")), str(run.get("message") or ""))


def build(period: Period, as_of: date, backup_status: dict | None = None, with_backups: bool = False) -> Digest:
    """Every figure of the summary for `period` (overdue and stock as of `as_of`)."""
    return Digest(period, as_of, dashboard.sales(period), slips(period), slips(period.previous()),
                  money.cash_by_method(period).totals.total_received, dashboard.overdue_receivables(as_of),
                  debtors(as_of), dashboard.below_minimum(), short(),
                  backup_line(backup_status) if with_backups else None)
