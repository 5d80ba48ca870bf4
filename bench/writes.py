"""What a write costs the server, its workers' memory and its cold start (issue 19): `make bench-writes`.

A fresh database (SQLite, or PostgreSQL with BENCH_DATABASE_URL) gets the demo company and bench/seed.py's catalogue
(2,000 products, 20,000 moves); `flask check` must hold. Then, each against the issue's reference figure and target:

- server CPU per request: gunicorn with ONE sync worker; the bench sends N requests of a kind one after the other
  (one client, bench/stocktake.py's lean HTTP client, which opens again after each `Connection: close`) and reads
  the worker's utime + stime from /proc/<pid>/stat before and after; on PostgreSQL also the backends serving the
  bench's database (bench/load.py's server_cpu). Kinds: create a 10-line sales order in one POST, a 50-line one,
  confirm an order (the 10-line ones just made), a stock adjustment of -1, a stocktake scan, and, as references,
  GET a stock list of 50 rows, GET /healthz and GET /api/v1/me (what JXC's stack costs a request before its own
  work). Three rounds, medians printed (each round's figures beside them).
- the floor: bench/raw_app.py (Flask + one raw sqlite3 BEGIN IMMEDIATE; INSERT; COMMIT per POST) served the same
  way; its CPU per request and the scan's over it (target <= 2x); under it the raw app's bare GET /healthz, and
  JXC's /healthz and /api/v1/me over the raw transaction.
- memory: gunicorn with 2 sync workers, two clients each running "a day" a few times (orders created, confirmed,
  delivered and invoiced, the invoice PDF, stock list, search, an adjustment, a scan, the signed-in home page,
  product list and Excel export, the order screen, reports); then each worker's VmRSS (/proc/<pid>/status) and
  Pss (/proc/<pid>/smaps_rollup), the PDF renderer's (app/pdf_renderer.py: gunicorn.conf.py starts it beside the
  workers, which send it their PDFs) and the PSS of all of gunicorn's processes together; and the wall time of the
  day's PDF requests. The raw app's worker after its load is the bare-Flask reference.
- cold start: wall time from launching gunicorn (1 worker) to the first 200 of `GET /api/v1/me` with the bench's
  token, median of BENCH_COLD_STARTS (3); and `python -X importtime -c "import wsgi"`'s 15 largest cumulative
  imports, with the import time summed per top-level package.

Then `flask check` again. Exit status 0 when every request got its expected status and the check held, 1 when not
(the figures measured so far are printed), 2 when the run could not be set up. Figures also go to
bench/results/writes-<engine>.json. See bench/README.md ("Writes, memory and cold start").
"""
import json
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from load import USER_AGENT, server_cpu  # noqa: E402
from load import Worker as Browser  # noqa: E402
from run import (DEMO_PASSWORD, DEMO_USER, ROOT, BenchError, Postgres, check_invariants, clean_up, seeded_database,  # noqa: E402
                 env_int, free_port, git_revision, load_average, run, start_gunicorn, stop, tail, venv_bin,
                 wait_healthy)
from stocktake import Connection, gunicorn_workers, pdf_renderer  # noqa: E402

RESULTS = BENCH / "results"
BOOT_TIMEOUT = 120  # s: two workers importing the app at once on two busy cores took more than run.py's 30
SYNC = []  # gunicorn's default sync worker, whatever BENCH_GUNICORN_ARGS says: the issue's figures are per worker

