"""Products: create, edit, barcodes and pack units, search as you type, barcode lookup."""
import io
import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.catalog import barcodes
from app.catalog.models import Barcode, Category, PackUnit, Product
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.limits import PRICE, QUANTITY, normalise_code, parse_number
from app.numbering import next_number
from app.search import haystack

EDITABLE = ("sku", "name", "spec", "category_id", "brand", "unit", "sale_price", "wholesale_price", "purchase_price",
            "min_stock", "max_stock", "notes", "active")
MONEY_FIELDS = ("sale_price", "wholesale_price", "purchase_price")
OPTIONAL_FIELDS = ("wholesale_price",)  # blank means "not set", not zero
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
            value = normalise_code(value) if field == "sku" else value.strip()
        if field in OPTIONAL_FIELDS and value in (None, ""):
            value = None
        elif field in MONEY_FIELDS + QUANTITY_FIELDS:
            value = parse_number(value if value not in (None, "") else 0, PRICE if field in MONEY_FIELDS else QUANTITY, field)
        clean[field] = value
    if "sku" in clean and not clean["sku"]:
        raise BusinessRuleError(_("Enter a SKU."), "sku")
    if "name" in clean and not clean["name"]:
        raise BusinessRuleError(_("Enter a name."), "name")
    if clean.get("category_id") and db.session.get(Category, clean["category_id"]) is None:
        raise BusinessRuleError(_("Choose a category."), "category_id")
    return clean


def _check_unique_sku(sku: str, product: Product | None = None) -> None:
    """`sku` is normalised (_clean), and so is every SKU stored since: equal codes compare equal."""
    query = select(Product.id).where(func.lower(Product.sku) == sku.lower())
    if product is not None and product.id:
        query = query.where(Product.id != product.id)
    if db.session.scalar(query):
        raise Duplicate(_("SKU %(sku)s is already used.", sku=sku), "sku")


def _check_stock_range(product: Product) -> None:
    """A minimum left out is 0 (the column's default, which a new product has only once it is flushed)."""
    if product.max_stock and (product.min_stock or 0) > product.max_stock:
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
    ratio = parse_number(ratio, QUANTITY, "ratio")
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
        from PIL import Image, UnidentifiedImageError  # Pillow loads with the first upload, not at start
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
    """Narrow a product query to those whose haystack holds every word of `text` (codes, names, pinyin).

    On PostgreSQL, words too short for a trigram (sj, 华为) are matched against `search_text || ''`,
    an expression the index does not cover: the planner would otherwise read the whole trigram index
    for them (slower than the table), and a prepared statement's generic plan cannot tell short words
    from long ones. The migration keeps statistics on that expression, so its estimates stay good.
    """
    words = (text or "").strip().lower().split()
    trigrams = db.engine.dialect.name == "postgresql"
    return query.where(*[(Product.search_text if not trigrams or _TRIGRAM.search(word) else
                          Product.search_text.concat("")).contains(word, autoescape=True) for word in words])


_TRIGRAM = re.compile(r"[^\W_]{3}")

# What a product list or a scan shows, read as plain rows: no photo, no ORM objects, no lazy loads.
LISTED = (Product.id, Product.sku, Product.name, Product.spec, Product.unit, Product.brand, Product.category_id,
          Product.sale_price, Product.purchase_price, Product.min_stock, Product.max_stock, Product.active,
          Product.notes, Product.updated_at)


def _base_barcode():
    """The base unit's first barcode (Product.barcode) as a column of a product query."""
    base = Barcode.__table__.alias("base")
    return (select(base.c.code).where(base.c.product_id == Product.id, base.c.pack_unit_id.is_(None))
            .order_by(base.c.id).limit(1).correlate(Product).scalar_subquery().label("barcode"))


def _category_paths():
    """Each category's path from the root, walking up from the ones asked for (one recursive query)."""
    category, parent = Category.__table__, Category.__table__.alias("parent")
    up = (select(category.c.id.label("leaf"), category.c.parent_id.label("up_id"),
                 cast(category.c.name, Text).label("path"))
          .where(category.c.id.in_(bindparam("ids", expanding=True))).cte("up", recursive=True))
    up = up.union_all(select(up.c.leaf, parent.c.parent_id, cast(parent.c.name + " / " + up.c.path, Text))
                      .join(parent, parent.c.id == up.c.up_id))
    return select(up.c.leaf, up.c.path).where(up.c.up_id.is_(None))


# Built once: hot paths (search as you type, every scan) then skip building and cache-keying them.
_LISTED_BY_ID = (select(*LISTED, _base_barcode()).where(Product.id.in_(bindparam("ids", expanding=True)))
                 .order_by(Product.id))
_SCANNED = (select(*LISTED, _base_barcode(), PackUnit.ratio.label("pack_ratio"), PackUnit.name.label("pack_name"))
            .select_from(Barcode).join(Product, Product.id == Barcode.product_id)
            .outerjoin(PackUnit, PackUnit.id == Barcode.pack_unit_id).where(Barcode.code == bindparam("code")))
_CATEGORY_PATHS = _category_paths()


def listed(ids: list[int]) -> list[dict]:
    """These products as dicts of LISTED plus `barcode` and `category` (its path), in id order; two queries."""
    if not ids:
        return []
    rows = db.session.execute(_LISTED_BY_ID, {"ids": ids}).all()
    paths = category_paths({row.category_id for row in rows})
    return [{**row._mapping, "category": paths.get(row.category_id)} for row in rows]


def category_paths(ids) -> dict[int, str]:
    """{category id: "手机配件 / 保护壳"} for these categories."""
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(_CATEGORY_PATHS, {"ids": ids}).all()) if ids else {}


def lookup(code: str) -> Barcode | None:
    """The barcode row for a scanned code (its product, and how many base units one scan means)."""
    return db.session.scalar(select(Barcode).where(Barcode.code == barcodes.normalise(code))
                             .options(joinedload(Barcode.product), joinedload(Barcode.pack_unit)))


def lookup_listed(code: str) -> dict | None:
    """A scanned code's product as `listed` gives it, plus `scan_quantity` and `scan_unit` (base units, unit name)."""
    row = db.session.execute(_SCANNED, {"code": barcodes.normalise(code)}).first()
    if row is None:
        return None
    found = dict(row._mapping)
    ratio, pack = found.pop("pack_ratio"), found.pop("pack_name")
    found.update(scan_quantity=ratio or Decimal(1), scan_unit=pack or found["unit"],
                 category=category_paths([row.category_id]).get(row.category_id))
    return found


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
