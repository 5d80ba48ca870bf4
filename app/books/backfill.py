"""`flask books backfill`: bring a database from before the books up to them, and keep it there.

Payments from before money accounts get the money account their method says; every posting document without a
voucher gets one, in date order (so each month's numbers follow its days); stock that came in with no document
(an old import: stock moves with no source id) is booked by one manual voucher "期初库存" against retained earnings,
as finance would. Running it again finds nothing left to do.
"""
import click
from sqlalchemy import func, select

from app.amounts import ZERO
from app.books import chart, money, posting
from app.books.models import Account, Voucher, VoucherLine
from app.books.rules import MANUAL, RULES
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import Payment
from app.inventory.models import StockMove
from app.settings.services import business_zone

OPENING_STOCK_MEMO = "期初库存"

# Within a day: what comes first in a business's day, so a month's vouchers read in a natural order (goods in before
# goods out, a delivery before its invoice, an invoice before its payment).
ORDER = ("opening", "opening_receivable", "opening_payable", "opening_money", "purchase_receipt", "purchase_invoice",
         "purchase_return", "adjustment", "stocktake", "sales_delivery", "sales_invoice", "sales_return", "receipt",
         "supplier_payment", "expense", "other_income", "money_transfer")


def backfill(actor=None) -> dict[str, int]:
    """Do what is missing; returns what was done, by kind. The caller commits."""
    chart.ensure()
    done = {"payments": _name_money_accounts()}
    done.update(_post_missing(actor))
    if _book_undocumented_stock(actor):
        done[OPENING_STOCK_MEMO] = 1
    return {kind: count for kind, count in done.items() if count}


def _name_money_accounts() -> int:
    payments = db.session.scalars(select(Payment).where(Payment.money_account_id.is_(None))).all()
    for payment in payments:
        payment.money_account = money.account_for(payment.method)
    db.session.flush()
    return len(payments)


def _post_missing(actor) -> dict:
    pending = []
    rank = {source: place for place, source in enumerate(ORDER)}
    for source, rule in RULES.items():
        documents = rule.documents().subquery()
        model = rule.documents().column_descriptions[0]["entity"]
        posted = select(Voucher.source_id).where(Voucher.source_type == source, Voucher.source_id.is_not(None))
        for document in db.session.scalars(select(model).where(model.id.in_(
                select(documents.c.id).where(documents.c.id.not_in(posted))))):
            pending.append((rule.figures(document).booked_on, rank.get(source, len(rank)), document.id, source,
                            document))
    counts: dict[str, int] = {}
    for _day, _rank, _id, source, document in sorted(pending, key=lambda row: row[:3]):
        if posting.post(actor, source, document) is not None:
            counts[source] = counts.get(source, 0) + 1
    db.session.flush()
    return counts


def _book_undocumented_stock(actor) -> bool:
    """Book the value of stock moves no document accounts for, less what earlier runs (or finance) booked for it."""
    value = db.session.scalar(select(func.sum(StockMove.value)).where(StockMove.source_id.is_(None))) or ZERO
    roles = chart.by_role()
    stock, equity = roles["stock"], roles["opening_equity"]
    booked_debit, booked_credit = db.session.execute(
        select(func.sum(VoucherLine.debit), func.sum(VoucherLine.credit)).join(Voucher).where(
            Voucher.source_type == MANUAL, Voucher.memo == OPENING_STOCK_MEMO,
            VoucherLine.account_id == stock.id)).one()
    difference = value - ((booked_debit or ZERO) - (booked_credit or ZERO))
    if difference == 0:
        return False
    # The first time on the day the first such stock came in; a later difference on the day of the latest.
    moved = db.session.scalar(select(func.max(StockMove.created_at) if booked_debit or booked_credit
                                     else func.min(StockMove.created_at)).where(StockMove.source_id.is_(None)))
    day = moved.astimezone(business_zone()).date() if moved else business_today()
    posting.post_manual(actor, day, OPENING_STOCK_MEMO, _two_sides(stock, equity, difference))
    return True


def _two_sides(stock: Account, equity: Account, amount) -> list[VoucherLine]:
    """Stock debited and retained earnings credited by `amount` (the other way round when it is negative)."""
    debit, credit = (stock, equity) if amount > 0 else (equity, stock)
    return [VoucherLine(account_id=debit.id, debit=abs(amount), credit=ZERO),
            VoucherLine(account_id=credit.id, debit=ZERO, credit=abs(amount))]


@click.group("books")
def books_cli():
    """The books: bring an older database up to them."""


@books_cli.command("backfill")
def backfill_command():
    """Give legacy payments a money account and post every missing voucher (safe to run again)."""
    try:
        done = backfill()
    except BusinessRuleError as error:  # a document dated in a month finance closed: say which, write nothing
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    if not done:
        click.echo("the books are complete; nothing to do")
    for kind, count in done.items():
        click.echo(f"{kind}: {count}")