# Issue 19's "before" figures (a previous session, medians of 3 on this 2-core machine) and its targets.
# Per engine where the issue gave one; None where it gave none.
REFERENCE = {
    "sqlite": {"order10": 126.0, "adjust": 12.0, "scan": 4.4, "raw": 1.1, "rss": 177.0, "bare_rss": 31.0,
               "cold": 3.7},
    "postgresql": {"order10": 184.0, "order10_db": 24.0, "adjust": 14.3, "raw": 1.1, "rss": 177.0,
                   "bare_rss": 31.0, "cold": 3.7},
}
TARGET = {"order10": 15.0, "order50": 40.0, "adjust": 5.0, "scan_ratio": 2.0, "rss": 120.0, "cold": 1.5}
KINDS = [  # (key, what, requests per round: env variable and default)
    ("order10", "create a 10-line sales order (POST)", "BENCH_ORDERS", 20),
    ("order50", "create a 50-line sales order (POST)", "BENCH_BIG_ORDERS", 3),
    ("confirm", "confirm a 10-line order", None, None),  # the round's 10-line orders
    ("adjust", "stock adjustment of -1 (POST)", "BENCH_ADJUSTMENTS", 100),
    ("scan", "stocktake scan (POST)", "BENCH_SCANS", 300),
    ("list", "GET stock list, 50 rows (reference)", "BENCH_LISTS", 100),
    # What every request pays before its own work, for the scan's ratio: the app's health check (Flask, JXC's hooks
    # and extensions, one SELECT 1 in a session transaction, no token), then the same with the token checked.
    ("health", "GET /healthz, no token (reference)", "BENCH_HEALTH", 300),
    ("me", "GET /api/v1/me, the token checked (reference)", "BENCH_ME", 300),
]


class RequestFailed(Exception):
    pass


# -- /proc readers (Linux) ----------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (fields 14 and 15 of /proc/<pid>/stat, after the command name,
    which may itself hold spaces and parentheses)."""
    return parse_stat_cpu(Path(f"/proc/{pid}/stat").read_text()) / os.sysconf("SC_CLK_TCK")


def parse_stat_cpu(stat: str) -> int:
    fields = stat[stat.rindex(")") + 2:].split()  # from field 3 (state) on
    return int(fields[11]) + int(fields[12])


def parse_kb(text: str, field: str) -> int:
    """A `Name:   1234 kB` line of /proc/<pid>/status or smaps_rollup, in kB."""
    match = re.search(rf"^{re.escape(field)}:\s+(\d+) kB$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"no {field} line")
    return int(match.group(1))


def memory_mb(pid: int) -> dict:
    """Resident (VmRSS) and proportional (Pss: shared pages split between their users) set size, in MB."""
    rss = parse_kb(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
    try:
        pss = parse_kb(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
    except (OSError, ValueError):  # kernels before 4.14
        pss = None
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1) if pss is not None else None}


def parse_importtime(stderr: str) -> list[tuple[int, int, str]]:
    """`python -X importtime` lines as (self us, cumulative us, package indented two spaces a nesting level)."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header
        rows.append((int(parts[0]), int(parts[1]), parts[2].rstrip()[1:]))  # "| " then the indent
    return rows


def by_top_package(rows: list[tuple[int, int, str]]) -> list[tuple[str, int]]:
    """Self import time summed per top-level package (flask, sqlalchemy, weasyprint...), largest first."""
    totals: dict[str, int] = {}
    for own, _cumulative, name in rows:
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0) + own
    return sorted(totals.items(), key=lambda item: -item[1])


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# -- requests -------------------------------------------------------------------------------------------------

class Api:
    """Sequential API requests with the bench's token over one lean connection (it reopens after gunicorn's sync
    worker closes it, as a client does)."""

    def __init__(self, port: int, token: str | None):
        self.connection = Connection(port)
        self.head = f"Host: 127.0.0.1:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
        if token:
            self.head += f"Authorization: Bearer {token}\r\n"

    def call(self, method: str, path: str, body=None, expect=200, key: bool = False):
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.head}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        if key:  # what the app's own clients send with every write (idempotent retries, offline replays)
            head += f"Idempotency-Key: {uuid.uuid4().hex}\r\n"
        try:
            status, data = self.connection.exchange((head + "\r\n").encode() + payload)
        except (OSError, ValueError, IndexError) as error:
            self.connection.close()
            raise RequestFailed(f"{method} {path}: {type(error).__name__} {error}") from None
        if status != expect:
            raise RequestFailed(f"{method} {path}: HTTP {status} (expected {expect}): {data[:300]!r}")
        return json.loads(data) if data and data[:1] in b"{[" else data


