"""The books' screens (账务): the hub, the chart of accounts, vouchers, the posting rules and closing months. The
statements are in report_routes, the bridge to finance software in export_routes, beside this one."""
from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.access import may
from app.auth.roles import BOOKS, allow
from app.books import accounts, chart, periods, posting, vouchers
from app.books.forms import NameForm, ReopenForm, VoucherForm
from app.books.rules import FIGURE_LABELS, NOT_POSTED, ROLE_LABELS, RULES
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.forms import apply_error, form_write, new_key, refuse, refused
from app.paging import page_number, read_page
from app.web import list_url, render

bp = Blueprint("books", __name__, url_prefix="/books")

PER_PAGE = 30


@bp.app_template_global()
def books_voucher(source: str, document_id):
    """The voucher of a document, for the link on its screen: only for those who see the books (others get None
    without a query, so nothing of the books reaches their pages)."""
    user = g.get("user")
    if user is None or user.role not in BOOKS or document_id is None:
        return None
    return posting.voucher_of(source, document_id)


@bp.route("/")
@allow(BOOKS)
def index():
    """The books' hub: every screen of the books the user may open."""
    return render("books/index.html", views=current_app.view_functions)


# ---- the chart of accounts ------------------------------------------------------------------------------------------

@bp.route("/accounts", endpoint="accounts")
@allow(BOOKS)
def accounts_index():
    """The chart of accounts by class, with what posts to each account and its balance."""
    return render("books/accounts.html", groups=accounts.tree())


def _account_page(account, name_form=None, sub_form=None, status=200):
    return render("books/account.html", account=account, leaf=accounts.is_leaf(account),
                  lines=accounts.line_count(account), uses=accounts.uses(account),
                  refusals=accounts.deletion_refusals(account), balance=accounts.balance(account),
                  name_form=name_form or NameForm(formdata=None, name=account.name),
                  sub_form=sub_form or NameForm(formdata=None, idempotency_key=new_key()),
                  next_code=_next_code(account), max_level=accounts.MAX_LEVEL, status=status,
                  ledger_url=_url_if_may("books.account_ledger", account_id=account.id))


def _url_if_may(endpoint: str, **args) -> str | None:
    """The address of another helper's screen, when it exists and the user may open it."""
    if endpoint not in current_app.view_functions or not may(endpoint):
        return None
    return url_for(endpoint, **args)


def _next_code(account) -> str | None:
    try:
        return accounts.next_code(account) if account.level < accounts.MAX_LEVEL else None
    except BusinessRuleError:
        return None


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def account(account_id):
    """One account: rename it, add a sub-account, deactivate or delete it."""
    found = accounts.get(account_id) or abort(404)
    form = NameForm()
    if form.validate_on_submit():
        try:
            accounts.rename(g.user, found, form.name.data)
        except BusinessRuleError as error:
            refuse(form, error)
            return _account_page(accounts.get(account_id), name_form=form, status=422)
        flash(_("Saved."), "success")
        return redirect(url_for("books.account", account_id=account_id))
    return _account_page(found, name_form=form if request.method == "POST" else None,
                         status=422 if request.method == "POST" else 200)


@bp.route("/accounts/<int:account_id>/sub-accounts", methods=["POST"])
@allow(BOOKS)
@form_write
def account_sub(account_id):
    """Add a sub-account (code: the parent's and the next two digits)."""
    parent = accounts.get(account_id) or abort(404)
    form = NameForm()
    if form.validate_on_submit():
        try:
            child = accounts.add_sub_account(g.user, parent, form.name.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("%(account)s was added.", account=str(child)), "success")
            return redirect(url_for("books.account", account_id=child.id))
    return _account_page(accounts.get(account_id), sub_form=form, status=422)


