"""Report screens: money. Receivables and payables aging, customer statements (对账单), cash by method.

Owner and finance only. Each screen answers ?format=xlsx and ?format=pdf from the same route and filters.
"""
from datetime import date

from flask import abort, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.roles import MONEY_REPORT_READERS, allow
from app.db_types import business_today
from app.documents import pdf_response, render_pdf
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import PaymentMethod
from app.formatting import date_
from app.formatting import money as money_text
from app.limits import parse_date
from app.partners.models import Customer, Supplier
from app.reports import money
from app.reports.export import xlsx_response
from app.reports.periods import period_from_args, preset
from app.reports.printing import report_pdf
from app.reports.routes import bp
from app.search import narrow
from app.trade import balances as owed
from app.web import render

MONEY_REPORTS = MONEY_REPORT_READERS
CUSTOMERS_SHOWN = 50
AGING_ROWS_SHOWN = 100  # the largest; the rest are one summed row on screen and paper (the spreadsheet has all)


def _filters(read):
    """Run `read` (which parses the query string); a bad filter is shown on the screen with status 422."""
    try:
        return read(), None
    except BusinessRuleError as error:
        if request.args.get("format") in ("xlsx", "pdf"):
            raise
        return None, str(error.message)


def _as_of() -> date:
    text = (request.args.get("as_of") or "").strip()
    if not text:
        return business_today()
    day = parse_date(text, "as_of")
    if day > business_today():
        raise BusinessRuleError(_("Choose a date no later than today."), field="as_of")
    return day


# Aging ----------------------------------------------------------------------------------------------

def _aging_columns(partner_label) -> list[tuple[str, str]]:
    return [("name", str(partner_label))] + [(key, str(label)) for key, label, *_ in money.BUCKETS] + [
        ("total", _("Total"))]


def _aging_page(side: str, report, open_invoices):
    """The aging screen, spreadsheet or PDF of one side of the books; drills into one partner's open invoices."""
    as_of, error = _filters(_as_of)
    as_of = as_of or business_today()
    partner_id = request.args.get("partner_id", type=int)
    aging = report(as_of, partner_id)
    receivable = side == "receivables"
    title = _("Receivables aging") if receivable else _("Payables aging")
    partner_label = _("Customer") if receivable else _("Supplier")
    partner = db.session.get(Customer if receivable else Supplier, partner_id) if partner_id else None
    if partner_id and partner is None:
        abort(404)
    invoices = open_invoices(partner_id, as_of) if partner else []
    filename = f"{side}-aging-{as_of.isoformat()}"
    if request.args.get("format") == "xlsx":
        return xlsx_response(filename, f"{title} {as_of.isoformat()}", _aging_columns(partner_label),
                             [row.as_dict() for row in aging.rows] + [{"name": _("Total"), **aging.totals.amounts,
                                                                       "total": aging.totals.total}])
    shown, others, others_count = aging.head(AGING_ROWS_SHOWN)
    context = dict(title=title, aging=aging, shown=shown, others=others, others_count=others_count, as_of=as_of,
                   side=side, partner=partner, partner_label=partner_label, invoices=invoices, buckets=money.BUCKETS,
                   bars=[(str(label), aging.totals.amounts[key], money_text(aging.totals.amounts[key]))
                         for key, label, *_ in money.BUCKETS])
    if request.args.get("format") == "pdf":
        return report_pdf(filename, "reports/money_aging_print.html",
                          filters=[_("As of %(date)s", date=date_(as_of))] + ([partner.name] if partner else []),
                          **context)
    return render("reports/money_aging.html", filter_error=error, status=422 if error else 200, **context)


@bp.route("/receivables", endpoint="receivables_aging")
@allow(MONEY_REPORTS)
def receivables_aging():
    """What customers owe as of a date: current, 1-30, 31-60, 61-90 and over 90 days past due."""
    return _aging_page("receivables", money.receivables_aging, money.open_invoices_as_of)


@bp.route("/payables", endpoint="payables_aging")
@allow(MONEY_REPORTS)
def payables_aging():
    """What we owe suppliers as of a date, by how long past due."""
    return _aging_page("payables", money.payables_aging, money.open_purchase_invoices_as_of)


# Customer statements --------------------------------------------------------------------------------

@bp.route("/statements", endpoint="statements")
@allow(MONEY_REPORTS)
def statements():
    """Pick a customer for a statement: searched by name, with what each owes."""
    text = request.args.get("q", "")
    customers = db.session.scalars(narrow(select(Customer), Customer.search_text, text)
                                   .order_by(Customer.name, Customer.id).limit(CUSTOMERS_SHOWN)).all()
    return render("reports/money_statements.html", "reports/money_customers.html", customers=customers,
                  balances=owed.customer_balances(c.id for c in customers), text=text, period=preset("month"))


def _statement_columns() -> list[tuple[str, str]]:
    return [("day", _("Date")), ("kind", _("Document")), ("number", _("Number")), ("note", _("Notes")),
            ("debit", _("Charged")), ("credit", _("Paid or credited")), ("balance", _("Running balance"))]


