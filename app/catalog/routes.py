"""Product screens: the list (search as you type, filters, infinite scroll), the product page, create and
edit, pack units, barcodes (generate, attach, scan), photos and the category tree."""
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.roles import EVERYONE, PRODUCT_EDITORS, PRODUCT_IMPORTERS, allow, sees_cost, sees_sale_price
from app.catalog import barcodes, services
from app.catalog.forms import (BarcodeForm, CategoryForm, GenerateBarcodeForm, PackUnitForm, ProductForm,
                               WarehouseProductForm)
from app.catalog.models import Category, Product
from app.errors import BusinessRuleError
from app.extensions import db, htmx
from app.formatting import plain
from app.forms import form_write, new_key, refuse
from app.paging import page_number, read_page
from app.inventory import queries as inventory_queries
from app.inventory.models import StockLevel, Warehouse
from app.settings.services import company
from app.web import HTMX_VARY, render

bp = Blueprint("catalog", __name__)

EDITORS = PRODUCT_EDITORS
PER_PAGE = 30
MOVES_SHOWN = 20
STATUSES = ("active", "inactive", "all")
CENTS = Decimal("0.01")


def may_edit(user) -> bool:
    return user is not None and user.role in EDITORS


@bp.context_processor
def _abilities():
    user = g.get("user")
    return {"can_edit": may_edit(user), "can_import": user is not None and user.role in PRODUCT_IMPORTERS}


@bp.route("/products")
@allow(EVERYONE)
def index():
    """Products as cards: search as you type (pinyin too), category / low stock / status filters, 30 a page."""
    filters = _filters()
    page = read_page(_list_query(filters), page_number(), PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    next_url = url_for("catalog.index", **args, page=page.page + 1) if page.has_next else None
    return render("catalog/index.html", "catalog/_list.html" if page.page == 1 else "catalog/_cards.html",
                  cards=page.items, page=page.page, next_url=next_url, filters=filters,
                  show_price=sees_sale_price(g.user), categories=services.category_choices,
                  currency=company().currency)


def _filters() -> dict:
    status = request.args.get("status", "active")
    return {"q": request.args.get("q", "").strip()[:100], "category": request.args.get("category", type=int),
            "low": request.args.get("low") == "1", "status": status if status in STATUSES else "active"}


def _list_query(filters):
    """One query: the visible columns of each product and its total on hand across warehouses."""
    totals = (select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("on_hand"))
              .group_by(StockLevel.product_id).subquery())
    on_hand = func.coalesce(totals.c.on_hand, 0)
    columns = [Product.id, Product.sku, Product.name, Product.spec, Product.unit, Product.min_stock, Product.active,
               Product.photo_version, Product.photo.is_not(None).label("has_photo"), on_hand.label("on_hand")]
    if sees_sale_price(g.user):
        columns.append(Product.sale_price)
    query = select(*columns).outerjoin(totals, totals.c.product_id == Product.id)
    query = services.search(query, filters["q"])
    if filters["category"]:
        query = query.where(Product.category_id.in_(_with_descendants(filters["category"])))
    if filters["low"]:
        query = query.where(on_hand < Product.min_stock)
    if filters["status"] != "all":
        query = query.where(Product.active.is_(filters["status"] == "active"))
    return query.order_by(Product.name, Product.id)


def _with_descendants(category_id: int) -> set[int]:
    children = defaultdict(list)
    for child, parent in db.session.execute(select(Category.id, Category.parent_id)):
        children[parent].append(child)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children[current])
    return found


def _product(product_id) -> Product:
    return db.session.get(Product, product_id) or abort(404)


@bp.route("/products/<int:product_id>")
@allow(EVERYONE)
def show(product_id):
    """One product: photo, codes, units, stock per warehouse, the last moves, the prices the viewer may see."""
    return _show(_product(product_id))


def _show(product: Product, unit_form=None, status=200):
    levels = db.session.execute(
        select(Warehouse.name, StockLevel.on_hand, StockLevel.reserved)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(StockLevel.product_id == product.id).order_by(Warehouse.name)).all()
    seen = inventory_queries.moves_query(g.user, product.id).subquery()  # colleagues' documents blank for sales
    moves = db.session.execute(
        select(seen.c.created_at, seen.c.kind, seen.c.qty, seen.c.source_number, Warehouse.name.label("warehouse"))
        .join(Warehouse, Warehouse.id == seen.c.warehouse_id).order_by(seen.c.id.desc()).limit(MOVES_SHOWN)).all()
    on_hand = sum((level.on_hand for level in levels), start=Decimal(0))
    return render("catalog/show.html", product=_view(product), levels=levels, moves=moves, on_hand=on_hand,
                  reserved=sum((level.reserved for level in levels), start=Decimal(0)),
                  prices=_prices(product, on_hand), status=status,
                  unit_form=unit_form or PackUnitForm(idempotency_key=new_key()),
                  generate_form=GenerateBarcodeForm(idempotency_key=new_key()))


