"""Generate a large shop's sales history for the reports bench (run by bench/reports.py, or by hand).

    .venv/bin/python bench/reports_data.py [--products 20000] [--customers 2000] [--lines 1000000] [--days 730]

Runs inside the app (DATABASE_URL / JXC_INSTANCE name the database) on a database that has had `flask db
upgrade` and `flask demo` and nothing else: bench/seed.py's catalogue first (products with real names, barcodes
and search text, an opening balance each in the main warehouse), then, day by day over about two years:

- customers (skewed: a few big buyers), each with one of the demo's salespeople;
- sales orders of 1-9 lines, each delivered and invoiced the day it was taken (deliveries with the moving
  average cost the goods left at, their stock moves, invoices and invoice lines), and one sales fact per
  invoice line (what the dashboard and the sales reports read), consistent with those documents;
- about 1 % of lines partly returned a few days later (returns, return moves at the cost the goods left at,
  credit on the invoice, negative sales facts);
- purchase orders, receipts and receipt moves whenever a warehouse runs low (receipt prices drift by up to
  ±8 % a year, so the average cost moves and margins depend on the cost snapshot); supplier invoices;
- invoices paid after their terms except a few percent, and the last weeks' invoices open (aging has work).
  Paid amounts are set on the invoices directly, without receipt/payment documents and their allocations, so
  `flask check` reports those (and only those) as breaches; every stock invariant holds;
- stock levels equal to the sum of their moves and products' average cost as the moves left it.

Rows are built in Python and written per chunk through bench/seed.py's bulk_insert (COPY on PostgreSQL,
executemany on SQLite) with ids assigned here, so a million lines take minutes, not hours. Document numbers
carry a `B` (SO-2025-B0000001) so they never meet the app's own numbering. Deterministic (fixed seed).
"""
import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, time as clock_time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import seed as catalogue  # noqa: E402

SEED = 20261128
CHUNK_LINES = 50000
CENT, COST, ZERO = Decimal("0.01"), Decimal("0.0001"), Decimal("0")
TAX = Decimal("13")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PLACES = ["浦东", "徐汇", "闵行", "嘉定", "杭州", "苏州", "南京", "宁波", "无锡", "合肥", "常州", "绍兴"]
KINDS = ["数码城", "手机店", "通讯", "电子商行", "配件批发部", "维修店", "超市", "便利店"]


