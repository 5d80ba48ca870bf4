"""Barcode labels (PDF), the product list as Excel, and the old address of the product import."""
from flask import Response, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from app.auth.roles import EVERYONE, PRODUCT_IMPORTERS, Role, allow, sees_sale_price
from app.catalog import export, labels
from app.catalog.routes import bp
from app.catalog import services as catalog
from app.catalog.models import Product
from app.db_types import utcnow
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import apply_error
from app.limits import parse_int
from app.web import render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEARCH_RESULTS = 20
MAX_LINES = 200


class LabelForm(FlaskForm):
    size = SelectField(_l("Label size"), choices=lambda: [SelectChoice(s.key, s.title) for s in labels.SIZES.values()])
    show_price = BooleanField(_l("Print the sale price"), default=True)


# --- labels ----------------------------------------------------------------------------------------

@bp.route("/products/labels", methods=["GET", "POST"], endpoint="labels")
@allow(Role.OWNER, Role.PURCHASING, Role.WAREHOUSE)
def labels_page():
    """Pick products and copies (search, or ?product_id=&qty= links), a label size; POST answers the PDF."""
    form = LabelForm(size=session.get("label_size", labels.DEFAULT_SIZE))
    lines = _chosen_lines(request.form if request.method == "POST" else request.args)
    missing = []
    if form.validate_on_submit():
        session["label_size"] = form.size.data
        try:
            pdf = labels.labels_pdf(lines, form.size.data, sees_sale_price(g.user) and form.show_price.data)
        except BusinessRuleError as error:
            apply_error(form, error)
            missing = getattr(error, "products", [])
        else:
            return pdf_response(pdf, "labels.pdf")
    q = request.args.get("q", "").strip()[:100]
    chosen = {product.id for product, _qty in lines}
    results = db.session.scalars(catalog.search(select(Product), q).where(Product.active, Product.id.not_in(chosen))
                                 .order_by(Product.name, Product.id).limit(SEARCH_RESULTS)).all() if q else []
    return render("catalog/labels.html", "catalog/labels_picker.html", form=form, lines=lines, results=results,
                  q=q, missing=missing, can_price=sees_sale_price(g.user), status=422 if form.errors else 200)


def _chosen_lines(values) -> list[tuple[Product, int]]:
    """(product, copies) from the repeated product_id / qty pairs; a missing qty means 1, 0 drops the line."""
    ids, quantities = values.getlist("product_id"), values.getlist("qty")
    wanted: dict[int, int] = {}
    for index, raw_id in enumerate(ids[:MAX_LINES]):
        raw_qty = quantities[index] if index < len(quantities) else "1"
        try:
            product_id, qty = parse_int(raw_id, 1), parse_int(raw_qty or "0")
        except ValueError:
            continue
        if qty > 0:
            wanted[product_id] = min(wanted.get(product_id, 0) + qty, labels.MAX_PER_LINE)
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(wanted)))} if wanted else {}
    return [(products[i], qty) for i, qty in wanted.items() if i in products]


# --- import (moved to app/imports: one flow for every kind) ------------------------------------------

@bp.route("/products/import", methods=["GET", "POST"])
@allow(PRODUCT_IMPORTERS)
def import_products():
    """The product import now lives at /imports/products; 308 keeps a POST a POST."""
    return redirect(url_for("imports.kind", name="products"), 308)


@bp.route("/products/import/template")
@allow(PRODUCT_IMPORTERS)
def import_template():
    """The product import template, now made by the import framework."""
    return redirect(url_for("imports.template", name="products"), 308)


# --- export ----------------------------------------------------------------------------------------

@bp.route("/products/export")
@allow(EVERYONE)
def export_products():
    """The product list as filtered on screen (q, category, status or active, low) as .xlsx; prices by role."""
    args = request.args
    status = args.get("status") or {"1": "active", "0": "inactive", "all": "all"}.get(args.get("active", ""), "active")
    category_id = args.get("category_id", type=int) or args.get("category", type=int)
    query = export.product_query(args.get("q", "").strip()[:100], category_id, status, args.get("low") == "1")
    stamp = to_user_timezone(utcnow()).strftime("%Y%m%d-%H%M")
    return _xlsx(export.products_xlsx(g.user, query), f"products-{stamp}.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                  "Cache-Control": "no-store"})
