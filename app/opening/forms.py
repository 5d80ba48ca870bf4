"""Opening balance and opening stock forms: input shape only (app/opening/services.py holds the rules)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.catalog.forms import Amount
from app.limits import AMOUNT, COST, QUANTITY

NUMERIC = {"inputmode": "decimal", "autocomplete": "off"}


class OpeningItemForm(FlaskForm):
    """An opening receivable (customer) or payable (supplier); the partner label is set per side by the route."""

    partner_id = SelectField(_l("Customer"), coerce=int, validate_choice=False,
                             validators=[DataRequired(message=_l("Choose one."))])
    reference = StringField(_l("Document number"), validators=[DataRequired(), Length(max=50)],
                            render_kw={"autocomplete": "off"})
    issued_on = DateField(_l("Document date"), validators=[DataRequired(message=_l("Enter a date."))])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    amount = StringField(_l("Amount open"), validators=[DataRequired(message=_l("Enter an amount.")), Amount(AMOUNT)],
                         render_kw=NUMERIC)
    notes = StringField(_l("Notes"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    idempotency_key = HiddenField()


class OpeningStockLineForm(FlaskForm):
    """One product's opening quantity and unit cost in a warehouse (a quantity of 0 removes the line)."""

    warehouse_id = SelectField(_l("Warehouse"), coerce=int, validate_choice=False,
                               validators=[DataRequired(message=_l("Choose a warehouse."))])
    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)],
                      render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    qty = StringField(_l("Quantity"), validators=[DataRequired(message=_l("Enter a quantity.")), Amount(QUANTITY)],
                      render_kw=NUMERIC)
    unit_cost = StringField(_l("Unit cost"), validators=[Optional(), Amount(COST)], render_kw=NUMERIC)
