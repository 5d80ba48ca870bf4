"""Money account, transfer, expense, category and bank statement forms: input shape only (the services hold the
rules and parse the numbers again)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.books.models import MoneyDirection, MoneyKind
from app.catalog.forms import Amount
from app.forms import IdField
from app.limits import AMOUNT, FIRST_DAY, LAST_DAY

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


def in_range(form, field):
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                 last=LAST_DAY.isoformat()))


def _amount(label, required=True):
    validators = [DataRequired(message=_l("Enter an amount."))] if required else []
    return StringField(label, validators=[*validators, Amount(AMOUNT)], render_kw=NUMBER)


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=60)],
                       render_kw={"autocomplete": "off", "placeholder": _l("e.g. ICBC basic account")})
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, kind.label) for kind in MoneyKind],
                       validate_choice=False)
    bank_name = StringField(_l("Bank"), validators=[Length(max=100)], render_kw={"autocomplete": "off"})
    account_number = StringField(_l("Account number"), validators=[Length(max=50)],
                                 render_kw={"autocomplete": "off", "inputmode": "numeric"})
    opening_balance = _amount(_l("Opening balance"), required=False)
    opened_on = DateField(_l("Balance on"), validators=[Optional(), in_range])
    active = BooleanField(_l("Active (receipts, payments and expenses may use it)"), default=True)
    idempotency_key = HiddenField()

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "kind", "bank_name", "account_number",
                                                            "opening_balance", "opened_on", "active")}


class TransferForm(FlaskForm):
    from_account_id = SelectField(_l("From"), validate_choice=False,
                                  validators=[DataRequired(message=_l("Choose a money account."))])
    to_account_id = SelectField(_l("To"), validate_choice=False,
                                validators=[DataRequired(message=_l("Choose a money account."))])
    amount = _amount(_l("Amount"))
    moved_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date.")), in_range])
    notes = StringField(_l("Notes"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    idempotency_key = HiddenField()


class ExpenseForm(FlaskForm):
    category_id = SelectField(_l("Category"), validate_choice=False,
                              validators=[DataRequired(message=_l("Choose a category."))])
    money_account_id = SelectField(_l("Money account"), validate_choice=False,
                                   validators=[DataRequired(message=_l("Choose a money account."))])
    amount = _amount(_l("Amount (tax included)"))
    tax = _amount(_l("Deductible input VAT"), required=False)
    spent_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date.")), in_range])
    supplier_id = SelectField(_l("Supplier (optional)"), validate_choice=False)
    notes = StringField(_l("Notes"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    # The phone opens its back camera; a computer shows the file picker.
    photo = FileField(_l("Photo of the receipt or fapiao"), render_kw={"accept": "image/*", "capture": "environment"})
    idempotency_key = HiddenField()

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("category_id", "money_account_id", "amount", "tax",
                                                            "spent_on", "supplier_id", "notes")}


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=60)],
                       render_kw={"autocomplete": "off"})
    direction = SelectField(_l("For"), choices=[SelectChoice(d.value, d.label) for d in MoneyDirection],
                            validate_choice=False)
    account_id = SelectField(_l("Account"), validate_choice=False,
                             validators=[DataRequired(message=_l("Choose an account."))])
    active = BooleanField(_l("Active"), default=True)
    idempotency_key = HiddenField()

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "direction", "account_id", "active")}


class StatementForm(FlaskForm):
    file = FileField(_l("The bank's statement (.xlsx or .csv)"), render_kw={"accept": ".xlsx,.csv"})


class MatchForm(FlaskForm):
    line_id = IdField(validators=[DataRequired()])
    voucher_line_id = IdField(validators=[Optional()])