class Shop:
    """What the bench writes with: a customer without a credit limit, 50 products with plenty of stock in the
    default warehouse for orders and adjustments, an open stocktake of the other warehouse and barcodes to scan."""

    def __init__(self, api: Api):
        warehouses = api.call("GET", "/api/v1/warehouses")["items"]
        self.warehouse_id = warehouses[0]["id"]  # the default first
        other = warehouses[1]["id"] if len(warehouses) > 1 else self.warehouse_id
        products = [p for p in api.call("GET", "/api/v1/products?per_page=200&active=true")["items"] if p["active"]]
        if len(products) < 60:
            raise BenchError(f"only {len(products)} active products on the first page; seed more")
        self.product_ids = [p["id"] for p in products[:50]]
        self.barcodes = [p["barcode"] for p in products if p.get("barcode")]
        self.customer_id = api.call("POST", "/api/v1/customers", {"name": f"压测客户 {secrets.token_hex(3)}"},
                                    expect=201)["id"]
        api.call("POST", "/api/v1/stock/adjustments", {
            "warehouse_id": self.warehouse_id, "reason": "bench: stock for the orders",
            "lines": [{"product_id": p, "qty": "100000"} for p in self.product_ids]}, expect=201)
        self.stocktake_id = None
        for warehouse_id in dict.fromkeys([other, self.warehouse_id]):  # the demo may be counting the other already
            try:
                self.stocktake_id = api.call("POST", "/api/v1/stocktakes",
                                             {"warehouse_id": warehouse_id, "name": "压测盘点"}, expect=201)["id"]
                break
            except RequestFailed as error:
                if "HTTP 409" not in str(error):
                    raise
        if self.stocktake_id is None:
            raise BenchError("every warehouse has an open stocktake already")
        self.turn = 0

    def order(self, lines: int) -> dict:
        start = self.turn
        self.turn += 1
        products = [self.product_ids[(start * 7 + i) % len(self.product_ids)] for i in range(lines)]
        return {"customer_id": self.customer_id, "warehouse_id": self.warehouse_id,
                "lines": [{"product_id": p, "qty": "1"} for p in products]}

    def adjustment(self, index: int) -> dict:
        return {"warehouse_id": self.warehouse_id, "reason": "bench: one out",
                "lines": [{"product_id": self.product_ids[index % len(self.product_ids)], "qty": "-1"}]}

    def scan(self, index: int) -> dict:
        return {"scan_id": str(uuid.uuid4()), "barcode": self.barcodes[(index * 31) % len(self.barcodes)]}


# -- CPU per request --------------------------------------------------------------------------------------------

def measure(server: subprocess.Popen, database: str | None, sends: list) -> dict:
    """Run the sends one after the other; the worker's (and PostgreSQL backends') CPU ms per request."""
    where = {"pid": server.pid, "database": database}
    before, began = server_cpu(where), time.perf_counter()
    for send in sends:
        send()
    elapsed, after = time.perf_counter() - began, server_cpu(where)
    # Neither the master (it only watches its worker) nor the PDF renderer (none of these requests prints).
    workers = set(gunicorn_workers(server.pid))
    app = sum(s - before["app"].get(pid, 0.0) for pid, s in after["app"].items() if pid in workers)
    db = sum(s - before["db"].get(pid, 0.0) for pid, s in after["db"].items())
    count = len(sends)
    return {"requests": count, "app_ms": round(app * 1000 / count, 2),
            "db_ms": round(db * 1000 / count, 2) if database else None,
            "wall_ms": round(elapsed * 1000 / count, 2)}


