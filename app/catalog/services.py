"""Products: create, edit, barcodes and pack units, search as you type, barcode lookup."""
import io

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from app.audit import services as audit
from app.catalog import barcodes
from app.catalog.models import Barcode, Category, PackUnit, Product
from app.db_types import to_decimal
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.numbering import next_number
from app.search import haystack, narrow

EDITABLE = ("sku", "name", "spec", "category_id", "brand", "unit", "sale_price", "purchase_price",
            "min_stock", "max_stock", "notes", "active")
MONEY_FIELDS = ("sale_price", "purchase_price")
QUANTITY_FIELDS = ("min_stock", "max_stock")
PHOTO_MAX_PX = 800


def search_text(product: Product) -> str:
    """What search as you type looks through: codes, names, full pinyin and initials (pgsjk, pingguo)."""
    return haystack(product.name, product.sku, product.spec, product.brand, *(b.code for b in product.barcodes))


def _clean(values: dict) -> dict:
    """Trim text, parse numbers, check the simple rules; raises BusinessRuleError naming the field."""
    clean = {}
    for field, value in values.items():
        if field not in EDITABLE:
            continue
        if isinstance(value, str):
            value = value.strip()
        if field in MONEY_FIELDS + QUANTITY_FIELDS:
            try:
                value = to_decimal(value if value not in (None, "") else 0, 2 if field in MONEY_FIELDS else 3)
            except (TypeError, ValueError):
                raise BusinessRuleError(_("Enter a number."), field) from None
            if value < 0:
                raise BusinessRuleError(_("Cannot be negative."), field)
        clean[field] = value
    if "sku" in clean and not clean["sku"]:
        raise BusinessRuleError(_("Enter a SKU."), "sku")
    if "name" in clean and not clean["name"]:
        raise BusinessRuleError(_("Enter a name."), "name")
    if clean.get("category_id") and db.session.get(Category, clean["category_id"]) is None:
        raise BusinessRuleError(_("Choose a category."), "category_id")
    return clean


def _check_unique_sku(sku: str, product: Product | None = None) -> None:
    query = select(Product.id).where(func.lower(Product.sku) == sku.lower())
    if product is not None and product.id:
        query = query.where(Product.id != product.id)
    if db.session.scalar(query):
        raise Duplicate(_("SKU %(sku)s is already used.", sku=sku), "sku")


def _check_stock_range(product: Product) -> None:
    if product.max_stock and product.min_stock > product.max_stock:
        raise BusinessRuleError(_("The minimum cannot be above the maximum."), "min_stock")


def create_product(actor, values: dict, barcode: str | None = None) -> Product:
    """A new product; `barcode` (optional) is its base unit's barcode."""
    clean = _clean(values)
    for required in ("sku", "name"):
        if not clean.get(required):
            raise BusinessRuleError(_("Required."), required)
    _check_unique_sku(clean["sku"])
    product = Product(**{"unit": "个", **clean})
    _check_stock_range(product)
    db.session.add(product)
    if barcode:
        add_barcode(product, barcode)
    product.search_text = search_text(product)
    audit.record(actor, "product.create", product, {k: (None, v) for k, v in clean.items()})
    return product


def update_product(actor, product: Product, values: dict, barcode: str | None = None) -> Product:
    """Change the given fields; `barcode`, if given, replaces the base unit's first barcode ('' removes it)."""
    clean = _clean(values)
    if "sku" in clean:
        _check_unique_sku(clean["sku"], product)
    changes = audit.apply_changes(product, clean)
    _check_stock_range(product)
    if barcode is not None and barcode != (product.barcode or ""):
        old = product.barcode
        base = next((b for b in product.barcodes if b.pack_unit_id is None), None)
        if base is not None:
            product.barcodes.remove(base)
            db.session.flush()
        if barcode:
            add_barcode(product, barcode)
        changes["barcode"] = (old, barcode or None)
    product.search_text = search_text(product)
    if changes:
        audit.record(actor, "product.update", product, changes)
    return product