def _view(product: Product) -> SimpleNamespace:
    """What every role may see of a product; prices and costs never reach a template this way."""
    fields = ("id", "sku", "name", "spec", "brand", "unit", "notes", "active", "min_stock", "max_stock",
              "photo_version", "barcode", "category_id")
    has_photo = db.session.scalar(select(Product.photo.is_not(None)).where(Product.id == product.id))
    return SimpleNamespace(
        **{name: getattr(product, name) for name in fields}, has_photo=has_photo,
        category=product.category.path if product.category else "",
        barcodes=[SimpleNamespace(code=b.code, symbology=b.symbology,
                                  unit=b.pack_unit.name if b.pack_unit else product.unit) for b in product.barcodes],
        pack_units=[SimpleNamespace(name=unit.name, ratio=unit.ratio) for unit in product.pack_units])


def _prices(product: Product, on_hand) -> list[tuple[str, object]]:
    """The money figures this viewer may see, labelled."""
    prices = [(_("Sale price"), product.sale_price)] if sees_sale_price(g.user) else []
    if sees_sale_price(g.user) and product.wholesale_price is not None:
        prices.append((_("Wholesale price"), product.wholesale_price))
    if sees_cost(g.user):
        prices += [(_("Purchase price"), product.purchase_price), (_("Average cost"), product.avg_cost),
                   (_("Stock value"), (product.avg_cost * on_hand).quantize(CENTS))]
    return prices


def _product_form(**kwargs):
    """The form with price fields only for those who see prices (the warehouse does not)."""
    allowed = sees_cost(g.user) and sees_sale_price(g.user)
    form = (ProductForm if allowed else WarehouseProductForm)(**kwargs)
    form.category_id.choices = [("", _("No category"))] + services.category_choices()
    return form


def _form_data(product: Product) -> dict:
    data = {name: getattr(product, name) for name in ("sku", "name", "spec", "category_id", "brand", "unit",
                                                       "notes", "active")}
    data.update(barcode=product.barcode or "", min_stock=plain(product.min_stock), max_stock=plain(product.max_stock))
    if sees_cost(g.user) and sees_sale_price(g.user):
        data.update(sale_price=str(product.sale_price), purchase_price=str(product.purchase_price),
                    wholesale_price=str(product.wholesale_price) if product.wholesale_price is not None else "")
    return data


@bp.route("/products/new", methods=["GET", "POST"])
@allow(*EDITORS)
@form_write
def create():
    """A new product (a scanned barcode may come prefilled); a double tap creates it once."""
    form = _product_form(idempotency_key=new_key(), barcode=request.args.get("barcode", "").strip())
    if form.validate_on_submit():
        try:
            product = services.create_product(g.user, form.values(), barcode=form.barcode.data)
            _save_photo(form, product)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Product %(name)s was created.", name=product.name), "success")
            return redirect(url_for("catalog.show", product_id=product.id))
    return render("catalog/new.html", form=form, status=422 if form.errors else 200)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
@form_write
def edit(product_id):
    """Change a product's fields, barcode and photo."""
    product = _product(product_id)
    form = _product_form(data=_form_data(product))
    if form.validate_on_submit():
        try:
            services.update_product(g.user, product, form.values(), barcode=form.barcode.data or "")
            _save_photo(form, product)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("catalog.show", product_id=product.id))
    return render("catalog/edit.html", form=form, product=_view(product),
                  generate_form=GenerateBarcodeForm(idempotency_key=new_key()), status=422 if form.errors else 200)


def _save_photo(form, product: Product) -> None:
    if form.photo.data:
        services.set_photo(g.user, product, form.photo.data.read())
    elif form.remove_photo.data:
        services.set_photo(g.user, product, None)


