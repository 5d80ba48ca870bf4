"""Barcode labels (PDF), Excel/CSV import of products with opening stock, and the product list as Excel."""
from flask import Response, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from app import idempotency
from app.auth.roles import EVERYONE, Role, allow, sees_sale_price
from app.catalog import bp, export, importer, labels
from app.catalog import services as catalog
from app.catalog.models import Product
from app.db_types import utcnow
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import apply_error, new_key
from app.inventory.models import Warehouse
from app.inventory.services import active_warehouse, default_warehouse
from app.limits import parse_int
from app.web import render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTERS = (Role.OWNER, Role.PURCHASING)
SEARCH_RESULTS = 20
MAX_LINES = 200


class LabelForm(FlaskForm):
    size = SelectField(_l("Label size"), choices=lambda: [SelectChoice(s.key, s.title) for s in labels.SIZES.values()])
    show_price = BooleanField(_l("Print the sale price"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv, up to 2 MB)"),
                     render_kw={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                                          "text/csv"})
    warehouse_id = SelectField(_l("Warehouse for the opening stock"), coerce=int)
    create_categories = BooleanField(_l("Create missing categories"))
    upload = HiddenField()  # the previewed file, signed (importer.sign_file)
    idempotency_key = HiddenField()


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


# --- import ----------------------------------------------------------------------------------------

@bp.route("/products/import", methods=["GET", "POST"])
@allow(*IMPORTERS)
def import_products():
    """Upload a spreadsheet, see every row checked, confirm: all rows are imported, or none."""
    form = _import_form()
    if not form.validate_on_submit():
        return render("catalog/import.html", form=form, status=422 if form.errors else 200)
    confirm = request.form.get("action") == "confirm"
    key = form.idempotency_key.data or new_key()
    if confirm and (record := idempotency.previous(g.user.id, key)):
        return redirect(record.location, 303)
    try:
        filename, data = _uploaded_file(form)
        warehouse = active_warehouse(form.warehouse_id.data) if form.warehouse_id.data else None
    except BusinessRuleError as error:
        apply_error(form, error)
        return render("catalog/import.html", form=form, status=400 if error.problem == "bad-request" else 422)
    checked = importer.preview(filename, data, warehouse, form.create_categories.data)
    if confirm and checked.ok:
        try:
            products, number = importer.write(g.user, checked, warehouse)
        except importer.ImportFailed as error:
            db.session.rollback()
            checked.problems = error.problems
        else:
            return _imported(key, len(products), number)
    form.upload.data = importer.sign_file(filename, data)
    return render("catalog/import_preview.html", form=form, preview=checked,
                  status=422 if checked.problems else 200)


def _import_form() -> ImportForm:
    warehouse = default_warehouse()
    form = ImportForm(idempotency_key=new_key(), warehouse_id=warehouse.id if warehouse else 0)
    active = db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.name)).all()
    form.warehouse_id.choices = [(0, _("No opening stock"))] + [(w.id, w.name) for w in active]
    return form


def _uploaded_file(form: ImportForm) -> tuple[str, bytes]:
    """The file just uploaded, or the previewed one carried back signed."""
    upload = form.file.data
    if upload and upload.filename:
        data = upload.read(importer.MAX_BYTES + 1)
        importer.check_size(data)
        return upload.filename, data
    if form.upload.data:
        return importer.unsign_file(form.upload.data)
    raise BusinessRuleError(_("Choose a file to upload."), "file")


def _imported(key: str, count: int, number: str | None):
    location = url_for("catalog.import_products")
    idempotency.remember(g.user.id, key, "", 303, location=location)
    if twin := idempotency.commit_once(g.user.id, key):
        return redirect(twin.location, 303)
    if number:
        flash(_("Imported %(count)s products; their opening stock was posted as %(number)s.", count=count,
                number=number), "success")
    else:
        flash(_("Imported %(count)s products.", count=count), "success")
    return redirect(location, 303)


@bp.route("/products/import/template")
@allow(*IMPORTERS)
def import_template():
    """An empty import workbook with every column and instructions."""
    return _xlsx(export.template_xlsx(), "products-import-template.xlsx")


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
