"""Opening a count, and the review's post form."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.stocktake.services import UNCOUNTED_KEEP, UNCOUNTED_ZERO


class OpenForm(FlaskForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=str, validators=[DataRequired()])
    category_id = SelectField(_l("Category"), coerce=str)
    name = StringField(lazy_pgettext("stocktake", "Name"), validators=[Length(max=100)],
                       render_kw={"placeholder": _l("e.g. Month-end count")})
    blind = BooleanField(_l("Blind count: counters do not see the expected quantities"))
    idempotency_key = HiddenField()


# What posting does with the products nobody counted; keep first, as it is the default and changes nothing.
UNCOUNTED_LABELS = {UNCOUNTED_KEEP: _l("Leave their stock as it is (a partial count)"),
                    UNCOUNTED_ZERO: _l("Not there: post their stock as a loss (a full count)")}


class PostForm(FlaskForm):
    """Posts the booking the review showed: its choice for the products nobody counted, and its digest."""
    uncounted = HiddenField(default=UNCOUNTED_KEEP)
    booking = HiddenField()
    idempotency_key = HiddenField()