def one_round(api: Api, shop: Shop, server, database, counts: dict) -> dict:
    """Every kind once, in order; the 10-line orders made here are the ones confirmed."""
    made: list[int] = []
    figures = {}

    def create(lines):
        def send():
            order = api.call("POST", "/api/v1/sales-orders", shop.order(lines), 201, key=True)
            if lines == 10:
                made.append(order["id"])
        return send

    figures["order10"] = measure(server, database, [create(10)] * counts["order10"])
    figures["order50"] = measure(server, database, [create(50)] * counts["order50"])
    figures["confirm"] = measure(server, database, [
        (lambda order_id=order_id: api.call("POST", f"/api/v1/sales-orders/{order_id}/confirm", {}, key=True))
        for order_id in made])
    base = shop.turn * 13
    figures["adjust"] = measure(server, database, [
        (lambda i=i: api.call("POST", "/api/v1/stock/adjustments", shop.adjustment(base + i), 201, key=True))
        for i in range(counts["adjust"])])
    figures["scan"] = measure(server, database, [
        (lambda i=i: api.call("POST", f"/api/v1/stocktakes/{shop.stocktake_id}/scans", shop.scan(base + i), 201))
        for i in range(counts["scan"])])
    figures["list"] = measure(server, database, [
        (lambda: api.call("GET", "/api/v1/stock?per_page=50"))] * counts["list"])
    figures["health"] = measure(server, database, [(lambda: api.call("GET", "/healthz"))] * counts["health"])
    figures["me"] = measure(server, database, [(lambda: api.call("GET", "/api/v1/me"))] * counts["me"])
    return figures


def raw_rounds(env: dict, instance: Path, rounds: int, count: int) -> dict:
    """bench/raw_app.py on one sync worker: CPU per POST for each round, then its worker's memory."""
    port = free_port()
    log_path = instance / "raw-gunicorn.log"
    server = start_gunicorn({**env, "RAW_DATABASE": str(instance / "raw.sqlite3")}, 1, port, log_path,
                            app="bench.raw_app:app", extra_args=SYNC)
    try:
        wait_healthy(server, port, log_path, BOOT_TIMEOUT)
        api = Api(port, None)

        def post(i):
            return lambda: api.call("POST", "/scans", {"scan_id": str(uuid.uuid4()), "barcode": f"69{i:011d}"}, 201)

        measure(server, None, [post(i) for i in range(20)])  # warm-up
        figures, bare = [], []
        for _ in range(rounds):
            figures.append(measure(server, None, [post(i) for i in range(count)]))
            bare.append(measure(server, None, [lambda: api.call("GET", "/healthz")] * count))
        memory = [memory_mb(pid) for pid in gunicorn_workers(server.pid)]
        return {"rounds": figures, "bare": bare, "memory": memory}
    finally:
        stop(server)


# -- memory after a day ----------------------------------------------------------------------------------------

def a_day(browser: Browser, token: str, shop: Shop, pdf_ms: list[float]) -> None:
    """What a shop's day touches, once: sell (order to invoice and its PDF), look up, adjust, count, browse, export,
    report. Every answer must be the expected status; the PDF requests' wall times go to `pdf_ms`."""
    api_headers = {"User-Agent": USER_AGENT, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method, path, body=None, expect=200, api=True):
        headers = api_headers if api else browser._browser_headers()
        if api and method == "POST":
            headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        began = time.perf_counter()
        try:
            status, _headers, data = browser.request(method, path, json.dumps(body) if body is not None else None,
                                                     headers)
        except (OSError, ValueError) as error:
            raise RequestFailed(f"{method} {path}: {type(error).__name__} {error}") from None
        if status != expect:
            raise RequestFailed(f"{method} {path}: HTTP {status} (expected {expect}): {data[:300]!r}")
        if path.endswith("pdf"):
            pdf_ms.append((time.perf_counter() - began) * 1000)
        return json.loads(data) if data[:1] == b"{" else data

    order = call("POST", "/api/v1/sales-orders", shop.order(10), 201)
    call("POST", f"/api/v1/sales-orders/{order['id']}/confirm", {})
    call("POST", f"/api/v1/sales-orders/{order['id']}/deliveries",
         {"lines": [{"line_id": line["id"], "qty": line["qty"]} for line in order["lines"]]}, 201)
    invoice = call("POST", f"/api/v1/sales-orders/{order['id']}/invoice", {}, 201)
    call("GET", f"/api/v1/sales-invoices/{invoice['id']}/pdf")
    call("GET", "/api/v1/stock?per_page=50")
    call("GET", "/api/v1/products?q=" + quote("数据线"))
    call("GET", "/api/v1/reports/sales?group_by=product")
    call("POST", "/api/v1/stock/adjustments", shop.adjustment(shop.turn), 201)
    call("POST", f"/api/v1/stocktakes/{shop.stocktake_id}/scans", shop.scan(shop.turn), 201)
    for path in ("/", "/products?q=" + quote("手机壳"), "/orders", f"/orders/{order['id']}",
                 f"/invoices/{invoice['id']}.pdf", "/products/export", "/reports/", "/reports/sales",
                 "/reports/inventory/value"):
        call("GET", path, api=False)


