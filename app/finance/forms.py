"""The receipt form, and reading its per-invoice allocations into the service's AllocationInput."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.books import money as money_accounts
from app.db_types import business_today, to_decimal
from app.finance.models import PaymentMethod
from app.finance.services import AllocationInput
from app.limits import FIRST_DAY, LAST_DAY


def method_choices():
    return [(method.value, method.label) for method in PaymentMethod]


def money_account_choices():
    """The active money accounts by name (no balances: salespeople pick from it too); blank leaves the choice to
    the method (cash to the till, a transfer to the bank)."""
    return [SelectChoice("", _("The usual one for how it was paid"))] + [
        SelectChoice(str(account.id), account.name) for account in money_accounts.active_accounts()]


def money_account_field(label):
    # The service checks the account; choices are set per request (accounts change).
    return SelectField(label, choices=money_account_choices, validate_choice=False)


def not_in_future(form, field):
    if field.data and field.data > business_today():
        raise ValidationError(_("A receipt cannot be dated in the future."))
    if field.data and field.data < FIRST_DAY:  # 0001-01-01 is a typing mistake, and reports step back from it
        raise ValidationError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                last=LAST_DAY.isoformat()))


class ReceiptForm(FlaskForm):
    amount = StringField(_l("Amount received"), validators=[DataRequired(message=_l("Enter an amount."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    # The service checks the value; the form only asks for one.
    method = RadioField(_l("Paid by"), choices=method_choices, validate_choice=False,
                        validators=[DataRequired(message=_l("Choose how the customer paid."))])
    paid_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date.")), not_in_future])
    money_account_id = money_account_field(_l("Into account"))
    reference = StringField(_l("Reference"), validators=[Length(max=100)],
                            render_kw={"autocomplete": "off", "placeholder": _l("Bank or WeChat transaction number")})
    idempotency_key = HiddenField()


def allocation_field(invoice) -> str:
    return f"alloc-{invoice.id}"


def amount_or_none(text) -> Decimal | None:
    """A typed amount, or None when it is blank or not a number."""
    try:
        return to_decimal(text, 2) if (text or "").strip() else None
    except (TypeError, ValueError):
        return None


def read_allocations(invoices, data) -> list[AllocationInput] | None:
    """What the form sets against each open invoice (blank and zero skipped); None when every one is blank,
    which settles the oldest first. Text that is not a number goes to the service, which names the problem."""
    given = []
    for invoice in invoices:
        text = (data.get(allocation_field(invoice)) or "").strip()
        value = amount_or_none(text)
        if text and value != 0:
            given.append(AllocationInput(invoice.id, text))
    return given or None