def add_barcode(product: Product, code: str, pack_unit: PackUnit | None = None) -> Barcode:
    """Attach a barcode (to the base unit, or to a pack unit) after validating it and checking it is free."""
    code = barcodes.normalise(code)
    kind = barcodes.symbology(code)
    taken = db.session.scalar(select(Barcode).where(Barcode.code == code))
    if taken is not None:
        raise Duplicate(_("Barcode %(code)s already belongs to %(name)s.", code=code, name=taken.product.name),
                        "barcode")
    barcode = Barcode(code=code, symbology=kind, pack_unit=pack_unit)
    product.barcodes.append(barcode)
    db.session.flush()
    product.search_text = search_text(product)
    return barcode


def attach_barcode(actor, product: Product, code: str) -> Barcode:
    """Attach a scanned, until now unknown code to a product's base unit (audited)."""
    barcode = add_barcode(product, code)
    audit.record(actor, "product.update", product, {"barcode": (None, barcode.code)})
    return barcode


def generate_barcode(actor, product: Product) -> Barcode:
    """Give a product without a barcode an internal EAN-13 (29xxxxxxxxxxC)."""
    if product.barcode:
        raise BusinessRuleError(_("This product already has a barcode."), "barcode")
    while True:
        sequence = int(next_number("BARCODE", 0).rsplit("-", 1)[1])
        code = barcodes.internal_code(sequence)
        if db.session.scalar(select(Barcode.id).where(Barcode.code == code)) is None:
            break
    barcode = add_barcode(product, code)
    audit.record(actor, "product.update", product, {"barcode": (None, code)})
    return barcode


def add_pack_unit(actor, product: Product, name: str, ratio, barcode: str | None = None) -> PackUnit:
    """A pack unit such as 箱 = 12 个, optionally with its own barcode."""
    name = (name or "").strip()
    if not name:
        raise BusinessRuleError(_("Name the unit, e.g. 箱."), "name")
    try:
        ratio = to_decimal(ratio, 3)
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Enter a number."), "ratio") from None
    if ratio <= 1:
        raise BusinessRuleError(_("A pack holds more than one base unit."), "ratio")
    if any(unit.name == name for unit in product.pack_units) or name == product.unit:
        raise Duplicate(_("This product already has a unit named %(name)s.", name=name), "name")
    unit = PackUnit(name=name, ratio=ratio)
    product.pack_units.append(unit)
    db.session.flush()
    if barcode:
        add_barcode(product, barcode, unit)
    audit.record(actor, "product.update", product, {"pack_unit": (None, f"{name} = {ratio} {product.unit}")})
    return unit


def set_photo(actor, product: Product, data: bytes | None) -> None:
    """Store an uploaded photo resized to a JPEG (None removes it)."""
    if data is None:
        product.photo = None
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > 40_000_000:
                    raise BusinessRuleError(_("The image is too large."), "photo")
                image = image.convert("RGB")
                image.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=82, optimize=True)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise BusinessRuleError(_("Upload a PNG, JPEG or WebP image."), "photo") from None
        product.photo = out.getvalue()
    product.photo_version += 1
    audit.record(actor, "product.update", product, {"photo": ("…", "…")})


def search(query, text: str):
    """Narrow a product query to those whose haystack holds every word of `text` (codes, names, pinyin)."""
    return narrow(query, Product.search_text, text)


def lookup(code: str) -> Barcode | None:
    """The barcode row for a scanned code (its product, and how many base units one scan means)."""
    return db.session.scalar(select(Barcode).where(Barcode.code == barcodes.normalise(code)))


def category_choices() -> list[tuple[int, str]]:
    categories = db.session.scalars(select(Category)).all()
    return sorted(((c.id, c.path) for c in categories), key=lambda pair: pair[1])


def create_category(actor, name: str, parent_id: int | None = None) -> Category:
    name = (name or "").strip()
    if not name:
        raise BusinessRuleError(_("Enter a name."), "name")
    if parent_id and db.session.get(Category, parent_id) is None:
        raise BusinessRuleError(_("Choose a category."), "parent_id")
    same_parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    exists = db.session.scalar(select(Category.id).where(Category.name == name, same_parent))
    if exists:
        raise Duplicate(_("This category already exists."), "name")
    category = Category(name=name, parent_id=parent_id)
    db.session.add(category)
    audit.record(actor, "category.create", category, {"name": (None, name)})
    return category
