"""Order screen forms: input shape only; the sales services check the numbers and the rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import IdField

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


class NewOrderForm(FlaskForm):
    """The customer tapped on the picker: one POST makes the draft."""

    customer_id = IdField(validators=[DataRequired()])
    idempotency_key = HiddenField()


class AddLineForm(FlaskForm):
    """A product to add: picked from search (product_id) or scanned/typed (code: a barcode or SKU).

    `units` is how many base units one pick means (a pack's barcode picked from search); `key` is
    the scan's UUID or the result button's key, so a double tap or a replayed scan adds once.
    """

    product_id = IdField(validators=[Optional()])
    code = StringField(validators=[Optional(), Length(max=100)])
    units = StringField(validators=[Optional(), Length(max=20)])
    key = HiddenField(validators=[Optional(), Length(max=100)])


class LineForm(FlaskForm):
    """One line's editable terms, saved on every change. `qty_set` is the − / + buttons' new quantity."""

    qty = StringField(_l("Quantity"), render_kw=NUMBER)
    qty_set = StringField()
    unit_price = StringField(_l("Unit price"), render_kw=NUMBER)
    discount_pct = StringField(_l("Discount"), render_kw=NUMBER)
    tax_rate = StringField(_l("Tax rate"), render_kw=NUMBER)


class OrderFieldsForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=int)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)], render_kw={"rows": 2})


class ActionForm(FlaskForm):
    """Confirm or cancel: a key against double taps; the owner's approval over the credit limit."""

    idempotency_key = HiddenField()
    approve_over_limit = HiddenField()
