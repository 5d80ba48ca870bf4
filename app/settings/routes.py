"""Company settings, edited by the owner."""
from flask import Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from app.auth.roles import EVERYONE, Role, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import apply_error
from app.settings import bp
from app.settings.forms import CompanyForm
from app.settings.services import company, update_company
from app.web import render


@bp.route("/settings", methods=["GET", "POST"])
@allow(Role.OWNER)
def edit():
    """Company name, address, tax number, logo, currency, tax rate, sales discount limit, negative stock."""
    settings = company()
    form = CompanyForm(obj=settings)
    if form.validate_on_submit():
        values = {name: form[name].data for name in (
            "name", "address", "phone", "tax_number", "currency", "default_tax_rate",
            "max_sales_discount_pct", "receipt_tolerance_pct", "auto_reorder", "allow_negative_stock", "remove_logo")}
        values["logo"] = form.logo.data.read() if form.logo.data else None
        try:
            update_company(g.user, values)
        except BusinessRuleError as error:
            apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("settings.edit"))
    return render("settings/edit.html", form=form, settings=settings, status=422 if form.errors else 200)


@bp.route("/settings/logo.png")
@allow(EVERYONE)
def logo():
    """The company logo, as stored (already resized to a PNG)."""
    data = company().logo_png or abort(404)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})
