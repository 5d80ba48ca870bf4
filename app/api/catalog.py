"""Products over the API: the same services as the screens; prices follow the caller's role."""
from flask import abort, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.api.routes import bp
from app.api.pagination import paginate
from app.api.feed import Feed
from app.api.schema import Boolean, DecimalString, Integer, Schema, String, ValidationFailed, updated
from app.api.spec import operation, parse_body, reply
from app.auth.roles import EVERYONE, PRODUCT_EDITORS, allow, sees_cost, sees_sale_price
from app.catalog import services as catalog
from app.catalog.models import Category, Product
from app.extensions import db
from app.limits import PRICE, QUANTITY

EDITORS = PRODUCT_EDITORS
PRICE_FIELDS = ("sale_price", "purchase_price")

PRODUCT = Schema("Product", {
    "id": Integer(), "sku": String(), "name": String(), "spec": String(), "barcode": String(nullable=True),
    "unit": String(), "category": String(nullable=True, description="Category path, e.g. 手机配件/保护壳"),
    "brand": String(),
    "sale_price": DecimalString(2, description="Absent for warehouse users", visible=sees_sale_price),
    "purchase_price": DecimalString(2, description="Absent for sales and warehouse users", visible=sees_cost),
    "min_stock": DecimalString(3), "max_stock": DecimalString(3), "active": Boolean(), "notes": String(),
    "updated_at": updated(),
})
PRODUCT_LOOKUP = Schema("ProductLookup", {
    **PRODUCT.fields, "scan_quantity": DecimalString(3, description="Base units one scan of this barcode means"),
    "scan_unit": String(description="The unit the barcode is on, e.g. 箱"),
})
_WRITABLE = {
    "sku": String(min_length=1, max_length=64), "name": String(min_length=1, max_length=200),
    "spec": String(max_length=200), "barcode": String(max_length=64), "unit": String(min_length=1, max_length=20),
    "category": String(max_length=300, nullable=True), "brand": String(max_length=100),
    "sale_price": DecimalString(2, PRICE), "purchase_price": DecimalString(2, PRICE),
    "min_stock": DecimalString(3, QUANTITY), "max_stock": DecimalString(3, QUANTITY), "active": Boolean(),
    "notes": String(max_length=2000),
}
PRODUCT_CREATE = Schema("ProductCreate", {**_WRITABLE, "sku": String(required=True, min_length=1, max_length=64),
                                          "name": String(required=True, min_length=1, max_length=200)})
PRODUCT_UPDATE = Schema("ProductUpdate", _WRITABLE)


def _reply(product: Product, **kw):
    """A product as the caller may see it, read from its row (catalog.listed gives the same fields as a dict)."""
    return reply(product, category=product.category.path if product.category else None, **kw)


def _values(data: dict) -> tuple[dict, str | None]:
    """Service values from a parsed body; refuses prices from roles that may not see them."""
    hidden = [f for f in PRICE_FIELDS if f in data and not (sees_cost(g.user) if f == "purchase_price"
                                                            else sees_sale_price(g.user))]
    if hidden:
        raise ValidationFailed({field: [_("Your role may not set prices.")] for field in hidden})
    values = {k: v for k, v in data.items() if k not in ("barcode", "category")}
    if "category" in data:
        values["category_id"] = _category_id(data["category"])
    return values, data.get("barcode")


def _category_id(path: str | None) -> int | None:
    if not path:
        return None
    wanted = [part.strip() for part in path.split("/") if part.strip()]
    match = next((c for c in db.session.scalars(select(Category)) if [p.strip() for p in c.path.split("/")] == wanted),
                 None)
    if match is None:
        raise ValidationFailed({"category": [_("No such category: %(path)s", path=path)]})
    return match.id


@bp.route("/products")
@allow(EVERYONE)
@operation("List products", response=PRODUCT, listing=True, item="api.products_show", feed=Feed(Product), query={
    "q": {"type": "string", "description": "Search SKU, name, spec, barcode, pinyin or initials"},
    "active": {"type": "boolean"}, "category_id": {"type": "integer"}})
def products_index():
    """Products, searchable as in the app (pinyin included)."""
    query = catalog.search(select(Product.id), request.args.get("q", ""))
    if (active := request.args.get("active")) in ("true", "false"):
        query = query.where(Product.active.is_(active == "true"))
    if (category_id := request.args.get("category_id", type=int)) is not None:
        query = query.where(Product.category_id == category_id)
    listing = paginate(query.order_by(Product.id))  # the page's ids (and the total), then only their rows
    rows = {row["id"]: row for row in catalog.listed(listing["items"])}
    return reply({**listing, "items": [rows[product_id] for product_id in listing["items"]]})  # a feed's order


@bp.route("/products", methods=["POST"])
@allow(*EDITORS)
@operation("Create a product", body=PRODUCT_CREATE, response=PRODUCT, status=201, problems=(409,),
           location="api.products_show")
def products_create():
    """A new product; a barcode's check digit is verified."""
    values, barcode = _values(parse_body())
    product = catalog.create_product(g.user, values, barcode=barcode)
    db.session.flush()
    return _reply(product, location=url_for("api.products_show", product_id=product.id))


@bp.route("/products/lookup")
@allow(EVERYONE)
@operation("Find the product of a scanned barcode", response=PRODUCT_LOOKUP,
           query={"barcode": {"type": "string"}}, problems=(404,))
def products_lookup():
    """The product a barcode belongs to, and how many base units one scan of it means (packs)."""
    product = catalog.lookup_listed(request.args.get("barcode", "")) or abort(404)
    return reply(product)


def _product(product_id) -> Product:
    return db.session.get(Product, product_id) or abort(404)


@bp.route("/products/<int:product_id>")
@allow(EVERYONE)
@operation("Read a product", response=PRODUCT)
def products_show(product_id):
    """One product."""
    return _reply(_product(product_id))


@bp.route("/products/<int:product_id>", methods=["PATCH"])
@allow(*EDITORS)
@operation("Change a product", body=PRODUCT_UPDATE, partial=True, response=PRODUCT, problems=(409,))
def products_update(product_id):
    """Change the fields sent; `barcode` replaces the base barcode ('' removes it)."""
    product = _product(product_id)
    values, barcode = _values(parse_body())
    catalog.update_product(g.user, product, values, barcode=barcode)
    return _reply(product)
