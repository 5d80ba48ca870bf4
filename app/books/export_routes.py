"""Vouchers out to the bookkeeper: 金蝶 and 用友 voucher imports (.xlsx) and beancount, and the account mapping."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import BOOKS, allow
from app.books import chart, mapping
from app.books import export as exports
from app.books.posting import period_of
from app.books.routes import bp
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.forms import form_write, refused
from app.web import render


@bp.route("/export")
@allow(BOOKS)
def export():
    """A period's vouchers as a download (with `format`), else the form that asks for one."""
    this_month = period_of(business_today())
    chosen = {"from": request.args.get("from", this_month), "to": request.args.get("to", this_month),
              "format": request.args.get("format", "")}
    error = None
    if chosen["format"]:
        try:
            content, filename, mimetype = exports.export(chosen["format"], exports.months(chosen["from"], chosen["to"]))
        except BusinessRuleError as refusal:
            error = refusal
        else:
            return exports.attachment(content, filename, mimetype)
    return render("books/export.html", chosen=chosen, error=error, targets=mapping.TARGETS,
                  status=422 if error else 200)


@bp.route("/export/mapping", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def export_mapping():
    """Our accounts' codes in 金蝶 or 用友 (`target`; blank: the same as ours)."""
    target = request.args.get("target", "kingdee")
    if target not in mapping.TARGETS:
        abort(404)
    accounts = chart.leaves()
    error = None
    if request.method == "POST":
        try:
            mapping.save(target, {account.id: request.form.get(f"code-{account.id}", "") for account in accounts})
        except BusinessRuleError as refusal:
            refused()
            error = refusal
        else:
            flash(_("Account codes saved."), "success")
            return redirect(url_for("books.export_mapping", target=target))
    codes = mapping.codes(target)
    shown = {account.id: (request.form.get(f"code-{account.id}", "") if error else codes.get(account.id, ""))
             for account in accounts}
    return render("books/export_mapping.html", target=target, label=mapping.TARGETS[target], accounts=accounts,
                  shown=shown, error=error, status=422 if error else 200)
