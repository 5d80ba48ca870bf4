"""The books' statements: 利润表, 资产负债表, 科目余额表, 总账, 明细账 and the owner's cash view.

Owner and finance only. Each screen answers ?format=xlsx and ?format=pdf from the same route and filters; a bad
filter shows on the screen with status 422 (the export refuses it).
"""
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _

from app.auth.access import may
from app.auth.roles import BOOKS, allow
from app.books import cashbook, ledgers, statements
from app.books.statement_sheets import (account_ledger_rows, balance_sheet_rows, cash_rows, general_ledger_rows,
                               income_rows, trial_rows)
from app.books.models import Account
from app.books.months import GRAINS, months_from_args
from app.books.routes import bp
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import page_arg
from app.reports.export import xlsx_response
from app.reports.printing import report_pdf
from app.web import render


def link(endpoint: str, **args) -> str | None:
    """The URL of `endpoint` if it exists (some screens are built beside these) and the user may open it."""
    return url_for(endpoint, **args) if endpoint in current_app.view_functions and may(endpoint) else None


@bp.context_processor
def _links():
    return {"books_link": link}


def _months(default: str = "month"):
    """The months asked for, and the message when they could not be read (then this month)."""
    try:
        return months_from_args(request.args, default), None
    except BusinessRuleError as error:
        if request.args.get("format") in ("xlsx", "pdf"):
            raise
        return months_from_args({}, default), str(error.message)


def _answer(name: str, template: str, title: str, months, error, rows, **context):
    """The screen, or its .xlsx (`rows`: (columns, row dicts), made only when asked) or PDF."""
    filename = f"{name}-{months.first}-{months.last}"
    if request.args.get("format") == "xlsx":
        columns, cells = rows()
        return xlsx_response(filename, f"{title} {months.label}", columns, cells)
    context.update(title=title, months=months, grains=GRAINS)
    if request.args.get("format") == "pdf":
        return report_pdf(filename, f"books/{template}_print.html", filters=[months.label], **context)
    return render(f"books/{template}.html", filter_error=error, status=422 if error else 200, **context)


@bp.route("/income-statement", endpoint="income_statement")
@allow(BOOKS)
def income_statement():
    """利润表 for a month, quarter or year, beside the period before (and the year to date)."""
    months, error = _months()
    report = statements.income_statement(months)
    return _answer("income-statement", "statement_income", _("Income statement"), months, error,
                   lambda: income_rows(report), report=report)


@bp.route("/balance-sheet", endpoint="balance_sheet")
@allow(BOOKS)
def balance_sheet():
    """资产负债表 at the end of a month, quarter or year, beside the end of the period before."""
    months, error = _months()
    report = statements.balance_sheet(months)
    return _answer("balance-sheet", "statement_balance", _("Balance sheet"), months, error,
                   lambda: balance_sheet_rows(report), report=report)


@bp.route("/trial-balance", endpoint="trial_balance")
@allow(BOOKS)
def trial_balance():
    """科目余额表: every account's opening balance, debits, credits and closing balance; first level only on ask."""
    months, error = _months()
    rows = ledgers.trial_balance(months.first, months.last)
    first_level = request.args.get("level") == "1"
    shown = [row for row in rows if (row.opening or row.debit or row.credit)
             and (not first_level or row.account.parent_code is None)]
    return _answer("trial-balance", "ledger_trial", _("Trial balance"), months, error,
                   lambda: trial_rows(shown, ledgers.trial_totals(rows)), accounts=shown,
                   totals=ledgers.trial_totals(rows), first_level=first_level)


@bp.route("/general-ledger", endpoint="general_ledger")
@allow(BOOKS)
def general_ledger():
    """总账: each first-level account's opening balance, each month's debits and credits, and its balance."""
    months, error = _months("year")
    code = (request.args.get("code") or "").strip()[:20] or None
    accounts = ledgers.general_ledger(months.periods(), code)
    return _answer("general-ledger", "ledger_general", _("General ledger"), months, error,
                   lambda: general_ledger_rows(accounts), accounts=accounts, code=code)


@bp.route("/accounts/<int:account_id>/ledger", endpoint="account_ledger")
@allow(BOOKS)
def account_ledger(account_id):
    """明细账: one account's voucher lines in the months, with the running balance; each opens its voucher."""
    account = db.session.get(Account, account_id) or abort(404)
    months, error = _months()
    page = page_arg(request.args)
    # The spreadsheet holds the whole months; paper their first lines (it says when there are more).
    per_page = {"xlsx": ledgers.EXPORT_LINES, "pdf": ledgers.PRINT_LINES}.get(request.args.get("format"))
    ledger = ledgers.account_ledger(account, months.start, months.end, 1 if per_page else page,
                                    per_page or ledgers.LEDGER_PAGE)
    named = f"{account.code} {account.name}"
    title = _("Ledger of %(account)s", account=named)
    return _answer(f"ledger-{account.code}", "ledger_account", title, months, error,
                   lambda: account_ledger_rows(ledger), ledger=ledger, account=account)


@bp.route("/cash", endpoint="cash")
@allow(BOOKS)
def cash():
    """Money in and out of each money account, where it came from and went, and the cash at the end."""
    months, error = _months()
    report = cashbook.cash(months.first, months.last, months.start, months.end)
    return _answer("cash", "statement_cash", _("Cash in and out"), months, error, lambda: cash_rows(report),
                   report=report)
