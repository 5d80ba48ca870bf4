"""CPU of writing whole orders, in process: `.venv/bin/python bench/order_writes.py [--profile N]`.

A fresh file SQLite database (or PostgreSQL: BENCH_DATABASE_URL, a database this script may empty) with a
salesperson, a buyer, 60 products in stock and a customer who bought before (so last prices exist). The Flask test
client sends the API requests with a bearer token and an Idempotency-Key, as a phone or an integration would;
time.process_time() around each request is the whole request's CPU in this process (routing, authentication, the
service, the commit; a PostgreSQL server's own CPU is not in it). After a warm-up, ROUNDS requests of each kind:

  sales create 10 / 50 lines   POST /api/v1/sales-orders
  sales confirm 10 / 50 lines  POST /api/v1/sales-orders/<id>/confirm (credit check, reservation)
  purchase create 10 / 50      POST /api/v1/purchase-orders
  authenticated read           GET /api/v1/warehouses (what any request costs outside the service)

Prints the median, mean and fastest ms per request, the median ms inside the service it calls (the rest is
the request around it), and the SQL statements each sent. `--profile N` prints cProfile's
top functions over ROUNDS creates of an N-line sales order instead (`--profile N --confirm`: confirms of them).
"""
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JXC_INSTANCE", tempfile.mkdtemp(prefix="jxc-bench-writes-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from app.extensions import db  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 20))
WARM_UP = 5
PRODUCTS = 60


def make_app():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{Path(os.environ['JXC_INSTANCE']) / 'bench.db'}"
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="b" * 48, PASSWORD_HASH_METHOD="scrypt:1024:8:1",
                     TWO_FACTOR_DEFAULT_ROLES=(), FIRST_RUN_SETUP=False)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def seed(app) -> dict:
    """Users with tokens, a warehouse, products with stock, a customer with a confirmed order, a supplier."""
    from decimal import Decimal

    from app.auth import services as auth
    from app.catalog import services as catalog
    from app.inventory import services as inventory
    from app.partners import services as partners
    from app.partners import suppliers
    from app.sales import services as sales

    with app.app_context():
        owner = auth.create_user(None, "boss", "owner", "correct horse", "")
        seller = auth.create_user(None, "sales1", "sales", "correct horse", "")
        buyer = auth.create_user(None, "buyer", "purchasing", "correct horse", "")
        warehouse = inventory.create_warehouse(None, "WH1", "主仓")
        products = [catalog.create_product(None, {"sku": f"SKU{i:05d}", "name": f"商品{i}", "sale_price": "25.00",
                                                  "purchase_price": "10.00"}) for i in range(PRODUCTS)]
        db.session.flush()
        inventory.create_adjustment(owner, warehouse.id, "other_in", "bench",
                                    [inventory.LineInput(p.id, Decimal("1000000"), Decimal("10")) for p in products])
        customer = partners.create_customer(owner, {"name": "老客户", "salesperson_id": seller.id})
        supplier = suppliers.create_supplier(owner, {"name": "供应商"})
        db.session.flush()
        history = sales.create_order(seller, customer, warehouse.id,
                                     [sales.LineInput(p.id, 1) for p in products[::2]])
        sales.confirm_order(seller, history)
        tokens = {name: auth.create_token(user, "bench")[1] for name, user in (("sales", seller), ("buyer", buyer))}
        db.session.commit()
        return {"tokens": tokens, "customer": customer.id, "supplier": supplier.id, "warehouse": warehouse.id,
                "products": [p.id for p in products]}


