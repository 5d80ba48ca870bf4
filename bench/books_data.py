"""The books of the reports bench's large shop: the vouchers its documents would have posted, written in bulk.

    .venv/bin/python bench/books_data.py [--replace]   (run by bench/books.py on the database reports_data.py made)

bench/reports_data.py writes two years of documents straight into the tables, so no voucher was posted for them.
This writes what app.books.posting would have, by the rules of app.books.rules, one voucher per document:

- stock valued move by move (qty x unit cost to the cent), as the ledger now stores each move's value;
- the opening stock (bench/seed.py's openings, which have no document): one 期初库存 voucher on the first day;
- a voucher per sales invoice (receivables / revenue / output VAT, cost of sales / goods shipped at the cost the
  sales facts hold), per delivery (goods shipped / stock), per sales return, per purchase receipt (stock / goods
  received not invoiced) and per purchase invoice (received not invoiced, input VAT / payables);
- the money: the invoices were marked paid without receipt documents, so a receipt voucher per paid sales invoice
  and a payment voucher per paid purchase invoice, on the due date, through the bank; the owner's capital on the
  first day, rent and wages at each month's end (manual vouchers, as finance would enter them);
- vouchers numbered per month in date order (记-0001...), the numbering counters moved past them, and the month
  totals (AccountMonth) rebuilt from the lines, as posting keeps them.

Rows go in through bench/seed.py's bulk_insert (COPY on PostgreSQL). Refuses to run twice (the bench's invoices
already having vouchers) unless --replace, which deletes what it wrote before. The checks of `flask check` that
compare documents and books hold for what is posted here; the receipts and payments have no documents
(reports_data.py made none), which the check reports.
"""
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import seed as catalogue  # noqa: E402

ZERO = Decimal("0.00")
CAPITAL = Decimal("2000000.00")
RENT, WAGES = Decimal("30000.00"), Decimal("85000.00")
BENCH = "BENCH"  # the source number of the manual vouchers written here (the documents' are theirs, with a B)


def forget() -> None:
    """Delete the vouchers written here before (to write them again after a change)."""
    from sqlalchemy import or_, select

    from app.books.models import Voucher, VoucherLine
    from app.extensions import db
    ours = select(Voucher.id).where(or_(Voucher.source_number.like("%-B%"), Voucher.source_number == BENCH))
    db.session.execute(VoucherLine.__table__.delete().where(VoucherLine.voucher_id.in_(ours)))
    db.session.execute(Voucher.__table__.delete().where(Voucher.id.in_(ours)))
    db.session.commit()


