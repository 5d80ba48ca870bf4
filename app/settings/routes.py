"""Company settings, edited by the owner."""
from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from app.auth.roles import EVERYONE, Role, allow
from app.errors import BusinessRuleError
from app.forms import form_write, refuse
from app.settings.forms import CompanyForm
from app.settings.services import company, update_company
from app.setup import checklist
from app.web import render

bp = Blueprint("settings", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def edit():
    """Company name, address, tax number, bank, logo, currency, tax rate, time zone, fiscal year, sales limits,
    printing (seal, paper)."""
    settings = company()
    form = CompanyForm(obj=settings)
    offers = checklist.for_settings()
    if offers["timezone_locked"]:
        form.timezone.render_kw = {"disabled": True}  # not sent, so the stored zone stays
    if form.validate_on_submit():
        values = form.profile_values() | {name: form[name].data for name in (
            "max_sales_discount_pct", "receipt_tolerance_pct", "auto_reorder", "allow_negative_stock", "remove_logo")
        } | form.printing_values()
        try:
            update_company(g.user, values)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("settings.edit"))
    return render("settings/edit.html", form=form, settings=settings, checklist=offers,
                  status=422 if form.errors else 200)


@bp.route("/settings/logo.png")
@allow(EVERYONE)
def logo():
    """The company logo, as stored (already resized to a PNG)."""
    data = company().logo_png or abort(404)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/settings/seal.png")
@allow(Role.OWNER)
def seal():
    """The company seal, as stored (resized, the paper around it transparent): the owner's preview."""
    data = company().seal_png or abort(404)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, no-cache"})