class Counter:
    """SQL statements the engine sends while on."""

    def __init__(self, app):
        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def post(client, token, path, body):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    response = client.post("/api/v1" + path, json=body, headers=headers)
    if response.status_code not in (200, 201):
        raise SystemExit(f"POST {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.json


def sales_body(world, n):
    return {"customer_id": world["customer"], "warehouse_id": world["warehouse"],
            "lines": [{"product_id": p, "qty": "2"} for p in world["products"][:n]]}


def purchase_body(world, n):
    return {"supplier_id": world["supplier"], "warehouse_id": world["warehouse"],
            "lines": [{"product_id": p, "qty": "5"} for p in world["products"][:n]]}


class Inside:
    """CPU spent inside the services the requests call (create_order, confirm_order), to tell it from what the
    request costs around them (routing, token, Idempotency-Key, commit, the JSON reply)."""

    def __init__(self):
        from app.purchasing import services as purchasing
        from app.sales import services as sales
        self.ms = 0.0
        for module in (sales, purchasing):
            for name in ("create_order", "add_line", "confirm_order"):  # add_line: what the API called per line before
                setattr(module, name, self._timed(getattr(module, name)))

    def _timed(self, function):
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.ms += (time.process_time() - started) * 1000
        return timed


def measure(counter, inside, call, rounds=ROUNDS) -> tuple[float, float, float, float, int]:
    """(median ms, mean ms, fastest ms, median ms in the service, statements per call) of CPU over `rounds` calls
    after a warm-up. On a shared machine the fastest round is the least disturbed one."""
    for _ in range(WARM_UP):
        call()
    times, services, statements = [], [], []
    for _ in range(rounds):
        before_count, before_inside, before = counter.count, inside.ms, time.process_time()
        call()
        times.append((time.process_time() - before) * 1000)
        services.append(inside.ms - before_inside)
        statements.append(counter.count - before_count)
    return statistics.median(times), statistics.mean(times), min(times), statistics.median(services), max(statements)


def main() -> None:
    app = make_app()
    world = seed(app)
    client, counter, inside = app.test_client(), Counter(app), Inside()
    sales_token, buyer_token = world["tokens"]["sales"], world["tokens"]["buyer"]
    if "--profile" in sys.argv:
        lines = int(sys.argv[sys.argv.index("--profile") + 1])
        confirming = "--confirm" in sys.argv
        drafts = [post(client, sales_token, "/sales-orders", sales_body(world, lines))["id"]
                  for _ in range(WARM_UP + ROUNDS if confirming else WARM_UP)]

        def call():
            if confirming:
                post(client, sales_token, f"/sales-orders/{drafts.pop()}/confirm", {})
            else:
                post(client, sales_token, "/sales-orders", sales_body(world, lines))

        for _ in range(WARM_UP):
            call()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(ROUNDS):
            call()
        profile.disable()
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        return

    rows = []
    for lines in (10, 50):
        rows.append((f"sales create {lines} lines",
                     measure(counter, inside, lambda: post(client, sales_token, "/sales-orders", sales_body(world, lines)))))
    for lines in (10, 50):
        drafts = [post(client, sales_token, "/sales-orders", sales_body(world, lines))["id"]
                  for _ in range(ROUNDS + WARM_UP)]
        rows.append((f"sales confirm {lines} lines",
                     measure(counter, inside, lambda: post(client, sales_token, f"/sales-orders/{drafts.pop()}/confirm", {}))))
    for lines in (10, 50):
        rows.append((f"purchase create {lines} lines",
                     measure(counter, inside, lambda: post(client, buyer_token, "/purchase-orders", purchase_body(world, lines)))))
    headers = {"Authorization": f"Bearer {sales_token}"}
    rows.append(("authenticated read (GET /warehouses)",
                 measure(counter, inside, lambda: client.get("/api/v1/warehouses", headers=headers))))
    engine = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite (file)"
    print(f"{engine}, {ROUNDS} rounds after {WARM_UP} warm-up, CPU of this process (time.process_time)")
    print(f"{'request':40} {'median ms':>10} {'mean ms':>10} {'min ms':>10} {'service ms':>11} {'SQL stmts':>10}")
    for name, (median, mean, fastest, service, statements) in rows:
        print(f"{name:40} {median:10.1f} {mean:10.1f} {fastest:10.1f} {service:11.1f} {statements:10d}")


if __name__ == "__main__":
    main()
