"""The customer and supplier forms' shared fields and the customer form: input shape only (app/partners/services.py holds the rules and checks again)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.catalog.forms import Amount, optional_id
from app.limits import AMOUNT, PERCENT
from app.partners.models import PriceLevel
from app.partners.services import CODE_LENGTH, EMAIL, TEXT_FIELDS, salesperson_choices

NUMERIC = {"inputmode": "decimal", "autocomplete": "off"}


def days_validator(form, field):
    text = (field.data or "").strip()
    if not text.isdigit() or int(text) > 365:
        raise ValidationError(_l("Enter a number of days from 0 to 365."))


def _text(label, name, **kw):
    return StringField(label, validators=[Length(max=TEXT_FIELDS[name])], **kw)


class PartnerForm(FlaskForm):
    """What customers and suppliers both have: how to reach them, tax and bank details, payment terms
    (the subclasses add their name and code, labelled for their side)."""

    contact = _text(_l("Contact person"), "contact")
    phone = _text(_l("Phone"), "phone", render_kw={"type": "tel", "autocomplete": "off"})
    mobile = _text(_l("Mobile"), "mobile", render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("Email"), validators=[Optional(), Length(max=TEXT_FIELDS["email"]),
                                                 Regexp(EMAIL, message=_l("Enter a valid email address."))],
                        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"})
    address = _text(_l("Address"), "address")
    tax_number = _text(_l("Tax number"), "tax_number", render_kw={"autocapitalize": "characters"})
    bank_name = _text(_l("Bank"), "bank_name")
    bank_account = _text(_l("Bank account"), "bank_account", render_kw={"inputmode": "numeric"})
    payment_terms_days = StringField(_l("Payment terms (days)"), validators=[days_validator], default="30",
                                     render_kw={"inputmode": "numeric", "autocomplete": "off"})
    notes = TextAreaField(_l("Notes"), validators=[Length(max=TEXT_FIELDS["notes"])])
    idempotency_key = HiddenField()


class CustomerForm(PartnerForm):
    """Every field of a customer. The salesperson select is shown to the owner only; for anyone else
    a submitted value reaches the service, which refuses a change of salesperson."""

    name = StringField(_l("Customer name"), validators=[DataRequired(), Length(max=TEXT_FIELDS["name"])])
    code = StringField(_l("Customer code"), validators=[Length(max=CODE_LENGTH)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    credit_limit = StringField(_l("Credit limit"), validators=[Amount(AMOUNT)], render_kw=NUMERIC)
    price_level = SelectField(_l("Price level"), default=PriceLevel.RETAIL.value,
                              choices=lambda: [(level.value, level.label) for level in PriceLevel])
    discount_pct = StringField(_l("Discount %"), validators=[Amount(PERCENT)], default="0", render_kw=NUMERIC)
    salesperson_id = SelectField(_l("Salesperson"), coerce=optional_id)
    tags = _text(_l("Tags"), "tags")
    active = BooleanField(_l("Active (can place orders)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.salesperson_id.choices = [("", _l("No salesperson"))] + salesperson_choices()

    def values(self) -> dict:
        """The customer fields as the services take them."""
        values = {name: self[name].data for name in ("code", *TEXT_FIELDS, "credit_limit", "price_level", "discount_pct",
                                                     "salesperson_id", "active")}
        days = (self.payment_terms_days.data or "").strip()
        values["payment_terms_days"] = int(days) if days.isdigit() else days
        return values


def form_data(customer) -> dict:
    """A customer's fields as the form shows them."""
    data = {name: getattr(customer, name) for name in ("code", *TEXT_FIELDS, "salesperson_id", "active")}
    data.update(credit_limit="" if customer.credit_limit is None else str(customer.credit_limit),
                payment_terms_days=str(customer.payment_terms_days), price_level=customer.price_level.value,
                discount_pct=f"{customer.discount_pct.normalize():f}")
    return data