@bp.route("/accounts/<int:account_id>/active", methods=["POST"])
@allow(BOOKS)
@form_write
def account_active(account_id):
    """Deactivate an account (and its sub-accounts) or reactivate it."""
    found = accounts.get(account_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(g.user, found, active)
    except BusinessRuleError as error:
        refuse(None, error)
    else:
        flash(_("%(account)s is active again.", account=str(found)) if active
              else _("%(account)s is inactive: no new vouchers by hand.", account=str(found)), "success")
    return redirect(url_for("books.account", account_id=account_id), 303)


@bp.route("/accounts/<int:account_id>/delete", methods=["POST"])
@allow(BOOKS)
@form_write
def account_delete(account_id):
    """Delete an account nothing uses; otherwise say why not."""
    found = accounts.get(account_id) or abort(404)
    label = str(found)
    try:
        accounts.delete(g.user, found)
    except BusinessRuleError as error:
        refuse(None, error)
        return redirect(url_for("books.account", account_id=account_id), 303)
    flash(_("%(account)s was deleted.", account=label), "success")
    return redirect(url_for("books.accounts"), 303)


# ---- vouchers -------------------------------------------------------------------------------------------------------

@bp.route("/vouchers", endpoint="vouchers")
@allow(BOOKS)
def vouchers_index():
    """A month's vouchers, newest first; searched by number, memo or document number."""
    month, text = vouchers.month_of(request.args.get("month")), request.args.get("q", "").strip()[:100]
    page = read_page(vouchers.search(month, text), page_number(), PER_PAGE, scalars=True)
    return render("books/vouchers.html", "books/_vouchers.html" if page.page == 1 else "books/_voucher_rows.html",
                  page=page, month=month, months=vouchers.months(), text=text, list_url=list_url("books.vouchers"),
                  closed=vouchers.is_closed(month))


def document_url(voucher) -> str | None:
    """The voucher's document screen, when there is one and the user may open it."""
    target = vouchers.document_target(voucher)
    return _url_if_may(target[0], **target[1]) if target else None


@bp.route("/vouchers/<int:voucher_id>")
@allow(BOOKS)
def voucher_show(voucher_id):
    """A voucher: its lines and totals, who made it and when, and its document."""
    voucher = vouchers.get(voucher_id) or abort(404)
    title = RULES[voucher.source_type].title if voucher.source_type in RULES else _("Entered by hand")
    return render("books/voucher.html", voucher=voucher, document_url=document_url(voucher), source_title=title)


@bp.route("/vouchers/new", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def voucher_new():
    """Enter a voucher by hand: a date in an open month, a memo and balanced lines on leaf accounts."""
    form = VoucherForm(idempotency_key=new_key(), booked_on=business_today().isoformat())
    adding = request.method == "POST" and bool(request.form.get("add_line"))
    if adding:
        if len(form.lines) < form.lines.max_entries:
            form.lines.append_entry()
    elif form.validate_on_submit():
        try:
            voucher = vouchers.create_manual(g.user, form.booked_on.data, form.memo.data, form.typed_lines())
        except BusinessRuleError as error:
            refused()
            _show_error(form, error)
        else:
            flash(_("Voucher %(number)s was posted.", number=voucher.number), "success")
            return redirect(url_for("books.voucher_show", voucher_id=voucher.id))
    return render("books/voucher_new.html", form=form, choices=vouchers.postable(),
                  status=422 if request.method == "POST" and not adding else 200)


def _show_error(form, error: BusinessRuleError) -> None:
    """A refusal on the field it names: the form's own, a line's (lines-2-debit), or the form as a whole."""
    prefix, _sep, rest = (error.field or "").partition("-")
    index, _sep, name = rest.partition("-")
    if prefix == "lines" and index.isdigit() and int(index) < len(form.lines):
        field = getattr(form.lines[int(index)].form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [str(error.message)]
            return
    if error.field == "lines":
        form.form_errors.append(str(error.message))
    else:
        apply_error(form, error)


# ---- the posting rules ----------------------------------------------------------------------------------------------

@bp.route("/rules")
@allow(BOOKS)
def rules():
    """Which accounts each document posts to (read-only): the one table the posting function reads."""
    by_role = chart.by_role()

    def side(name):
        account = by_role.get(name)
        return {"account": account, "label": ROLE_LABELS.get(name, name)}

    table = [{"rule": rule, "entries": [{"debit": side(entry.debit), "credit": side(entry.credit),
                                         "figure": FIGURE_LABELS.get(entry.figure, entry.figure)}
                                        for entry in rule.entries]} for rule in RULES.values()]
    return render("books/rules.html", table=table, not_posted=NOT_POSTED)


# ---- closing months -------------------------------------------------------------------------------------------------

@bp.route("/periods", endpoint="periods")
@allow(BOOKS)
def periods_index(reopen_form=None, status=200):
    """The months with vouchers, closed or open; close the next, reopen the latest closed."""
    following = periods.first_open_with_vouchers()
    this_month = posting.period_of(business_today())
    closable = following if following is not None and following <= this_month else None
    latest = periods.latest_closed()
    return render("books/periods.html", months=vouchers.month_rows(), closable=closable, latest=latest,
                  pending=accounts.stock_differences(closable) if closable else None,
                  reopen_form=reopen_form or ReopenForm(formdata=None, period=latest), close_key=new_key(),
                  status=status)


@bp.route("/periods/close", methods=["POST"])
@allow(BOOKS)
@form_write
def period_close():
    """Close a month: nothing can be dated in it afterwards."""
    period = request.form.get("period", "")
    try:
        closed = periods.close(g.user, period)
    except BusinessRuleError as error:
        refuse(None, error)
    else:
        flash(_("%(month)s is closed.", month=closed.period), "success")
    return redirect(url_for("books.periods"), 303)


@bp.route("/periods/reopen", methods=["POST"])
@allow(BOOKS)
@form_write
def period_reopen():
    """Reopen the latest closed month, saying why."""
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            periods.reopen(g.user, form.period.data, form.reason.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("%(month)s is open again.", month=form.period.data), "success")
            return redirect(url_for("books.periods"), 303)
    return periods_index(reopen_form=form, status=422)
