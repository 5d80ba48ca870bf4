"""Receiving by scanning over HTTP: `.venv/bin/python bench/receiving.py`.

A fresh database with the demo company (SQLite, or PostgreSQL with BENCH_DATABASE_URL) is served by
gunicorn. The setup (this file run with `--setup` in the bench environment, calling the services directly)
adds a product with a barcode, a supplier and, per client, a warehouse user and a confirmed purchase order
for a large quantity. BENCH_CONCURRENCY clients (default 1: one scanner at one door; more means more doors,
each receiving its own order) sign in through the real form and send wedge scans back to back for
BENCH_SECONDS to the HTML scan endpoint, each with its own UUID, exactly as static/js/receiving.js does.
Prints scans per second and p50/p95/p99 per scan; then each client posts its receipt, the counts must
match the scans, and `flask check` must still hold.
"""
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (ROOT, BenchError, Postgres, check_invariants, clean_up, env_float, env_int,  # noqa: E402
                 free_port, run, start_gunicorn, stop, venv_bin, wait_healthy)

CODE = "BENCH-RCV-0001"
PASSWORD = "bench receiving 2026"
ORDERED = 10_000_000


def setup(clients: int) -> list[dict]:
    """In the bench environment: the product, supplier, users and confirmed orders; one dict per client."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.auth import services as auth
    from app.auth.models import User
    from app.catalog import services as catalog
    from app.extensions import db
    from app.partners import suppliers
    from app.purchasing import services as purchasing
    from sqlalchemy import select

    app = create_app()
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.role == "owner").order_by(User.id))
        product = catalog.create_product(owner, {"sku": "BENCH-RCV", "name": "压测收货商品", "sale_price": "9.90",
                                                 "purchase_price": "5.00"}, barcode=CODE)
        supplier = suppliers.create_supplier(owner, {"name": f"压测供应商 {secrets.token_hex(3)}"})
        made = []
        for index in range(clients):
            user = auth.create_user(owner, f"bench-rcv-{index}", "warehouse", PASSWORD, f"收货员{index}")
            order = purchasing.create_order(owner, supplier, lines=[purchasing.LineInput(product.id, ORDERED, "5.00")])
            purchasing.confirm_order(owner, order)
            db.session.flush()
            made.append({"order_id": order.id, "username": user.username})
        db.session.commit()
        return made


class Session:
    """One signed-in browser: a keep-alive connection, the session cookie and the page's CSRF token."""

    def __init__(self, port: int, username: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        token = self.token("/login")
        status, _body = self.request("POST", "/login", {"username": username, "password": PASSWORD,
                                                        "csrf_token": token})
        if status != 302:
            raise BenchError(f"sign-in as {username}: {status}")
        self.csrf = self.token("/")

    def token(self, path: str) -> str:
        status, body = self.request("GET", path)
        found = re.search(r'"X-CSRFToken": "([^"]+)"', body)
        if not found:
            raise BenchError(f"GET {path}: {status}, no CSRF token")
        return found.group(1)

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def scan(self, order_id: int) -> None:
        status, body = self.request("POST", f"/purchase-orders/{order_id}/receive/scan",
                                    {"code": CODE, "key": str(uuid.uuid4())},
                                    {"HX-Request": "true", "X-CSRFToken": self.csrf})
        if status != 200:
            raise BenchError(f"scan: {status} {body[:300]!r}")

    def post_receipt(self, order_id: int) -> None:
        status, body = self.request("POST", f"/purchase-orders/{order_id}/receive/post",
                                    {"idempotency_key": uuid.uuid4().hex, "csrf_token": self.csrf})
        if status != 302:
            raise BenchError(f"post receipt: {status} {body[:300]!r}")


def read_received(order_ids: list[int]) -> list[str]:
    """In the bench environment: what each order has received."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db
    from app.purchasing.models import PurchaseOrder

    with create_app().app_context():
        return [str(db.session.get(PurchaseOrder, i).lines[0].received_qty) for i in order_ids]


def received(env: dict, order_ids: list[int]) -> list[str]:
    output = run([venv_bin("python"), __file__, "--received", *map(str, order_ids)], env, "reading the receipts")
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    seconds, concurrency = env_float("BENCH_SECONDS", 10), env_int("BENCH_CONCURRENCY", 1)
    workers = env_int("BENCH_WORKERS", 2)
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    instance = Path(tempfile.mkdtemp(prefix="jxc-bench-receiving-"))
    postgres = Postgres(database_url) if database_url else None
    server = None
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
        env.update(JXC_INSTANCE=str(instance), SECRET_KEY=secrets.token_urlsafe(48), PYTHONUNBUFFERED="1")
        if postgres:
            env["DATABASE_URL"] = postgres.create()
        flask = [venv_bin("flask"), "--app", "wsgi"]
        run(flask + ["db", "upgrade"], env, "flask db upgrade")
        run(flask + ["demo"], env, "flask demo")
        made = json.loads(run([venv_bin("python"), __file__, "--setup", str(concurrency)], env, "setup")
                          .strip().splitlines()[-1])
        port = free_port()
        log_path = instance / "gunicorn.log"
        server = start_gunicorn(env, workers, port, log_path)
        wait_healthy(server, port, log_path)
        sessions = [Session(port, client["username"]) for client in made]
        timings: list[list[float]] = [[] for _ in made]
        errors: list[str] = []
        for session, client in zip(sessions, made):  # warm up: templates compiled, connections open
            session.scan(client["order_id"])
        deadline = time.perf_counter() + seconds

        def worker(index: int):
            session, order_id, mine = sessions[index], made[index]["order_id"], timings[index]
            try:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    session.scan(order_id)
                    mine.append((time.perf_counter() - started) * 1000)
            except Exception as error:  # noqa: BLE001  (reported below, the run fails)
                errors.append(str(error))

        threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(made))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        for session, client in zip(sessions, made):
            session.post_receipt(client["order_id"])
        values = sorted(v for mine in timings for v in mine)
        engine = "postgresql" if postgres else "sqlite"
        print(f"\nreceipt scans over HTTP ({engine}, gunicorn -w {workers}, {concurrency} scanner(s), "
              f"{os.cpu_count()} CPUs): {len(values)} scans in {elapsed:.1f} s = {len(values) / elapsed:.1f} scans/s")
        if values:
            def pct(p):
                return values[min(len(values) - 1, int(len(values) * p))]
            print(f"  per scan  p50 {statistics.median(values):6.1f} ms   p95 {pct(0.95):6.1f} ms   "
                  f"p99 {pct(0.99):6.1f} ms")
        stop(server)
        server = None
        expected = [len(mine) + 1 for mine in timings]  # + the warm-up scan
        got = received(env, [client["order_id"] for client in made])
        if [Decimal(qty) for qty in got] != expected:
            errors.append(f"received {got}, scanned {expected}")
        else:
            print(f"posted receipts hold every scan: {', '.join(str(n) for n in expected)}")
        check = check_invariants(flask, env, "after the scans")
        for error in errors[:5]:
            print("ERROR:", error)
        return 0 if check["ok"] and not errors else 1
    except (BenchError, subprocess.SubprocessError) as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        clean_up(server, postgres, instance)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--setup"]:
        print(json.dumps(setup(int(sys.argv[2]))))
        sys.exit(0)
    if sys.argv[1:2] == ["--received"]:
        print(json.dumps(read_received([int(i) for i in sys.argv[2:]])))
        sys.exit(0)
    sys.exit(main())
