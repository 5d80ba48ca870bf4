"""Supplier and purchase order screen forms: input shape only; app.partners.suppliers and app.purchasing services
check the numbers and the rules again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.catalog.forms import Amount
from app.finance.forms import method_choices
from app.forms import IdField
from app.limits import AMOUNT, PRICE, QUANTITY
from app.partners.services import CODE_LENGTH, EMAIL, TEXT_FIELDS

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
SUPPLIER_TEXT = ("name", "contact", "phone", "mobile", "email", "address", "tax_number", "bank_name", "bank_account",
                 "notes")


def _days(form, field):
    text = (field.data or "").strip()
    if not text.isdigit() or int(text) > 365:
        raise ValidationError(_l("Enter a number of days from 0 to 365."))


def _text(label, name, **kw):
    return StringField(label, validators=[Length(max=TEXT_FIELDS[name])], **kw)


class SupplierForm(FlaskForm):
    name = StringField(_l("Supplier name"), validators=[DataRequired(), Length(max=TEXT_FIELDS["name"])])
    code = StringField(_l("Supplier code"), validators=[Length(max=CODE_LENGTH)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
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
    payment_terms_days = StringField(_l("Payment terms (days)"), validators=[_days], default="30",
                                     render_kw={"inputmode": "numeric", "autocomplete": "off"})
    lead_time_days = StringField(_l("Lead time (days)"), validators=[_days], default="7",
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    notes = TextAreaField(_l("Notes"), validators=[Length(max=TEXT_FIELDS["notes"])])
    active = BooleanField(_l("Active (can be ordered from)"), default=True)
    idempotency_key = HiddenField()

    def values(self) -> dict:
        """The supplier fields as app.partners.suppliers takes them."""
        values = {name: self[name].data for name in ("code", *SUPPLIER_TEXT, "active")}
        for name in ("payment_terms_days", "lead_time_days"):
            days = (self[name].data or "").strip()
            values[name] = int(days) if days.isdigit() else days
        return values


def supplier_data(supplier) -> dict:
    data = {name: getattr(supplier, name) for name in ("code", *SUPPLIER_TEXT, "active")}
    data.update(payment_terms_days=str(supplier.payment_terms_days), lead_time_days=str(supplier.lead_time_days))
    return data


class SupplierItemForm(FlaskForm):
    """A product the supplier sells us: typed as a barcode, SKU or picked id."""

    product = StringField(_l("Product (SKU or barcode)"), validators=[DataRequired(), Length(max=100)],
                          render_kw={"autocomplete": "off"})
    supplier_sku = StringField(_l("Supplier's item code"), validators=[Length(max=64)], render_kw={"autocomplete": "off"})
    last_price = StringField(_l("Last price"), validators=[Amount(PRICE)], render_kw=NUMBER)
    min_order_qty = StringField(_l("Minimum order"), validators=[Amount(QUANTITY)], default="0", render_kw=NUMBER)
    preferred = BooleanField(_l("Preferred supplier for this product"))


class KeyForm(FlaskForm):
    """Confirm, cancel, draft from suggestions: a key against double taps."""

    idempotency_key = HiddenField()


class NewOrderForm(KeyForm):
    supplier_id = IdField(validators=[DataRequired()])


class InvoiceForm(KeyForm):
    supplier_reference = StringField(_l("Supplier's invoice number"), validators=[Length(max=50)],
                                     render_kw={"autocomplete": "off"})


class ReturnForm(KeyForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=int)
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why the goods go back.")),
                                                   Length(max=200)])


class PaymentForm(KeyForm):
    amount = StringField(_l("Amount paid"), validators=[DataRequired(message=_l("Enter an amount.")), Amount(AMOUNT)],
                         render_kw=NUMBER)
    method = RadioField(_l("Paid by"), choices=method_choices, validate_choice=False,
                        validators=[DataRequired(message=_l("Choose how the supplier was paid."))])
    reference = StringField(_l("Reference"), validators=[Length(max=100)], render_kw={"autocomplete": "off"})


class SuggestionsForm(KeyForm):
    warehouse_id = IdField(validators=[DataRequired()])
