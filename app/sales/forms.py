"""Order screen forms: input shape only; the sales services check the numbers and the rules. The lines' own
forms are the order editor's (app/order_editor.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import IdField

class NewOrderForm(FlaskForm):
    """The customer tapped on the picker: one POST makes the draft."""

    customer_id = IdField(validators=[DataRequired()])
    idempotency_key = HiddenField()


class OrderFieldsForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=int)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)], render_kw={"rows": 2})


class ActionForm(FlaskForm):
    """Confirm or cancel: a key against double taps; the owner's approval over the credit limit."""

    idempotency_key = HiddenField()
    approve_over_limit = HiddenField()