@bp.route("/products/<int:product_id>/barcode/generate", methods=["POST"])
@allow(*EDITORS)
@form_write
def generate_barcode(product_id):
    """Give a product without a barcode an internal EAN-13."""
    product = _product(product_id)
    back = url_for("catalog.edit" if request.form.get("back") == "edit" else "catalog.show", product_id=product.id)
    try:
        barcode = services.generate_barcode(g.user, product)
    except BusinessRuleError as error:
        refuse(None, error)
        return redirect(back)
    flash(_("Barcode %(code)s was generated.", code=barcode.code), "success")
    return redirect(back)


@bp.route("/products/<int:product_id>/units", methods=["POST"])
@allow(*EDITORS)
@form_write
def add_unit(product_id):
    """Add a pack unit (箱 = 12 个), optionally with its own barcode."""
    product = _product(product_id)
    form = PackUnitForm()
    if form.validate_on_submit():
        try:
            unit = services.add_pack_unit(g.user, product, form.name.data, form.ratio.data, form.barcode.data or None)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Unit %(name)s was added.", name=unit.name), "success")
            return redirect(url_for("catalog.show", product_id=product.id))
    return _show(product, unit_form=form, status=422)


@bp.route("/products/<int:product_id>/barcodes", methods=["POST"])
@allow(*EDITORS)
@form_write
def attach_barcode(product_id):
    """Attach an unknown scanned code to this product's base unit."""
    product = _product(product_id)
    form = BarcodeForm()
    if form.validate_on_submit():
        try:
            barcode = services.attach_barcode(g.user, product, form.code.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Barcode %(code)s now belongs to %(name)s.", code=barcode.code, name=product.name), "success")
            return redirect(url_for("catalog.show", product_id=product.id))
    return _unknown((form.code.data or "").strip(), form=form, status=422)


@bp.route("/products/<int:product_id>/photo")
@allow(EVERYONE)
def photo(product_id):
    """The stored JPEG; links carry ?v=photo_version, so a day of private caching is safe."""
    row = db.session.execute(select(Product.photo, Product.photo_version).where(Product.id == product_id)).first()
    if row is None or row.photo is None:
        abort(404)
    response = make_response(row.photo)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(f"{product_id}-{row.photo_version}")
    return response.make_conditional(request)


@bp.route("/products/scan")
@allow(EVERYONE)
def scan():
    """What the scan box asks: a known code goes to its product, an unknown one offers to attach or create."""
    code = barcodes.normalise(request.args.get("code", ""))[:100]
    if not code:
        return redirect(url_for("catalog.index"))
    found = services.lookup(code)
    if found is None:
        return _unknown(code, status=404)
    location = url_for("catalog.show", product_id=found.product_id)
    response = redirect(location)
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Location"] = location
    response.headers["Vary"] = HTMX_VARY
    return response


def _unknown(code: str, form=None, status=404):
    """The unknown-barcode answer; editors may search for a product to attach it to."""
    try:
        barcodes.symbology(code)
        problem = None
    except BusinessRuleError as error:
        problem = str(error.message)
    q = request.args.get("q", "").strip()[:100]
    matches = []
    if q and may_edit(g.user) and not problem:
        query = select(Product.id, Product.name, Product.spec, Product.sku, Product.active)
        matches = db.session.execute(services.search(query, q).order_by(Product.active.desc(), Product.name)
                                     .limit(10)).all()
    return render("catalog/unknown_barcode.html", "catalog/_unknown_barcode.html", code=code, problem=problem,
                  q=q, matches=matches, status=status,
                  form=form or BarcodeForm(code=code, idempotency_key=new_key()))


@bp.route("/categories", methods=["GET", "POST"])
@allow(*EDITORS)
@form_write
def categories():
    """The category tree, and a form to add a category under an optional parent."""
    form = CategoryForm(idempotency_key=new_key(), parent_id=request.args.get("parent", type=int))
    form.parent_id.choices = [("", _("Top level"))] + services.category_choices()
    if form.validate_on_submit():
        try:
            category = services.create_category(g.user, form.name.data, form.parent_id.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Category %(name)s was added.", name=category.name), "success")
            return redirect(url_for("catalog.categories"))
    children = defaultdict(list)
    for category in db.session.scalars(select(Category).order_by(Category.name)):
        children[category.parent_id].append(category)
    counts = dict(db.session.execute(select(Product.category_id, func.count()).group_by(Product.category_id)).all())
    return render("catalog/categories.html", form=form, children=children, counts=counts,
                  status=422 if form.errors else 200)
