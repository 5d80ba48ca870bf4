"""The books on the API (shared/API.md "Books"): the chart of accounts, vouchers, the trial balance and the voucher
exports, for the roles that see the books (owner, finance); any other role's token gets 403 for all of it.

Balances are signed, debit positive, as on the trial balance: a credit balance (payables, revenue) is negative.
"""
from datetime import date

from flask import request
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api.feed import Feed
from app.api.pagination import page_args
from app.api.routes import bp
from app.api.schema import (Boolean, Choice, Date, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String,
                            ValidationFailed)
from app.api.spec import NOT_A_FEED, operation, reply, reply_page
from app.auth.roles import BOOKS, allow
from app.books import export as exports
from app.books.ledgers import TrialRow, trial_balance
from app.books.models import AccountType, Voucher, VoucherLine
from app.books.posting import period_of
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.limits import parse_date

MONTH = {"type": "string", "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])$", "maxLength": 7,
         "description": "A month, YYYY-MM"}
DATE = {"type": "string", "format": "date"}
SIGNED = "Signed: debit positive, credit negative"
FIRST_MONTH, LAST_MONTH = "0000-01", "9999-12"  # every month there is

ACCOUNT = Schema("Account", {
    "id": Integer(), "code": String(description="小企业会计准则 code; a sub-account's is its parent's plus two digits"),
    "name": String(), "kind": Choice(AccountType, description="资产, 负债, 所有者权益, 成本, 损益"),
    "parent_code": String(nullable=True), "debit_normal": Choice(["debit", "credit"], description="Its normal side"),
    "active": Boolean(),
    "balance": DecimalString(2, description=SIGNED + "; with its sub-accounts, all vouchers to date")})


def _line_has(name: str):
    return lambda line: getattr(line, name) is not None


VOUCHER_LINE = Schema("VoucherLine", {
    "account_code": String(source="account.code"), "account_name": String(source="account.name"),
    "memo": String(), "debit": DecimalString(2), "credit": DecimalString(2),
    "customer_id": Integer(description="Absent when the line concerns no customer", when=_line_has("customer_id")),
    "supplier_id": Integer(description="Absent when the line concerns no supplier", when=_line_has("supplier_id"))})
VOUCHER = Schema("Voucher", {
    "id": Integer(), "number": String(description="Numbered per month: 记-0001"),
    "period": String(description="YYYY-MM"), "date": Date(source="booked_on"), "memo": String(),
    "document": String(source="source_number", description="The posting document's number; empty when by hand"),
    "source_type": String(description="The kind of document (sales_invoice, receipt ...) or manual"),
    "source_id": Integer(nullable=True), "lines": ListOf(Nested(VOUCHER_LINE)),
    "updated_at": DateTime(source=lambda voucher: voucher.updated_at or voucher.created_at,
                           description="When it was made, or last restated (an opening balance changed)")})
TRIAL_ROW = Schema("TrialBalanceRow", {
    "code": String(source="account.code"), "name": String(source="account.name"),
    "parent_code": String(nullable=True, source="account.parent_code"),
    "opening": DecimalString(2, description=SIGNED), "debit": DecimalString(2), "credit": DecimalString(2),
    "closing": DecimalString(2, description=SIGNED)})
TRIAL_BALANCE = Schema("TrialBalance", {
    "from": String(description="YYYY-MM"), "to": String(description="YYYY-MM"), "rows": ListOf(Nested(TRIAL_ROW),
                                                                                           max_items=100_000)})


@bp.route("/accounts")
@allow(BOOKS)
@operation("The chart of accounts (会计科目) with each account's balance", response=ACCOUNT, listing=True,
           description=NOT_A_FEED)
def accounts_index():
    """Every account by code, parents summing their sub-accounts."""
    page, per_page = page_args(default_per_page=200)
    rows = trial_balance(FIRST_MONTH, LAST_MONTH)
    items = [{"id": row.account.id, "code": row.account.code, "name": row.account.name, "kind": row.account.type,
              "parent_code": row.account.parent_code, "debit_normal": "debit" if row.account.debit_normal else "credit",
              "active": row.account.active, "balance": row.closing}
             for row in rows[(page - 1) * per_page:page * per_page]]
    return reply({"items": items, "total": len(rows), "page": page, "per_page": per_page})


def _dates() -> tuple[date | None, date | None]:
    """The query's from/to days (each optional); the end before the start is a 422 naming `to`."""
    first, last = (parse_date(request.args[name], name) if request.args.get(name) else None for name in ("from", "to"))
    if first and last and last < first:
        raise ValidationFailed({"to": [_("The end comes before the start.")]})
    return first, last


@bp.route("/vouchers")
@allow(BOOKS)
@operation("List vouchers (记账凭证) with their lines, in number order", response=VOUCHER, listing=True,
           feed=Feed(Voucher, updated=func.coalesce(Voucher.updated_at, Voucher.created_at)), query={
    "from": {**DATE, "description": "First day (booked on or after)"},
    "to": {**DATE, "description": "Last day (booked on or before)"},
    "document": {"type": "string", "maxLength": 30, "description": "Only the voucher of this document number"}})
def vouchers_index():
    """Every voucher in the days asked for; every one balances (its debits equal its credits)."""
    first, last = _dates()
    query = select(Voucher).options(selectinload(Voucher.lines).selectinload(VoucherLine.account))
    if first:
        query = query.where(Voucher.booked_on >= first)
    if last:
        query = query.where(Voucher.booked_on <= last)
    if document := request.args.get("document", "").strip():
        query = query.where(Voucher.source_number == document)
    return reply_page(query.order_by(Voucher.period, Voucher.seq))


def _month(name: str, default: str) -> str:
    value = request.args.get(name, default)
    if exports.MONTH.match(value) is None:
        raise ValidationFailed({name: [_("Give a month as YYYY-MM, for example 2026-12.")]})
    return value


@bp.route("/reports/trial-balance")
@allow(BOOKS)
@operation("Trial balance (科目余额表) for whole months: opening, debits, credits and closing per account",
           response=TRIAL_BALANCE, query={"from": {**MONTH, "description": "First month, YYYY-MM (default: this one)"},
                                          "to": {**MONTH, "description": "Last month, YYYY-MM (default: from)"}})
def reports_trial_balance():
    """Every account by code, parents summing their sub-accounts; opening and closing signed, debit positive."""
    first = _month("from", period_of(business_today()))
    last = _month("to", first)
    if last < first:
        raise ValidationFailed({"to": [_("The end comes before the start.")]})
    rows: list[TrialRow] = trial_balance(first, last)
    return reply({"from": first, "to": last, "rows": rows})


@bp.route("/vouchers/export")
@allow(BOOKS)
@operation("The vouchers of some days as a file: 金蝶 (kingdee) or 用友 (yonyou) import .xlsx, or a beancount ledger",
           query={"from": {**DATE, "description": "First day"}, "to": {**DATE, "description": "Last day"},
                  "format": {"type": "string", "enum": list(exports.FORMATS)}},
           query_required=("from", "to", "format"))
def vouchers_export():
    """A download, laid out as the finance software imports it, account codes through its mapping."""
    first, last = _dates()
    try:
        period = exports.span(first, last)
    except BusinessRuleError as error:
        raise ValidationFailed({error.field: [str(error.message)]}) from None
    return exports.attachment(*exports.export(request.args["format"], period))

