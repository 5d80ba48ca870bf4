"""Money account screens: the accounts and their balances, a statement per account, transfers, reconciliation."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.auth.access import may
from app.auth.roles import BOOKS, allow
from app.books.models import MoneyAccount
from app.books.rules import MANUAL, RULES
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import created, form_write, new_key, refuse
from app.limits import optional_date
from app.money import services
from app.money.forms import AccountForm, TransferForm
from app.web import render

bp = Blueprint("money", __name__, url_prefix="/money")

# Where a voucher's document is shown: (endpoint, the id's argument), for the documents that have a page.
DOCUMENT_PAGES = {"receipt": ("finance.receipt_show", "payment_id"), "expense": ("money.expense_show", "expense_id"),
                  "other_income": ("money.expense_show", "expense_id"),
                  "sales_invoice": ("sales.invoice_show", "invoice_id"),
                  "sales_delivery": ("sales.delivery_show", "delivery_id"),
                  "sales_return": ("sales.return_show", "return_id"),
                  "adjustment": ("inventory.adjustment", "adjustment_id"),
                  "stocktake": ("stocktake.show", "stocktake_id"),
                  "opening_money": ("money.account_edit", "account_id")}


@bp.app_template_global()
def voucher_document(voucher) -> tuple[str, str | None]:
    """(what the voucher's document is called, its page's URL or None) for a statement or ledger line."""
    if voucher.source_type == MANUAL:
        return _("Manual voucher"), None
    rule = RULES.get(voucher.source_type)
    name = " ".join(part for part in (str(rule.title) if rule else voucher.source_type, voucher.source_number) if part)
    page = DOCUMENT_PAGES.get(voucher.source_type)
    if page is None or page[0] not in current_app.view_functions or not may(page[0]):
        return name, None
    return name, url_for(page[0], **{page[1]: voucher.source_id})


@bp.app_template_global()
def voucher_url(voucher) -> str | None:
    """The voucher's own page, once the books have one (another part of the books draws it)."""
    if "books.voucher_show" in current_app.view_functions and may("books.voucher_show"):
        return url_for("books.voucher_show", voucher_id=voucher.id)
    return None


def _account(account_id) -> MoneyAccount:
    return db.session.get(MoneyAccount, account_id) or abort(404)


@bp.route("/")
@allow(BOOKS)
def accounts():
    """Every money account with what the books say it holds, and the total."""
    rows, total = services.with_balances()
    return render("money/accounts.html", rows=rows, total=total)


@bp.route("/accounts/new", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def account_new():
    """Add a money account: its own ledger account, and its opening balance's voucher."""
    form = AccountForm(idempotency_key=new_key(), opened_on=business_today())
    if form.validate_on_submit() and (response := created(
            form, lambda: services.create_account(g.user, form.values()),
            lambda account: (url_for("money.account_show", account_id=account.id),
                             _("Money account %(name)s was added.", name=account.name)))):
        return response
    return render("money/account_form.html", form=form, account=None,
                       status=422 if request.method == "POST" else 200)


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def account_edit(account_id):
    """Change a money account; a changed opening balance restates its voucher."""
    account = _account(account_id)
    form = AccountForm(data={"name": account.name, "kind": account.kind.value, "bank_name": account.bank_name,
                             "account_number": account.account_number, "active": account.active,
                             "opening_balance": f"{account.opening_balance:.2f}", "opened_on": account.opened_on})
    if form.validate_on_submit():
        try:
            services.update_account(g.user, account, {**form.values(), "kind": account.kind})
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("money.account_show", account_id=account.id), 303)
    return render("money/account_form.html", form=form, account=account,
                       status=422 if request.method == "POST" else 200)


def date_range(default_first: date, default_last: date) -> tuple[date, date]:
    """?from= and ?to= (YYYY-MM-DD), else the defaults; swapped when given the wrong way round."""
    first = optional_date(request.args.get("from")) or default_first
    last = optional_date(request.args.get("to")) or default_last
    return (first, last) if first <= last else (last, first)


@bp.route("/accounts/<int:account_id>")
@allow(BOOKS)
def account_show(account_id):
    """The account's statement: its lines in the books for a date range (this month by default), running balance."""
    account = _account(account_id)
    today = business_today()
    first, last = date_range(today.replace(day=1), today)
    return render("money/account_show.html", account=account, first=first, last=last,
                       statement=services.statement(account, first, last))


@bp.route("/transfers")
@allow(BOOKS)
def transfers():
    """Money moved between our accounts, newest first."""
    return render("money/transfers.html", transfers=services.transfers())


@bp.route("/transfers/new", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def transfer_new():
    """Move money between two accounts (cash paid into the bank, a WeChat balance withdrawn)."""
    form = TransferForm(idempotency_key=new_key(), moved_on=business_today(),
                        from_account_id=request.args.get("from_account_id"))
    form.from_account_id.choices = form.to_account_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(i), name) for i, name in services.choices()]
    if form.validate_on_submit() and (response := created(
            form, lambda: services.create_transfer(g.user, form.from_account_id.data, form.to_account_id.data,
                                                   form.amount.data, form.moved_on.data, form.notes.data),
            lambda transfer: (url_for("money.transfers"),
                              _("Transfer %(number)s was recorded.", number=transfer.number)))):
        return response
    return render("money/transfer_new.html", form=form, status=422 if request.method == "POST" else 200)
