"""Bank reconciliation screens (银行对账): upload the bank's statement, match by hand, see the differences."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import BOOKS, allow
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.forms import form_write, refuse, refused
from app.imports.reading import MAX_BYTES
from app.limits import optional_date
from app.money import reconcile
from app.money.forms import MatchForm, StatementForm
from app.money.routes import _account, bp, date_range
from app.web import render


def _page(account, form, status=200):
    found = reconcile.statement_range(account)
    last = found[1] if found else business_today()
    first, last = date_range(found[0] if found else last.replace(day=1), last)
    differences = reconcile.differences(account, first, last)
    return render("money/reconcile.html", account=account, form=form, found=found, differences=differences,
                  candidates=reconcile.candidates(account, differences.not_in_books),
                  status=status)


# The agreed endpoint is money.reconcile; the view is named apart from the module it calls.
@bp.route("/accounts/<int:account_id>/reconcile", methods=["GET", "POST"], endpoint="reconcile")
@allow(BOOKS)
@form_write
def reconcile_view(account_id):
    """The statement beside the books; a POST imports the bank's file and matches what it can."""
    account = _account(account_id)
    form = StatementForm()
    if request.method == "POST":
        upload = form.file.data
        try:
            if not form.validate_on_submit():
                raise BusinessRuleError(_("This form has expired. Please try again."), "file")
            if upload is None or not getattr(upload, "filename", ""):
                raise BusinessRuleError(_("Choose the statement file."), "file")
            done = reconcile.import_statement(account, upload.filename, upload.read(MAX_BYTES + 1))
        except BusinessRuleError as error:
            refuse(form, error)
            return _page(account, form, 422)
        flash(_("%(added)s statement lines added (%(already)s already there, %(skipped)s rows without a date or an "
                "amount skipped); %(matched)s matched to the books.", added=done.added, already=done.already,
                skipped=done.skipped, matched=done.matched), "success")
        return redirect(url_for("money.reconcile", account_id=account.id), 303)
    return _page(account, form)


@bp.route("/accounts/<int:account_id>/reconcile/match", methods=["POST"])
@allow(BOOKS)
@form_write
def reconcile_match(account_id):
    """Match a statement line to a line in the books by hand, or (without one) undo its match."""
    account = _account(account_id)
    form = MatchForm()
    try:
        if not form.validate_on_submit():
            raise BusinessRuleError(_("Choose a line in the books to match."), "voucher_line_id")
        if form.voucher_line_id.data:
            reconcile.match(account, form.line_id.data, form.voucher_line_id.data)
            flash(_("Matched."), "success")
        else:
            reconcile.unmatch(account, form.line_id.data)
            flash(_("The match was undone."), "success")
    except BusinessRuleError as error:
        refused()
        flash(str(error.message), "error")
    kept = {name: request.form.get(name) for name in ("from", "to") if request.form.get(name)}  # the range shown
    return redirect(url_for("money.reconcile", account_id=account.id, **kept), 303)


@bp.route("/accounts/<int:account_id>/reconcile/remove", methods=["POST"])
@allow(BOOKS)
@form_write
def reconcile_remove(account_id):
    """Delete the statement lines of the dates shown (a wrong file imported); the books stay as they are."""
    account = _account(account_id)
    first, last = (optional_date(request.form.get(name)) for name in ("from", "to"))
    if first is None or last is None or first > last:
        flash(_("Enter a date as YYYY-MM-DD."), "error")
        refused()
    else:
        flash(_("%(count)s statement lines were removed.", count=reconcile.remove(account, first, last)), "success")
    return redirect(url_for("money.reconcile", account_id=account.id), 303)
