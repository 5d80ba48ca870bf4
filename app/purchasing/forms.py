"""Supplier and purchase order screen forms: input shape only; app.partners.suppliers and app.purchasing services
check the numbers and the rules again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.catalog.forms import Amount
from app.finance.forms import method_choices, money_account_field
from app.forms import IdField
from app.limits import AMOUNT, PRICE, QUANTITY
from app.partners.forms import PartnerForm, days_validator
from app.partners.services import CODE_LENGTH, TEXT_FIELDS

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
SUPPLIER_TEXT = ("name", "contact", "phone", "mobile", "email", "address", "tax_number", "bank_name", "bank_account",
                 "notes")


class SupplierForm(PartnerForm):
    name = StringField(_l("Supplier name"), validators=[DataRequired(), Length(max=TEXT_FIELDS["name"])])
    code = StringField(_l("Supplier code"), validators=[Length(max=CODE_LENGTH)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    lead_time_days = StringField(_l("Lead time (days)"), validators=[days_validator], default="7",
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    active = BooleanField(_l("Active (can be ordered from)"), default=True)

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
    money_account_id = money_account_field(_l("From account"))
    reference = StringField(_l("Reference"), validators=[Length(max=100)], render_kw={"autocomplete": "off"})


class SuggestionsForm(KeyForm):
    warehouse_id = IdField(validators=[DataRequired()])
