"""The books' forms: input shape only (app.books.accounts and app.books.vouchers hold the rules)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, StringField

from app.books.vouchers import LineInput

EMPTY_LINES = 4  # rows a new voucher starts with, so it works without JavaScript


class NameForm(FlaskForm):
    """An account's new name, or a new sub-account's."""

    name = StringField(lazy_pgettext("account", "Name"), render_kw={"autocomplete": "off", "maxlength": 60})
    idempotency_key = HiddenField()


class VoucherLineForm(Form):
    account = StringField(lazy_pgettext("ledger account", "Account"), render_kw={"autocomplete": "off", "list": "leaf-accounts",
                                                    "placeholder": _l("Code or name")})
    debit = StringField(lazy_pgettext("voucher", "Debit"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    credit = StringField(lazy_pgettext("voucher", "Credit"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    memo = StringField(_l("Line memo"), render_kw={"autocomplete": "off", "maxlength": 200})


class VoucherForm(FlaskForm):
    booked_on = StringField(_l("Date"), render_kw={"type": "date"})
    memo = StringField(_l("Memo (摘要)"), render_kw={"autocomplete": "off", "maxlength": 200})
    lines = FieldList(FormField(VoucherLineForm), min_entries=EMPTY_LINES, max_entries=60)
    idempotency_key = HiddenField()

    def typed_lines(self) -> list[LineInput]:
        return [LineInput(entry.form.account.data or "", entry.form.debit.data or "", entry.form.credit.data or "",
                          entry.form.memo.data or "") for entry in self.lines]


class ReopenForm(FlaskForm):
    period = HiddenField()
    reason = StringField(_l("Why reopen it"), render_kw={"autocomplete": "off", "maxlength": 200})
