"""Order-to-invoice throughput over the API: `.venv/bin/python bench/sales_flow.py` (part of `make bench`).

A fresh database with the demo company (SQLite, or PostgreSQL with BENCH_DATABASE_URL) is served
by gunicorn; BENCH_CONCURRENCY clients (default 4) each run the salesperson's whole flow again
and again for BENCH_SECONDS: create an order (2 lines), confirm it (credit check, reservation),
deliver everything (ledger moves at cost), invoice it. Prints completed flows per second and the
latency of each step, then `flask check` must still hold.
"""
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (BenchError, Postgres, check_invariants, clean_up, env_float, env_int, free_port, run,  # noqa: E402
                 start_gunicorn, stop, venv_bin, wait_healthy)

STEPS = ("create", "confirm", "deliver", "invoice")


class Client:
    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None, expect=(200, 201)):
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex} if method == "POST" else self.headers
        self.connection.request(method, "/api/v1" + path, body=json.dumps(body) if body is not None else None,
                                headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status not in expect:
            raise BenchError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data else None


def one_flow(client: Client, customer_id: int, warehouse_id: int, products: list[int], timings: dict) -> None:
    started = time.perf_counter()
    order = client.call("POST", "/sales-orders", {"customer_id": customer_id, "warehouse_id": warehouse_id,
                                                  "lines": [{"product_id": p, "qty": "1"} for p in products]})
    marks = [time.perf_counter()]
    client.call("POST", f"/sales-orders/{order['id']}/confirm", {})
    marks.append(time.perf_counter())
    client.call("POST", f"/sales-orders/{order['id']}/deliveries",
                {"lines": [{"line_id": line["id"], "qty": line["qty"]} for line in order["lines"]]})
    marks.append(time.perf_counter())
    client.call("POST", f"/sales-orders/{order['id']}/invoice", {})
    marks.append(time.perf_counter())
    for step, before, after in zip(STEPS, [started, *marks], marks):
        timings[step].append((after - before) * 1000)


def setup(client: Client) -> tuple[int, int, list[int]]:
    """A customer without a credit limit, the default warehouse, two products with plenty of stock."""
    customer = client.call("POST", "/customers", {"name": f"压测客户 {secrets.token_hex(3)}"})
    warehouse = client.call("GET", "/warehouses")["items"][0]
    products = [p["id"] for p in client.call("GET", "/products?per_page=2")["items"]]
    client.call("POST", "/stock/adjustments", {"warehouse_id": warehouse["id"], "reason": "bench",
                                               "lines": [{"product_id": p, "qty": "100000"} for p in products]})
    return customer["id"], warehouse["id"], products


def main() -> int:
    seconds, concurrency = env_float("BENCH_SECONDS", 10), env_int("BENCH_CONCURRENCY", 4)
    workers = env_int("BENCH_WORKERS", 2)
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    instance = Path(tempfile.mkdtemp(prefix="jxc-bench-flow-"))
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
        token = run(flask + ["users", "token", "boss"], env, "flask users token").split()[-1]
        port = free_port()
        log_path = instance / "gunicorn.log"
        server = start_gunicorn(env, workers, port, log_path)
        wait_healthy(server, port, log_path)
        customer_id, warehouse_id, products = setup(Client(port, token))
        timings = {step: [] for step in STEPS}
        errors: list[str] = []
        deadline = time.perf_counter() + seconds

        def worker():
            client = Client(port, token)
            try:
                while time.perf_counter() < deadline:
                    one_flow(client, customer_id, warehouse_id, products, timings)
            except Exception as error:  # noqa: BLE001  (reported below, the run fails)
                errors.append(str(error))

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        flows = len(timings["invoice"])
        engine = "postgresql" if postgres else "sqlite"
        print(f"\norder-to-invoice over the API ({engine}, gunicorn -w {workers}, {concurrency} clients, "
              f"{os.cpu_count()} CPUs): {flows} flows in {elapsed:.1f} s = {flows / elapsed:.1f} flows/s")
        for step in STEPS:
            values = sorted(timings[step])
            if values:
                p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
                print(f"  {step:<8} p50 {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms")
        stop(server)
        server = None
        check = check_invariants(flask, env, "after the flows")
        for error in errors[:5]:
            print("ERROR:", error)
        return 0 if check["ok"] and not errors else 1
    except BenchError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        clean_up(server, postgres, instance)


if __name__ == "__main__":
    sys.exit(main())