class Ids:
    """The next free id of each table (ids are assigned here so lines can point at their documents)."""

    def __init__(self, tables):
        from sqlalchemy import func, select

        from app.extensions import db
        self.next = {t.name: (db.session.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables}

    def take(self, table) -> int:
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


def _default(column):
    """What SQLAlchemy would have put in a column left out of an INSERT (its Python-side default, else NULL)."""
    default = column.default
    if default is None:
        return None
    return default.arg if default.is_scalar else default.arg(None)


def insert_full(table, rows: list[dict]) -> None:
    """Bulk-insert dicts, the columns they leave out filled with their defaults."""
    names = [c.name for c in table.c if c.name in rows[0] or c.name != "id"]
    fill = {c.name: _default(c) for c in table.c if c.name not in rows[0] and c.name != "id"}
    catalogue.bulk_insert(table, names, [tuple({**row, **fill}[n] for n in names) for row in rows])


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def generate(products: int, customers: int, lines: int, days: int) -> dict:
    from flask import current_app
    from sqlalchemy import bindparam, func, select, text, update

    from app.amounts import line_amounts
    from app.auth.models import User
    from app.auth.roles import Role
    from app.catalog.models import Product
    from app.extensions import db
    from app.inventory import totals
    from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
    from app.partners.models import Customer, PriceLevel, Supplier
    from app.purchasing.models import (PurchaseInvoice, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt,
                                       PurchaseReceiptLine, PurchaseStatus)
    from app.reports.models import SalesFact
    from app.sales.models import (OrderStatus, SalesDelivery, SalesDeliveryLine, SalesInvoice,
                                  SalesInvoiceLine, SalesOrder, SalesOrderLine, SalesReturn, SalesReturnLine)
    from app.search import haystack
    from app.trade.settlement import InvoiceStatus

    started = time.perf_counter()
    T = {m.__tablename__: m.__table__ for m in (
        SalesOrder, SalesOrderLine, SalesDelivery, SalesDeliveryLine, SalesInvoice, SalesInvoiceLine, SalesReturn,
        SalesReturnLine, StockMove, SalesFact, Customer, Supplier, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt,
        PurchaseReceiptLine, PurchaseInvoice)}
    if db.session.scalar(select(func.count()).select_from(SalesFact)) > 1000:
        raise SystemExit("reports_data: the database has sales facts already; generate only into a fresh demo database")

    # -- the catalogue and opening balances: bench/seed.py, openings only (the sales below are the movement) --
    have_moves = db.session.scalar(select(func.count()).select_from(StockMove))
    have_products = db.session.scalar(select(func.count()).select_from(Product))
    with tempfile.NamedTemporaryFile(suffix=".json") as samples:
        catalogue.seed(products, products - have_products + have_moves, Path(samples.name))
    print(f"catalogue: {products} products in {time.perf_counter() - started:.0f} s", flush=True)

    zone = ZoneInfo(current_app.config["TIMEZONE"])
    rng = random.Random(SEED)
    owner = db.session.scalar(select(User).where(User.role == Role.OWNER).order_by(User.id))
    sellers = db.session.scalars(select(User.id).where(User.role == Role.SALES).order_by(User.id)).all() or [owner.id]
    warehouses = db.session.scalars(select(Warehouse.id).where(Warehouse.active).order_by(Warehouse.id)).all()[:2]
    main, shop = warehouses[0], warehouses[-1]
    rows = db.session.execute(select(Product.id, Product.sale_price, Product.purchase_price, Product.active)).all()
    price = {pid: sale for pid, sale, _cost, _active in rows}
    base_cost = {pid: cost for pid, _sale, cost, _active in rows}
    sellable = [pid for pid, _s, _c, active in rows if active]
    levels, reserved = {}, {}  # reserved: the demo's confirmed orders keep theirs
    for pid, wid, on_hand, held in db.session.execute(select(StockLevel.product_id, StockLevel.warehouse_id,
                                                             StockLevel.on_hand, StockLevel.reserved)):
        levels[(pid, wid)], reserved[(pid, wid)] = on_hand, held
    avg = dict(db.session.execute(select(Product.id, Product.avg_cost)).all())
    ids = Ids(T.values())

    now = datetime.now(timezone.utc)
    # -- suppliers and customers ----------------------------------------------------------------------------
    supplier_rows = []
    for n, brand in enumerate(catalogue.BRANDS):
        sid = ids.take(T["supplier"])
        name = f"{brand}供应链{n + 1}号"
        # Codes of their own (B...), never meeting the app's C0001 / S0001 sequence.
        supplier_rows.append(dict(id=sid, code=f"SB{sid:05d}", name=name, payment_terms_days=30, lead_time_days=7,
                                  search_text=haystack(name), active=True, created_at=now, updated_at=now))
    insert_full(T["supplier"], supplier_rows)
    supplier_ids = [row["id"] for row in supplier_rows]
    supplier_of = {pid: supplier_ids[pid % len(supplier_ids)] for pid in price}
    customer_rows, terms = [], {}
    for n in range(customers):
        cid = ids.take(T["customer"])
        name = f"{rng.choice(PLACES)} {rng.choice(SURNAMES)}记{rng.choice(KINDS)} {n + 1}"
        terms[cid] = rng.choice([15, 30, 30, 45, 60])
        customer_rows.append(dict(id=cid, code=f"CB{cid:05d}", name=name, salesperson_id=rng.choice(sellers), payment_terms_days=terms[cid],
                                  search_text=haystack(name), active=True, price_level=PriceLevel.RETAIL,
                                  created_at=now, updated_at=now))
    insert_full(T["customer"], customer_rows)
    customer_ids = [row["id"] for row in customer_rows]
    seller_of = {row["id"]: row["salesperson_id"] for row in customer_rows}
    db.session.commit()

    # Skewed demand: a product's and a customer's share falls off with their (random) rank.
    rng.shuffle(sellable)
    # cumulative weights, worked out once: rng.choices would otherwise add up 20,000 weights on every call
    product_weights = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(sellable))))
    rng.shuffle(customer_ids)
    customer_weights = list(accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(customer_ids))))

    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    orders_per_day = max(1, round(lines / 5 / days))
    buffers = defaultdict(list)
    columns, fillers = {}, {}
    po_settled = []        # (purchase order, subtotal, tax, status) once its week's invoice is made
    counts = defaultdict(int)
    open_po = {}           # (supplier, warehouse) -> purchase order id of the current week
    po_totals = defaultdict(lambda: [ZERO, ZERO])

    def add(table: str, **values):
        if table not in columns:  # every column: the bulk insert bypasses SQLAlchemy's Python-side defaults
            columns[table] = [c.name for c in T[table].c if c.name in values or c.name != "id"]
            fillers[table] = {c.name: _default(c) for c in T[table].c if c.name not in values and c.name != "id"}
        values.update(fillers[table])
        buffers[table].append(tuple(values[c] for c in columns[table]))
        counts[table] += 1

    def flush():
        # Parents before children (foreign keys are checked on PostgreSQL as rows arrive).
        for name in ("supplier", "customer", "purchase_order", "purchase_order_line", "purchase_receipt",
                     "purchase_receipt_line", "purchase_invoice", "sales_order", "sales_order_line", "sales_delivery",
                     "sales_delivery_line", "sales_invoice", "sales_invoice_line", "sales_return", "sales_return_line",
                     "stock_move", "sales_fact"):
            if buffers[name]:
                catalogue.bulk_insert(T[name], columns[name], buffers[name])
                buffers[name].clear()
        db.session.commit()

    def at(day: date, minute: int) -> datetime:
        return datetime.combine(day, clock_time(9), tzinfo=zone).astimezone(timezone.utc) + timedelta(minutes=minute)

    def drift(day: date, pid: int) -> Decimal:
        """Receipt prices wander by up to ±8 % a year, product by product."""
        years = Decimal((day - first_day).days) / 365
        return (base_cost[pid] * (1 + Decimal((pid % 17) - 8) / 100 * years)).quantize(CENT, ROUND_HALF_UP)

    def receive(day: date, pid: int, wid: int, qty: int, when: datetime):
        """Goods in from the product's supplier on this week's purchase order (one receipt per order line)."""
        sid = supplier_of[pid]
        week = (day - first_day).days // 7
        key = (sid, wid, week)
        if key not in open_po:
            po = ids.take(T["purchase_order"])
            open_po[key] = po
            add("purchase_order", id=po, number=f"PO-{day.year}-B{po:07d}", supplier_id=sid, warehouse_id=wid,
                status=PurchaseStatus.RECEIVED, expected_on=day, notes="", subtotal=ZERO, tax=ZERO, total=ZERO,
                auto_drafted=False, user_id=owner.id, confirmed_at=when, received_at=when, created_at=when,
                updated_at=when)
        po = open_po[key]
        unit = drift(day, pid)
        amount, tax = line_amounts(Decimal(qty), unit, ZERO, TAX)
        po_totals[po][0] += amount
        po_totals[po][1] += tax
        pol = ids.take(T["purchase_order_line"])
        add("purchase_order_line", id=pol, order_id=po, product_id=pid, qty=qty, unit_price=unit, tax_rate=TAX,
            amount=amount, tax=tax, received_qty=qty, invoiced_qty=0, returned_qty=0, credited_qty=0)
        receipt = ids.take(T["purchase_receipt"])
        add("purchase_receipt", id=receipt, number=f"GR-{day.year}-B{receipt:07d}", order_id=po, warehouse_id=wid,
            notes="", user_id=owner.id, created_at=when, posted_at=when)
        rl = ids.take(T["purchase_receipt_line"])
        add("purchase_receipt_line", id=rl, receipt_id=receipt, order_line_id=pol, product_id=pid, qty=qty,
            unit_cost=unit)
        total_on_hand = sum(levels.get((pid, w), ZERO) for w in warehouses)
        if total_on_hand + qty > 0:  # the moving average, as post_moves keeps it
            avg[pid] = ((max(total_on_hand, ZERO) * avg[pid] + qty * unit) / (max(total_on_hand, ZERO) + qty)
                        ).quantize(COST, ROUND_HALF_UP)
        levels[(pid, wid)] = levels.get((pid, wid), ZERO) + qty
        add("stock_move", id=ids.take(T["stock_move"]), product_id=pid, warehouse_id=wid, qty=qty, unit_cost=unit,
            kind=MoveKind.PURCHASE_RECEIPT, source_type="purchase_receipt", source_id=receipt,
            source_number=f"GR-{day.year}-B{receipt:07d}", source_line_id=rl, user_id=owner.id, created_at=when)

    def close_purchase_orders(day: date, final: bool = False):
        """Totals and a supplier invoice for each finished week's orders (the last weeks' still to be paid)."""
        week = (day - first_day).days // 7
        for key in [k for k in open_po if final or k[2] < week]:
            po = open_po.pop(key)
            subtotal, tax = po_totals.pop(po)
            issued = first_day + timedelta(days=key[2] * 7 + 6)
            due = issued + timedelta(days=30)
            paid = subtotal + tax if due < today - timedelta(days=10) else ZERO
            pi = ids.take(T["purchase_invoice"])
            add("purchase_invoice", id=pi, number=f"PI-{issued.year}-B{pi:07d}", supplier_reference="",
                order_id=po, supplier_id=key[0], issued_on=issued, due_on=due, subtotal=subtotal, tax=tax,
                total=subtotal + tax, paid=paid, credited=ZERO,
                status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN, user_id=owner.id,
                created_at=at(issued, 0))
            po_settled.append({"po": po, "b_subtotal": subtotal, "b_tax": tax, "b_total": subtotal + tax,
                               "b_status": PurchaseStatus.PAID if paid else PurchaseStatus.INVOICED})

    def on_order(day: date):
        """A few purchase orders confirmed this week and not yet received (the dashboard's open orders)."""
        when = at(day, 0)
        for sid in supplier_ids[:12]:
            po = ids.take(T["purchase_order"])
            pids = [pid for pid in sellable[:400] if supplier_of[pid] == sid][:3]
            lines = [(pid, 50, line_amounts(Decimal(50), base_cost[pid], ZERO, TAX)) for pid in pids]
            subtotal, tax = sum((a for _p, _q, (a, _t) in lines), ZERO), sum((t for _p, _q, (_a, t) in lines), ZERO)
            add("purchase_order", id=po, number=f"PO-{day.year}-B{po:07d}", supplier_id=sid, warehouse_id=main,
                status=PurchaseStatus.CONFIRMED, expected_on=day + timedelta(days=7), notes="", subtotal=subtotal,
                tax=tax, total=subtotal + tax, auto_drafted=False, user_id=owner.id, confirmed_at=when,
                received_at=None, created_at=when, updated_at=when)
            for pid, qty, (amount, tax) in lines:
                add("purchase_order_line", id=ids.take(T["purchase_order_line"]), order_id=po, product_id=pid,
                    qty=qty, unit_price=base_cost[pid], tax_rate=TAX, amount=amount, tax=tax, received_qty=0,
                    invoiced_qty=0, returned_qty=0, credited_qty=0)

    def sell(day: date, order_n: int):
        cid = rng.choices(customer_ids, cum_weights=customer_weights)[0]
        wid = main if rng.random() < 0.8 else shop
        when = at(day, order_n % 600)
        so, dn, si = ids.take(T["sales_order"]), ids.take(T["sales_delivery"]), ids.take(T["sales_invoice"])
        picked = dict.fromkeys(rng.choices(sellable, cum_weights=product_weights, k=rng.randint(1, 9)))
        subtotal = tax_total = ZERO
        invoice_lines = []
        for pid in picked:
            qty = rng.choice((1, 1, 2, 2, 3, 5, 6, 10, 12))
            if levels.get((pid, wid), ZERO) < qty:
                receive(day, pid, wid, max(qty * 4, rng.randint(30, 150)), when - timedelta(hours=1))
            unit_price = price[pid]
            discount = Decimal(rng.choice((0, 0, 0, 5, 10)))
            amount, tax = line_amounts(Decimal(qty), unit_price, discount, TAX)
            subtotal, tax_total = subtotal + amount, tax_total + tax
            cost = avg[pid]
            sol, dl, il = (ids.take(T["sales_order_line"]), ids.take(T["sales_delivery_line"]),
                           ids.take(T["sales_invoice_line"]))
            add("sales_order_line", id=sol, order_id=so, product_id=pid, qty=qty, unit_price=unit_price,
                list_price=unit_price, discount_pct=discount, tax_rate=TAX, amount=amount, tax=tax, delivered_qty=qty,
                invoiced_qty=qty, returned_qty=0, credited_qty=0)
            add("sales_delivery_line", id=dl, delivery_id=dn, order_line_id=sol, product_id=pid, qty=qty,
                unit_cost=cost)
            add("stock_move", id=ids.take(T["stock_move"]), product_id=pid, warehouse_id=wid, qty=-qty, unit_cost=cost,
                kind=MoveKind.SALES_DELIVERY, source_type="sales_delivery", source_id=dn,
                source_number=f"DN-{day.year}-B{dn:07d}", source_line_id=dl, user_id=owner.id, created_at=when)
            levels[(pid, wid)] -= qty
            add("sales_invoice_line", id=il, invoice_id=si, order_line_id=sol, product_id=pid, qty=qty,
                unit_price=unit_price, discount_pct=discount, tax_rate=TAX, amount=amount, tax=tax)
            add("sales_fact", day=day, invoice_id=si, return_id=None, product_id=pid, customer_id=cid,
                salesperson_id=seller_of[cid], warehouse_id=wid, qty=qty, revenue=amount,
                cost=money(qty * cost))
            invoice_lines.append((sol, pid, qty, amount, tax, cost, unit_price, discount))
        total = subtotal + tax_total
        due = day + timedelta(days=terms[cid])
        # Paid after its terms, except some late payers and everything not yet due.
        paid = total if due < today and rng.random() < 0.97 else ZERO
        status = OrderStatus.PAID if paid else OrderStatus.INVOICED
        add("sales_order", id=so, number=f"SO-{day.year}-B{so:07d}", customer_id=cid, salesperson_id=seller_of[cid],
            warehouse_id=wid, status=status, notes="", subtotal=subtotal, tax=tax_total, total=total,
            over_limit_approved_by_id=None, confirmed_at=when, created_at=when, updated_at=when)
        add("sales_delivery", id=dn, number=f"DN-{day.year}-B{dn:07d}", order_id=so, warehouse_id=wid, notes="",
            user_id=owner.id, created_at=when)
        invoice = dict(id=si, number=f"SI-{day.year}-B{si:07d}", order_id=so, customer_id=cid, issued_on=day,
                       due_on=due, subtotal=subtotal, tax=tax_total, total=total, paid=paid, credited=ZERO,
                       status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN, user_id=owner.id, created_at=when)
        back_on = day + timedelta(days=rng.randint(1, 10))
        if rng.random() < 0.05 and back_on <= today:  # about 1 % of lines: one line of one order in twenty
            sol, pid, qty, amount, tax, cost, unit_price, discount = rng.choice(invoice_lines)
            take_back(back_on, so, cid, wid, sol, pid, 1, unit_price, discount, cost, invoice)
        add("sales_invoice", **invoice)

    def take_back(day: date, so, cid, wid, sol, pid, qty, unit_price, discount, cost, invoice):
        amount, tax = line_amounts(Decimal(qty), unit_price, discount, TAX)
        sr, srl = ids.take(T["sales_return"]), ids.take(T["sales_return_line"])
        when = at(day, 500)
        add("sales_return", id=sr, number=f"SR-{day.year}-B{sr:07d}", order_id=so, customer_id=cid, warehouse_id=wid,
            reason="质量问题", subtotal=amount, tax=tax, total=amount + tax, user_id=owner.id, created_at=when)
        add("sales_return_line", id=srl, return_id=sr, order_line_id=sol, product_id=pid, qty=qty, credited_qty=qty,
            unit_cost=cost, amount=amount, tax=tax)
        add("stock_move", id=ids.take(T["stock_move"]), product_id=pid, warehouse_id=wid, qty=qty, unit_cost=cost,
            kind=MoveKind.SALES_RETURN, source_type="sales_return", source_id=sr,
            source_number=f"SR-{day.year}-B{sr:07d}", source_line_id=srl, user_id=owner.id, created_at=when)
        levels[(pid, wid)] = levels.get((pid, wid), ZERO) + qty
        add("sales_fact", day=day, invoice_id=None, return_id=sr, product_id=pid, customer_id=cid,
            salesperson_id=seller_of[cid], warehouse_id=wid, qty=-qty, revenue=-amount, cost=-money(qty * cost))
        invoice["credited"] = amount + tax
        if invoice["paid"]:
            invoice["paid"] = invoice["total"] - invoice["credited"]
        invoice["status"] = InvoiceStatus.PAID if invoice["paid"] + invoice["credited"] >= invoice["total"] else (
            InvoiceStatus.PARTIALLY_PAID if invoice["credited"] else InvoiceStatus.OPEN)
        returned_lines.append({"line": sol, "b_qty": qty})

    returned_lines = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        close_purchase_orders(day)
        # Busier on weekdays, growing over the two years.
        today_orders = round(orders_per_day * (0.6 if day.weekday() >= 5 else 1.1) * (0.8 + 0.4 * offset / days))
        for order_n in range(today_orders):
            sell(day, order_n)
        if len(buffers["sales_fact"]) >= CHUNK_LINES or offset == days - 1:
            if offset == days - 1:
                close_purchase_orders(day, final=True)
                on_order(day)
            flush()
            print(f"  {day}: {counts['sales_fact']} sales facts, {counts['sales_order']} orders, "
                  f"{counts['stock_move']} moves ({time.perf_counter() - started:.0f} s)", flush=True)

    # Returned quantities on the order lines, levels equal to the sum of the moves, and the average costs.
    # (executemany UPDATEs through the columns' own types)
    line, order, product = T["sales_order_line"], T["purchase_order"], Product.__table__
    connection = db.session.connection()
    if returned_lines:
        connection.execute(update(line).where(line.c.id == bindparam("line"))
                           .values(returned_qty=bindparam("b_qty", type_=line.c.qty.type),
                                   credited_qty=bindparam("b_qty", type_=line.c.qty.type)), returned_lines)
    if po_settled:
        connection.execute(update(order).where(order.c.id == bindparam("po"))
                           .values(subtotal=bindparam("b_subtotal", type_=order.c.total.type),
                                   tax=bindparam("b_tax", type_=order.c.total.type),
                                   total=bindparam("b_total", type_=order.c.total.type),
                                   status=bindparam("b_status", type_=order.c.status.type)), po_settled)
    connection.execute(update(product).where(product.c.id == bindparam("pid"))
                       .values(avg_cost=bindparam("b_cost", type_=product.c.avg_cost.type)),
                       [{"pid": pid, "b_cost": cost} for pid, cost in avg.items()])
    connection.execute(StockLevel.__table__.delete())
    catalogue.bulk_insert(StockLevel.__table__, ["product_id", "warehouse_id", "on_hand", "reserved"],
                          [(pid, wid, qty, reserved.get((pid, wid), 0)) for (pid, wid), qty in sorted(levels.items())])
    totals.rebuild()  # the ledger's month and year totals, as post_moves would have written them
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            auto = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in T.values():  # ids were given here: move each sequence past them
                auto.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
            auto.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"counts": dict(counts), "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=1000000, help="sales lines (invoice lines), about")
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()
    from wsgi import app
    with app.app_context():
        result = generate(args.products, args.customers, args.lines, args.days)
    print("generated " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(result["counts"].items()))
          + f" in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
