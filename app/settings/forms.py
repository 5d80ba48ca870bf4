"""Company settings form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.settings.models import CURRENCIES


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=50)], render_kw={"inputmode": "tel"})
    tax_number = StringField(_l("Tax number"), validators=[Length(max=50)])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in CURRENCIES])
    default_tax_rate = StringField(_l("Default tax rate (%)"), validators=[DataRequired()],
                                   render_kw={"inputmode": "decimal"})
    max_sales_discount_pct = StringField(_l("Largest discount a salesperson may give (%)"), validators=[DataRequired()],
                                         render_kw={"inputmode": "decimal"})
    receipt_tolerance_pct = StringField(_l("Over-receipt allowed on purchase orders (%)"), validators=[DataRequired()],
                                        render_kw={"inputmode": "decimal"})
    auto_reorder = BooleanField(_l("Draft purchase orders from reorder suggestions every morning"))
    allow_negative_stock = BooleanField(_l("Allow negative stock"))
    logo = FileField(_l("Logo"), validators=[FileAllowed(["png", "jpg", "jpeg", "webp"], _l("Upload a PNG, JPEG or WebP image."))],
                     render_kw={"accept": "image/png,image/jpeg,image/webp"})
    remove_logo = BooleanField(_l("Remove the logo"))
