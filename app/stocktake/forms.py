"""Opening a count, and the review's post form."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.stocktake.services import UNCOUNTED_KEEP, UNCOUNTED_ZERO


class OpenForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=str, validators=[DataRequired()])
    category_id = SelectField(_l("Category"), coerce=str)
    name = StringField(lazy_pgettext("stocktake", "Name"), validators=[Length(max=100)],
                       render_kw={"placeholder": _l("e.g. Month-end count")})
    blind = BooleanField(_l("Blind count: counters do not see the expected quantities"))
    idempotency_key = HiddenField()


class PostForm(FlaskForm):
    uncounted = RadioField(_l("Products nobody counted"), default=UNCOUNTED_ZERO, choices=lambda: [
        SelectChoice(UNCOUNTED_ZERO, _l("Not there: post them as losses (a full count)")),
        SelectChoice(UNCOUNTED_KEEP, _l("Leave their stock as it is (a partial count)"))])
    idempotency_key = HiddenField()