def wait_idle(pids: list[int], timeout: float = BOOT_TIMEOUT) -> None:
    """Until none of these processes used CPU for 0.3 s (a booted worker waiting for a request)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = [cpu_seconds(pid) for pid in pids]
        if now == last:
            return
        last = now
        time.sleep(0.3)
    raise BenchError(f"gunicorn's workers were still busy {timeout:.0f} s after starting")


def memory_after_a_day(env: dict, instance: Path, token: str, shop: Shop, days: int) -> dict:
    """2 sync workers, 2 clients each living `days` days at once; each worker's memory before and after, the PDF
    renderer's and the master's, and the PDF requests' wall times (ms, in the order they were sent)."""
    port = free_port()
    log_path = instance / "gunicorn-day.log"
    server = start_gunicorn(env, 2, port, log_path, extra_args=SYNC)
    try:
        wait_healthy(server, port, log_path, BOOT_TIMEOUT)
        workers, renderer = gunicorn_workers(server.pid), pdf_renderer(server.pid)
        # healthz proved one worker up; the other may still be importing the app, the renderer warming up
        wait_idle(workers + ([renderer] if renderer else []))
        at_start = {pid: memory_mb(pid) for pid in workers}
        renderer_at_start = memory_mb(renderer) if renderer else None
        pdf_ms: list[float] = []
        browsers = [Browser("127.0.0.1", port) for _ in range(2)]
        for browser in browsers:
            browser.sign_in(DEMO_USER, DEMO_PASSWORD)
        failures: list[str] = []

        def live(browser):
            try:
                for _ in range(days):
                    a_day(browser, token, shop, pdf_ms)
            except (RequestFailed, BenchError) as error:
                failures.append(str(error))

        threads = [threading.Thread(target=live, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise RequestFailed(failures[0] + f"\n{tail(log_path, 15)}")
        after = {pid: memory_mb(pid) for pid in gunicorn_workers(server.pid)}
        return {"at_start": at_start, "after": after, "master": memory_mb(server.pid),
                "renderer": renderer and {"at_start": renderer_at_start, "after": memory_mb(renderer)},
                "pdf_ms": [round(ms, 1) for ms in pdf_ms]}
    finally:
        stop(server)


# -- cold start ---------------------------------------------------------------------------------------------------

def cold_start(env: dict, instance: Path, token: str) -> float:
    """Seconds from launching gunicorn (one worker) to the first 200 of an authenticated API GET."""
    port = free_port()
    log_path = instance / "gunicorn-cold.log"
    request = (f"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode()
    began = time.perf_counter()
    server = start_gunicorn(env, 1, port, log_path, extra_args=SYNC)
    try:
        while time.perf_counter() - began < 60:
            if server.poll() is not None:
                raise BenchError(f"gunicorn exited ({server.returncode}):\n{tail(log_path)}")
            try:
                status, data = Connection(port).exchange(request)  # once listening, it waits for the worker
            except ConnectionRefusedError:
                time.sleep(0.005)
                continue
            except (OSError, ValueError, IndexError) as error:
                raise RequestFailed(f"cold start: {type(error).__name__} {error}") from None
            if status != 200:
                raise RequestFailed(f"cold start: GET /api/v1/me answered {status}: {data[:200]!r}")
            return time.perf_counter() - began
        raise BenchError(f"no answer within 60 s of launching gunicorn:\n{tail(log_path)}")
    finally:
        stop(server)


def import_times(env: dict) -> list[tuple[int, int, str]]:
    done = subprocess.run([venv_bin("python"), "-X", "importtime", "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"python -X importtime -c 'import wsgi' failed:\n{done.stderr[-2000:]}")
    return parse_importtime(done.stderr)


# -- the report ----------------------------------------------------------------------------------------------------

def fmt(value, spec=".1f") -> str:
    return "-" if value is None else format(value, spec)


def verdict(value, target) -> str:
    if value is None or target is None:
        return ""
    return "yes" if value <= target else "NO"


def table(engine: str, rounds: list[dict], raw: dict | None, memory: dict | None, colds: list[float]) -> list[str]:
    """The lines of the summary: medians of the rounds beside the issue's reference and target."""
    ref, pg = REFERENCE[engine], engine == "postgresql"
    out = []
    head = ["measure", "median", "rounds", "db ms" if pg else "", "reference", "target", "met"]
    rows = []

    def cpu_row(key, what):
        app = median([r[key]["app_ms"] for r in rounds if key in r])
        db = median([r[key]["db_ms"] for r in rounds if key in r]) if pg else None
        each = "/".join(fmt(r[key]["app_ms"]) for r in rounds if key in r)
        reference = fmt(ref.get(key)) + (f" + {ref[key + '_db']:.0f} db" if pg and key + "_db" in ref else "")
        target = TARGET.get(key)
        total = None if app is None else app + (db or 0)
        rows.append([f"{what}, CPU ms/req", fmt(app), each, fmt(db) if pg else "",
                     reference if ref.get(key) else "-", fmt(target, "g") if target else
                     ("= before or less" if key == "confirm" else "-"), verdict(total, target)])
        return app

    for key, what, *_ in KINDS:
        cpu_row(key, what)
    scan = median([r["scan"]["app_ms"] for r in rounds if "scan" in r])
    if raw:
        raw_cpu = median([r["app_ms"] for r in raw["rounds"]])
        rows.append(["Flask + raw sqlite3 transaction, CPU ms/req", fmt(raw_cpu, ".2f"),
                     "/".join(fmt(r["app_ms"], ".2f") for r in raw["rounds"]), "", fmt(ref.get("raw")), "-", ""])
        scan_db = median([r["scan"]["db_ms"] for r in rounds if "scan" in r]) if pg else None
        ratio = (scan + (scan_db or 0)) / raw_cpu if scan is not None and raw_cpu else None
        rows.append(["scan / raw (app CPU" + (" + db" if pg else "") + ")", fmt(ratio, ".2f"), "", "",
                     fmt(ref["scan"] / ref["raw"], ".1f") if ref.get("scan") else "-",
                     f"<= {TARGET['scan_ratio']:g}", verdict(ratio, TARGET["scan_ratio"])])
        # The staircase under the scan's ratio: gunicorn and bare Flask, then the raw transaction, then what JXC's
        # own stack costs a request before any work of its own.
        bare = median([r["app_ms"] for r in raw["bare"]])
        rows.append(["bare Flask GET (raw app's /healthz), CPU ms/req", fmt(bare, ".2f"),
                     "/".join(fmt(r["app_ms"], ".2f") for r in raw["bare"]), "", "-", "-", ""])
        for key, what in (("health", "/healthz"), ("me", "/api/v1/me")):
            own = median([r[key]["app_ms"] for r in rounds if key in r])
            rows.append([f"{what} / raw (app CPU)", fmt(own / raw_cpu if own is not None and raw_cpu else None, ".2f"),
                         "", "", "-", "-", ""])
    if memory:
        for index, (pid, figures) in enumerate(sorted(memory["after"].items()), 1):
            rows.append([f"worker {index} RSS after the day's load, MB", fmt(figures["rss_mb"]),
                         f"PSS {fmt(figures['pss_mb'])}", "", fmt(ref["rss"], ".0f"), fmt(TARGET["rss"], ".0f"),
                         verdict(figures["rss_mb"], TARGET["rss"])])
        if renderer := memory["renderer"]:
            rows.append(["PDF renderer RSS after the day's load (shared), MB", fmt(renderer["after"]["rss_mb"]),
                         f"PSS {fmt(renderer['after']['pss_mb'])}", "", "-", "-", ""])
        everything = [memory["master"], *memory["after"].values()] + ([renderer["after"]] if renderer else [])
        pss = None if any(m["pss_mb"] is None for m in everything) else sum(m["pss_mb"] for m in everything)
        rows.append(["PSS of all gunicorn's processes (master, workers" + (", renderer" if renderer else "") + "), MB",
                     fmt(pss), f"master {fmt(memory['master']['pss_mb'])}", "", "-", "-", ""])
        if pdf := memory["pdf_ms"]:
            rows.append(["invoice PDF request during the day (2 clients), ms", fmt(median(pdf), ".0f"),
                         f"first {fmt(pdf[0], '.0f')}, max {fmt(max(pdf), '.0f')}", "", "-", "-", ""])
    if raw and raw["memory"]:
        bare = raw["memory"][0]
        rows.append(["bare Flask worker RSS (raw app, after its load), MB", fmt(bare["rss_mb"]),
                     f"PSS {fmt(bare['pss_mb'])}", "", fmt(ref["bare_rss"], ".0f"), "-", ""])
    if colds:
        rows.append(["cold start to first authenticated 200, s", fmt(median(colds), ".2f"),
                     "/".join(fmt(c, ".2f") for c in colds), "", fmt(ref["cold"]), fmt(TARGET["cold"]),
                     verdict(median(colds), TARGET["cold"])])
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    aligns = ["<", ">", ">", ">", ">", ">", "<"]

    def line(values):
        return "  ".join(format(str(v), f"{a}{w}") for v, w, a in zip(values, widths, aligns)).rstrip()

    out.append(line(head))
    out.append(line(["-" * w for w in widths]))
    out.extend(line(r) for r in rows)
    return out


def print_imports(rows: list[tuple[int, int, str]]) -> None:
    print("\n`python -X importtime -c 'import wsgi'` (its cumulative time includes create_app()):"
          " the 15 largest cumulative imports, ms")
    for own, cumulative, name in sorted(rows, key=lambda r: -r[1])[:15]:
        depth = (len(name) - len(name.lstrip())) // 2
        print(f"  {cumulative / 1000:8.1f}  (self {own / 1000:6.1f})  {name.strip()}"
              + (f"  [nested {depth}]" if depth else ""))
    total = sum(own for own, _c, _n in rows)
    print(f"import time by top-level package (self times summed; all imports: {total / 1000:.0f} ms), ms")
    print("  " + ", ".join(f"{name} {us / 1000:.0f}" for name, us in by_top_package(rows)[:15]))


# -- main -------------------------------------------------------------------------------------------------------------

def main() -> int:
    rounds_wanted = env_int("BENCH_ROUNDS", 3)
    counts = {key: env_int(variable, default) for key, _what, variable, default in KINDS if variable}
    raw_count, days, colds_wanted = env_int("BENCH_RAW", 500), env_int("BENCH_DAYS", 3), env_int("BENCH_COLD_STARTS", 3)
    products, moves = env_int("BENCH_PRODUCTS", 2000), env_int("BENCH_MOVES", 20000)
    if rounds_wanted < 1 or min(counts.values()) < 1 or raw_count < 1 or days < 1 or colds_wanted < 1:
        raise BenchError("BENCH_ROUNDS and every count must be >= 1")
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    instance = Path(tempfile.mkdtemp(prefix="jxc-bench-writes-"))
    postgres = Postgres(database_url) if database_url else None
    engine = "postgresql" if postgres else "sqlite"
    server = None
    rounds: list[dict] = []
    raw = memory = imports = None
    colds: list[float] = []
    failure = None
    load_before = load_average()
    started = time.perf_counter()
    try:
        env, flask, _seeded = seeded_database(instance, postgres, products, moves)
        token = run(flask + ["users", "token", DEMO_USER], env, "flask users token").split()[-1]
        try:
            imports = import_times(env)
            for _ in range(colds_wanted):
                colds.append(cold_start(env, instance, token))
            print("cold starts: " + ", ".join(f"{c:.2f} s" for c in colds))

            port = free_port()
            log_path = instance / "gunicorn.log"
            server = start_gunicorn(env, 1, port, log_path, extra_args=SYNC)
            wait_healthy(server, port, log_path, BOOT_TIMEOUT)
            api = Api(port, token)
            shop = Shop(api)
            database = postgres.name if postgres else None
            one_round(api, shop, server, database, {key: 2 for key in counts})  # warm-up: imports, caches
            for number in range(1, rounds_wanted + 1):
                rounds.append(one_round(api, shop, server, database, counts))
                print(f"round {number}: " + ", ".join(f"{key} {fig['app_ms']:.1f}"
                                                      + (f"+{fig['db_ms']:.1f}" if fig["db_ms"] is not None else "")
                                                      for key, fig in rounds[-1].items())
                      + f" ms CPU/req (load average {load_average()})")
            stop(server)
            server = None
            memory = memory_after_a_day(env, instance, token, shop, days)
            raw = raw_rounds(env, instance, rounds_wanted, raw_count)
        except RequestFailed as error:
            failure = str(error)
            print(f"REQUEST FAILED: {failure}", file=sys.stderr)
            print(tail(instance / "gunicorn.log", 15), file=sys.stderr)
        stop(server)
        server = None
        check = check_invariants(flask, env, "after the run")
    finally:
        clean_up(server, postgres, instance)
    load_after = load_average()

    settings = (f"{engine}; 1 sync worker for CPU, 2 for memory; {rounds_wanted} rounds of "
                + ", ".join(f"{counts[k]} {k}" for k in counts) + f" (confirm: the round's orders), {raw_count} raw"
                + f"; {os.cpu_count()} CPUs; load average before {load_before}, after {load_after};"
                + f" {time.perf_counter() - started:.0f} s in all; revision {git_revision()}")
    print(f"\nissue 19, writes ({settings})")
    for line in table(engine, rounds, raw, memory, colds):
        print(line)
    if memory:
        renderer = memory["renderer"]
        print("worker memory right after start (MB): " + ", ".join(
            f"RSS {m['rss_mb']} PSS {m['pss_mb']}" for m in memory["at_start"].values())
            + (f"; the PDF renderer's RSS {renderer['at_start']['rss_mb']} PSS {renderer['at_start']['pss_mb']}"
               if renderer else "; no PDF renderer (each worker renders its own PDFs)")
            + f"; after {days} days' load from 2 clients, above")
    if imports:
        print_imports(imports)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"writes-{engine}.json").write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "revision": git_revision(),
        "engine": engine, "counts": counts, "raw_count": raw_count, "rounds": rounds, "raw": raw,
        "memory": memory and {**memory, **{k: {str(pid): m for pid, m in memory[k].items()}
                                          for k in ("at_start", "after")}},
        "cold_starts_s": colds, "loadavg_before": load_before, "loadavg_after": load_after,
        "python": platform.python_version(), "failure": failure, "check": check}, indent=2) + "\n")
    if not check["ok"]:
        print(f"\nINVARIANTS BROKEN after the run (`flask check`):\n{check['output']}", file=sys.stderr)
    if failure:
        print(f"\na request failed: {failure}", file=sys.stderr)
    return 1 if failure or not check["ok"] else 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # the finally blocks clean up
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