@bp.route("/customers/<int:customer_id>/statement", endpoint="statement")
@allow(MONEY_REPORTS)
def statement(customer_id):
    """One customer's 对账单 for a period: opening balance, each document with the running balance, closing."""
    customer = db.session.get(Customer, customer_id) or abort(404)
    period, error = _filters(lambda: period_from_args(request.args, default="month"))
    period = period or preset("month")
    report = money.statement(customer, period)
    filename = f"statement-{customer.id}-{period.start.isoformat()}-{period.end.isoformat()}"
    if request.args.get("format") == "xlsx":
        rows = ([{"kind": _("Opening balance"), "balance": report.opening}]
                + [{"day": e.day, "kind": str(e.label), "number": e.number, "note": _note(e), "debit": e.debit or None,
                    "credit": e.credit or None, "balance": e.balance} for e in report.entries]
                + [{"kind": _("Closing balance"), "debit": report.debits, "credit": report.credits,
                    "balance": report.closing}])
        return xlsx_response(filename, f"{_('Statement')} {customer.name}", _statement_columns(), rows)
    if request.args.get("format") == "pdf":
        return pdf_response(render_pdf("documents/statement.html", report=report, customer=customer,
                                       printed_on=business_today(), note=_note), filename + ".pdf")
    return render("reports/money_statement.html", report=report, customer=customer, period=period, note=_note,
                  filter_error=error, status=422 if error else 200,
                  back=(url_for("partners.show", customer_id=customer.id), customer.name))


def _note(entry: money.Entry) -> str:
    """What the statement says beside a document: an invoice's due date, a receipt's method, a return's reason."""
    if not entry.due_on:
        return entry.note
    due = _("Due %(date)s", date=date_(entry.due_on))
    return f"{entry.note} · {due}" if entry.kind == money.OPENING and entry.note else due  # the old document's number


# Cash -----------------------------------------------------------------------------------------------

def _period_and_grain():
    period = period_from_args(request.args, default="month")
    grain = request.args.get("grain") or money.default_grain(period)
    if grain not in money.GRAINS:
        raise BusinessRuleError(_("Choose by day, week or month."), field="grain")
    if grain == "day" and period.days > money.MAX_DAYS_BY_DAY:
        raise BusinessRuleError(_("By day shows at most %(n)s days; choose by week or month.",
                                  n=money.MAX_DAYS_BY_DAY), field="grain")
    return period, grain


def _cash_label(row, grain: str) -> str:
    if grain == "day":
        return date_(row.start)
    if grain == "month":
        return format_date(row.start, "yyyy-MM")
    return f"{date_(row.start, 'short')} – {date_(row.end, 'short')}"


def _column_label(row, grain: str) -> str:
    """Short enough to sit under a column: the day or the first day of the week, the month."""
    return date_(row.start, "short") if grain != "month" else format_date(row.start, "yyyy-MM")


@bp.route("/cash", endpoint="cash")
@allow(MONEY_REPORTS)
def cash():
    """Money received and paid per method (cash, bank transfer, WeChat Pay, Alipay) per day, week or month."""
    chosen, error = _filters(_period_and_grain)
    period, grain = chosen or (preset("month"), "day")
    report = money.cash_by_method(period, grain)
    methods = money.METHODS
    filename = f"cash-{period.start.isoformat()}-{period.end.isoformat()}"
    if request.args.get("format") == "xlsx":
        columns = ([("label", _("Period"))] + [(f"in_{m}", f"{_('Money in')} {m.label}") for m in methods]
                   + [("in", _("Money in")), ("out", _("Money out")), ("net", _("Net"))]
                   + [(f"out_{m}", f"{_('Money out')} {m.label}") for m in methods])
        rows = [_cash_cells(_cash_label(row, grain), row) for row in report.rows]
        return xlsx_response(filename, _("Cash received and paid"), columns,
                             rows + [_cash_cells(_("Total"), report.totals)])
    context = dict(title=_("Cash received and paid"), report=report, period=period, grain=grain, methods=methods,
                   grains=money.GRAINS, label=lambda row: _cash_label(row, grain),
                   columns=[(_column_label(r, grain), r.total_received, r.total_paid) for r in report.rows])
    if request.args.get("format") == "pdf":
        return report_pdf(filename, "reports/money_cash_print.html", filters=[str(money.GRAINS[grain])], **context)
    return render("reports/money_cash.html", filter_error=error, status=422 if error else 200, **context)


def _cash_cells(label: str, row) -> dict:
    cells = {"label": label, "in": row.total_received, "out": row.total_paid, "net": row.net}
    for method in money.METHODS:
        cells[f"in_{method}"], cells[f"out_{method}"] = row.received[method], row.paid[method]
    return cells


@bp.route("/cash/payments", endpoint="cash_payments")
@allow(MONEY_REPORTS)
def cash_payments():
    """The receipts or supplier payments behind one figure of the cash report."""
    period = period_from_args(request.args, default="month")
    received = request.args.get("direction", "in") != "out"
    method_text = request.args.get("method") or None
    if method_text is not None and method_text not in {m.value for m in PaymentMethod}:
        raise BusinessRuleError(_("Choose a payment method."), field="method")
    method = PaymentMethod(method_text) if method_text else None
    payments = money.payments_in(period, received, method, limit=money.PAYMENTS_SHOWN + 1)
    return render("reports/money_payments.html", payments=payments[:money.PAYMENTS_SHOWN],
                  more=len(payments) > money.PAYMENTS_SHOWN, period=period, received=received, method=method)
