"""Warehouse, adjustment and transfer forms, and reading their lines into the service's LineInput."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.db_types import to_decimal
from app.inventory import queries
from app.inventory.models import AdjustmentKind
from app.inventory.services import LineInput

EMPTY_LINES = 5  # rows a form starts with, so it works without JavaScript
FORM_KINDS = (AdjustmentKind.OTHER_IN, AdjustmentKind.OTHER_OUT, AdjustmentKind.DAMAGE, AdjustmentKind.OVERAGE)


class WarehouseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    name = StringField(lazy_pgettext("warehouse", "Name"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    is_default = BooleanField(_l("Default warehouse"))
    idempotency_key = HiddenField()


class LineForm(Form):
    """One document line: a product (picked from search, or a typed barcode/SKU) and a positive quantity."""

    product = StringField(_l("Product"), render_kw={"autocomplete": "off", "enterkeyhint": "search"})
    product_id = HiddenField()
    qty = StringField(_l("Quantity"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    unit_cost = StringField(_l("Unit cost"), render_kw={"inputmode": "decimal", "autocomplete": "off"})


def kind_choices():
    return [(kind.value, kind.label) for kind in FORM_KINDS]


class AdjustmentForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=int)
    kind = SelectField(_l("Kind"), choices=kind_choices)
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_LINES)
    idempotency_key = HiddenField()


class TransferForm(FlaskForm):
    from_warehouse_id = SelectField(_l("From warehouse"), coerce=int)
    to_warehouse_id = SelectField(_l("To warehouse"), coerce=int)
    notes = StringField(_l("Notes"), validators=[Length(max=200)])
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_LINES)
    idempotency_key = HiddenField()


def _add_error(field, message) -> None:
    field.errors = list(field.errors) + [str(message)]


def _number(field, places: int) -> Decimal | None:
    """The field's number, or None after noting an error on it."""
    try:
        value = to_decimal(field.data.strip(), places)
    except (TypeError, ValueError):
        _add_error(field, _("Enter a number."))
        return None
    return value


def _product(line):
    """The line's product id and units per entered quantity: the picked product, unless the text was changed since."""
    text = (line.product.data or "").strip()
    picked_id = int(line.product_id.data) if (line.product_id.data or "").isdigit() else None
    picked = queries.products_by_id([picked_id]).get(picked_id)
    if picked is not None and text in ("", picked.sku):
        return picked.product_id, Decimal("1")
    if not text:
        _add_error(line.product, _("Choose a product."))
        return None, None
    matches, units = queries.resolve_product(text)
    if len(matches) != 1:
        _add_error(line.product, _("No product matches.") if not matches
                   else _("Several products match: choose one from the list."))
        return None, None
    return matches[0], units


def read_lines(lines: FieldList, sign: int = 1, with_cost: bool = False) -> list[LineInput] | None:
    """The filled lines as LineInput (quantity signed by `sign`); None after marking errors on the lines.

    Empty rows are skipped. A barcode of a pack counts its units (2 x 箱 of 12 = 24). The unit cost is
    read only when `with_cost` (roles that may not see costs cannot set them either).
    """
    read, valid = [], True
    for entry in lines:
        line = entry.form
        if not any((field.data or "").strip() for field in (line.product, line.qty, line.unit_cost)[:3 if with_cost else 2]):
            continue
        product_id, units = _product(line)
        qty = _number(line.qty, 3) if (line.qty.data or "").strip() else None
        if qty is None and not line.qty.errors:
            _add_error(line.qty, _("Enter a quantity."))
        elif qty is not None and qty <= 0:
            _add_error(line.qty, _("Enter a quantity above zero."))
            qty = None
        cost = None
        if with_cost and (line.unit_cost.data or "").strip():
            cost = _number(line.unit_cost, 4)
            if cost is not None and cost < 0:
                _add_error(line.unit_cost, _("Cannot be negative."))
                cost = None
            valid = valid and cost is not None
        if product_id is None or qty is None:
            valid = False
            continue
        line.product_id.data = str(product_id)  # shown as picked if the form comes back
        read.append(LineInput(product_id, qty * units * sign, cost / units if cost is not None else None))
    if valid and not read:
        return []
    return read if valid else None
