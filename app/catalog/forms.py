"""Product, pack unit, barcode and category forms: input shape only (the services hold the rules)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.limits import PRICE, QUANTITY, Limit

IMAGE_TYPES = ["png", "jpg", "jpeg", "webp"]


def optional_id(value):
    """'' means none; anything else must be an id."""
    return int(value) if value not in (None, "", "None") else None


class Amount:
    """A decimal typed by hand within an app.limits bound; the service parses it again, this only reports early."""

    def __init__(self, limit: Limit):
        self.limit = limit

    def __call__(self, form, field):
        text = (field.data or "").strip()
        if not text:
            return
        try:
            self.limit.parse(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _number(label, limit: Limit):
    return StringField(label, validators=[Amount(limit)], render_kw={"inputmode": "decimal", "autocomplete": "off"})


class ProductForm(FlaskForm):
    """Everything about a product; WarehouseProductForm drops the prices."""

    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)],
                      render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})
    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)])
    spec = StringField(_l("Specification"), validators=[Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=optional_id, validate_choice=True)
    brand = StringField(_l("Brand"), validators=[Length(max=100)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)], default="个")
    barcode = StringField(_l("Barcode"), validators=[Optional(), Length(max=64)],
                          render_kw={"autocomplete": "off", "spellcheck": "false", "enterkeyhint": "next"})
    sale_price = _number(_l("Sale price"), PRICE)
    wholesale_price = _number(_l("Wholesale price"), PRICE)
    purchase_price = _number(_l("Purchase price"), PRICE)
    min_stock = _number(_l("Minimum stock"), QUANTITY)
    max_stock = _number(_l("Maximum stock"), QUANTITY)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    active = BooleanField(_l("Active (can be sold and bought)"), default=True)
    photo = FileField(lazy_pgettext("product", "Photo"),
                      validators=[FileAllowed(IMAGE_TYPES, _l("Upload a PNG, JPEG or WebP image."))],
                      render_kw={"accept": "image/*"})
    remove_photo = BooleanField(_l("Remove the photo"))
    idempotency_key = HiddenField()

    PRICE_FIELDS = ("sale_price", "wholesale_price", "purchase_price")

    def values(self) -> dict:
        """The product fields this form carries, as the services take them."""
        names = ("sku", "name", "spec", "category_id", "brand", "unit", "min_stock", "max_stock", "notes", "active")
        return {name: self[name].data for name in names + self.PRICE_FIELDS if name in self}


class WarehouseProductForm(ProductForm):
    """The warehouse keeps products up to date but sees no prices, so the fields do not exist."""

    sale_price = None
    wholesale_price = None
    purchase_price = None
    PRICE_FIELDS = ()


class PackUnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=20)], render_kw={"placeholder": "箱"})
    ratio = StringField(_l("Base units in it"), validators=[DataRequired(), Amount(QUANTITY)],
                        render_kw={"inputmode": "decimal", "placeholder": "12", "autocomplete": "off"})
    barcode = StringField(_l("Barcode (optional)"), validators=[Optional(), Length(max=64)],
                          render_kw={"autocomplete": "off", "spellcheck": "false"})
    idempotency_key = HiddenField()


class BarcodeForm(FlaskForm):
    """Attach a scanned code to a product."""

    code = StringField(_l("Barcode"), validators=[DataRequired(), Length(max=64)])
    idempotency_key = HiddenField()


class GenerateBarcodeForm(FlaskForm):
    idempotency_key = HiddenField()


class CategoryForm(FlaskForm):
    name = StringField(_l("Category name"), validators=[DataRequired(), Length(max=100)])
    parent_id = SelectField(_l("Under"), coerce=optional_id)
    idempotency_key = HiddenField()