def generate() -> dict:
    from sqlalchemy import func, literal_column, select, text, type_coerce

    from app.books import chart
    from app.books.models import Account, AccountMonth, Voucher, VoucherLine
    from app.db_types import Money
    from app.extensions import db
    from app.inventory.models import StockMove
    from app.numbering import DocumentSequence
    from app.purchasing.models import PurchaseInvoice, PurchaseReceipt
    from app.reports.models import SalesFact
    from app.sales.models import SalesDelivery, SalesInvoice, SalesReturn
    from app.settings.services import business_zone

    started = time.perf_counter()
    bench_invoices = select(SalesInvoice.id).where(SalesInvoice.number.like("SI-%-B%"))
    if db.session.scalar(select(func.count()).select_from(Voucher).where(
            Voucher.source_type == "sales_invoice", Voucher.source_id.in_(bench_invoices.limit(1)))):
        raise SystemExit("books_data: the bench's documents have their vouchers already")
    chart.ensure()
    db.session.commit()
    account = dict(db.session.execute(select(Account.code, Account.id)).all())
    zone = business_zone()
    owner = db.session.scalar(text("SELECT id FROM \"user\" WHERE role = 'owner' ORDER BY id LIMIT 1"))

    # Each stock move's value to the cent, half away from zero, as the ledger now stores it (the moves are
    # append-only and reports_data.py / seed.py wrote them without): qty is stored x1000, unit cost x10000, value
    # x100, so value = qty * cost / 10**5.
    # Plain SQL: a bound constant would be scaled by the column's type (50000 read as 50000.000).
    move_value = literal_column("CASE WHEN stock_move.value != 0 THEN stock_move.value "
                           "WHEN stock_move.qty * stock_move.unit_cost >= 0 "
                           "THEN (stock_move.qty * stock_move.unit_cost + 50000) / 100000 "
                           "ELSE -((-(stock_move.qty * stock_move.unit_cost) + 50000) / 100000) END", Money())

    def moves_value(source: str) -> dict[int, Decimal]:
        return dict(db.session.execute(select(StockMove.source_id, type_coerce(func.sum(move_value), Money()))
                                       .where(StockMove.source_type == source, StockMove.source_id.is_not(None))
                                       .group_by(StockMove.source_id)).all())

    def day_of(moment) -> date:
        return moment.astimezone(zone).date()

    vouchers = []  # (booked_on, source_type, source_id, number, memo, [(code, debit, credit, customer, supplier)])

    def voucher(day, source, source_id, number, memo, *lines):
        vouchers.append((day, source, source_id, number, memo, [line for line in lines if line[1] or line[2]]))

    def dr(code, amount, customer=None, supplier=None):
        return (code, amount, ZERO, customer, supplier) if amount >= 0 else (code, ZERO, -amount, customer, supplier)

    def cr(code, amount, customer=None, supplier=None):
        return (code, ZERO, amount, customer, supplier) if amount >= 0 else (code, -amount, ZERO, customer, supplier)

    first_day = db.session.scalar(select(func.min(SalesInvoice.issued_on)).where(SalesInvoice.id.in_(bench_invoices)))
    today = db.session.scalar(select(func.max(SalesInvoice.issued_on)))
    # -- opening stock (no document behind bench/seed.py's openings) and the owner's capital ----------------
    opening = db.session.scalar(select(type_coerce(func.sum(move_value), Money())).where(
        StockMove.source_type == "opening", StockMove.source_id.is_(None))) or ZERO
    voucher(first_day, "manual", None, BENCH, "期初库存", dr("1405", opening), cr("310401", opening))
    voucher(first_day, "manual", None, BENCH, "投资款", dr("100201", CAPITAL), cr("3001", CAPITAL))

    # -- sales ------------------------------------------------------------------------------------------
    cost = dict(db.session.execute(select(SalesFact.invoice_id, func.sum(SalesFact.cost))
                                   .where(SalesFact.invoice_id.is_not(None)).group_by(SalesFact.invoice_id)).all())
    for row in db.session.execute(select(SalesInvoice.id, SalesInvoice.number, SalesInvoice.customer_id,
                                         SalesInvoice.issued_on, SalesInvoice.due_on, SalesInvoice.subtotal,
                                         SalesInvoice.tax, SalesInvoice.total, SalesInvoice.paid)
                                  .where(SalesInvoice.id.in_(bench_invoices))):
        sid, number, customer, issued, due, subtotal, tax, total, paid = row
        goods = cost.get(sid, ZERO)
        voucher(issued, "sales_invoice", sid, number, f"销售发票 {number}", dr("1122", total, customer),
                cr("5001", subtotal), cr("22210102", tax), dr("5401", goods), cr("1406", goods))
        if paid:
            voucher(min(due, today), "manual", None, BENCH, f"收款 {number}", dr("100201", paid),
                    cr("1122", paid, customer))
    del cost
    print(f"  sales invoices ({time.perf_counter() - started:.0f} s)", flush=True)
    values = moves_value("sales_delivery")
    for did, number, created in db.session.execute(select(SalesDelivery.id, SalesDelivery.number,
                                                          SalesDelivery.created_at)
                                                   .where(SalesDelivery.number.like("DN-%-B%"))):
        shipped = -values.get(did, ZERO)
        voucher(day_of(created), "sales_delivery", did, number, f"销售出库 {number}", dr("1406", shipped),
                cr("1405", shipped))
    returned_cost = {rid: -c for rid, c in db.session.execute(
        select(SalesFact.return_id, func.sum(SalesFact.cost)).where(SalesFact.return_id.is_not(None))
        .group_by(SalesFact.return_id))}
    values = moves_value("sales_return")
    for rid, number, customer, created, subtotal, tax in db.session.execute(
            select(SalesReturn.id, SalesReturn.number, SalesReturn.customer_id, SalesReturn.created_at,
                   SalesReturn.subtotal, SalesReturn.tax).where(SalesReturn.number.like("SR-%-B%"))):
        back, value = returned_cost.get(rid, ZERO), values.get(rid, ZERO)
        voucher(day_of(created), "sales_return", rid, number, f"销售退货 {number}", dr("5001", subtotal),
                dr("22210102", tax), cr("1122", subtotal + tax, customer), dr("1405", back), cr("5401", back),
                dr("1405", value - back), cr("1406", value - back))

    # -- purchases --------------------------------------------------------------------------------------
    values = moves_value("purchase_receipt")
    for gid, number, posted in db.session.execute(select(PurchaseReceipt.id, PurchaseReceipt.number,
                                                         PurchaseReceipt.posted_at)
                                                  .where(PurchaseReceipt.number.like("GR-%-B%"))):
        value = values.get(gid, ZERO)
        voucher(day_of(posted), "purchase_receipt", gid, number, f"采购入库 {number}", dr("1405", value),
                cr("220202", value))
    del values
    for pid, number, supplier, issued, due, subtotal, tax, total, paid in db.session.execute(
            select(PurchaseInvoice.id, PurchaseInvoice.number, PurchaseInvoice.supplier_id, PurchaseInvoice.issued_on,
                   PurchaseInvoice.due_on, PurchaseInvoice.subtotal, PurchaseInvoice.tax, PurchaseInvoice.total,
                   PurchaseInvoice.paid).where(PurchaseInvoice.number.like("PI-%-B%"))):
        voucher(issued, "purchase_invoice", pid, number, f"采购发票 {number}", dr("220202", subtotal),
                dr("22210101", tax), cr("220201", total, supplier=supplier))
        if paid:
            voucher(min(due, today), "manual", None, BENCH, f"付款 {number}", dr("220201", paid, supplier=supplier),
                    cr("100201", paid))

    # -- rent and wages at each month's end --------------------------------------------------------------
    month = first_day.replace(day=1)
    while month <= today:
        end = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), today)
        voucher(end, "manual", None, BENCH, "房租", dr("560201", RENT), cr("100201", RENT))
        voucher(end, "manual", None, BENCH, "工资", dr("560203", WAGES), cr("100201", WAGES))
        month = (month + timedelta(days=32)).replace(day=1)
    print(f"  {len(vouchers)} vouchers built ({time.perf_counter() - started:.0f} s)", flush=True)

    # -- numbered per month in date order, after what the demo posted ------------------------------------
    vouchers.sort(key=lambda v: (v[0], v[1], v[2] or 0))
    seq = defaultdict(int, db.session.execute(select(Voucher.period, func.max(Voucher.seq))
                                              .group_by(Voucher.period)).all())
    next_voucher = (db.session.scalar(select(func.max(Voucher.id))) or 0) + 1
    next_line = (db.session.scalar(select(func.max(VoucherLine.id))) or 0) + 1
    voucher_rows, line_rows = [], []
    for day, source, source_id, number, memo, lines in vouchers:
        period = f"{day:%Y-%m}"
        seq[period] += 1
        debit = sum((line[1] for line in lines), ZERO)
        assert debit == sum((line[2] for line in lines), ZERO), (source, number)
        voucher_rows.append((next_voucher, period, seq[period], day, memo, source, source_id, number, owner,
                             day_created(day)))
        for code, debit, credit, customer, supplier in lines:
            line_rows.append((next_line, next_voucher, account[code], day, memo, debit, credit, customer, supplier))
            next_line += 1
        next_voucher += 1
    del vouchers
    catalogue.bulk_insert(Voucher.__table__, ["id", "period", "seq", "booked_on", "memo", "source_type", "source_id",
                                              "source_number", "user_id", "created_at"], voucher_rows)
    print(f"  {len(voucher_rows)} vouchers inserted ({time.perf_counter() - started:.0f} s)", flush=True)
    catalogue.bulk_insert(VoucherLine.__table__, ["id", "voucher_id", "account_id", "booked_on", "memo", "debit",
                                                  "credit", "customer_id", "supplier_id"], line_rows)
    print(f"  {len(line_rows)} voucher lines inserted ({time.perf_counter() - started:.0f} s)", flush=True)
    counters = [{"prefix": "记", "year": int(period.replace("-", "")), "last": last} for period, last in seq.items()]
    db.session.execute(DocumentSequence.__table__.delete().where(DocumentSequence.prefix == "记"))
    db.session.execute(DocumentSequence.__table__.insert(), counters)
    # The month totals from the lines, as posting keeps them (the demo's included).
    db.session.execute(AccountMonth.__table__.delete())
    db.session.execute(text(
        "INSERT INTO account_month (account_id, period, debit, credit) "
        "SELECT voucher_line.account_id, voucher.period, SUM(voucher_line.debit), SUM(voucher_line.credit) "
        "FROM voucher_line JOIN voucher ON voucher.id = voucher_line.voucher_id "
        "GROUP BY voucher_line.account_id, voucher.period"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            auto = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("voucher", "voucher_line"):
                auto.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            auto.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"vouchers": len(voucher_rows), "lines": len(line_rows), "seconds": round(time.perf_counter() - started, 1)}


def day_created(day: date):
    """A voucher's creation time: noon UTC of its day (bench vouchers were never typed by anyone)."""
    from datetime import datetime, timezone
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def main() -> int:
    from wsgi import app
    with app.app_context():
        if "--replace" in sys.argv:
            forget()
        result = generate()
    print(f"books: {result['vouchers']} vouchers, {result['lines']} voucher lines in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
