"""Many scanners on one stocktake over the API: `.venv/bin/python bench/stocktake.py` (`make bench-stocktake`).

A fresh database (SQLite, or PostgreSQL with BENCH_DATABASE_URL) gets the demo company and a seeded catalogue
(bench/seed.py, 2,000 products with one EAN-13 each and a ledger, so most have stock in the main warehouse);
`flask check` must hold. The setup (this file run with `--setup` in the bench environment, calling the services)
adds one warehouse user and API token per scanner and opens one stocktake of the main warehouse. gunicorn
serves it; BENCH_SCANNERS threads (default 32), each with its own token and keep-alive connection, send
`POST /api/v1/stocktakes/{id}/scans` with random barcodes of the catalogue, a fresh UUID per scan, qty 1 or
(one scan in ten) a typed quantity, and now and then (BENCH_RETRY, 2 %) a scan they sent before again, as an
outbox replay would: that one must answer 200 and count nothing.

Two measurements, one after the other, on the same count:

- closed loop: every scanner sends its next scan as soon as the last one answered. This gives the most
  scans per second the server manages, but with 32 clients and no pause the latency is just 32 / throughput
  (every scan queues behind the others), so its p95 says little.
- open loop: the scanners together offer BENCH_RATE scans a second (default 520), each on its own schedule
  (evenly staggered, a little jitter). Latency runs from the moment a scan was due to its answer, so a server
  that falls behind shows it (no coordinated omission). This is the target's honest reading: p95 under 25 ms
  at 500 scans a second or more on SQLite.

Then gunicorn stops and the count is checked against what the server answered: the number of scan rows and
the lines' scan counts equal the number of 201 answers, every product's count equals the sum of the
quantities answered 201 for it, and `flask check` holds. Exit status 0 if all of that held and every request
got 201 (200 for a replay), 1 otherwise, 2 if the run could not be set up. Figures also go to
bench/results/stocktake.json. See bench/README.md ("Stocktake scans") for the knobs and figures.
"""
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run import (ROOT, BenchError, Postgres, check_invariants, clean_up, seeded_database, env_float, env_int,  # noqa: E402
                 free_port, load_average, run, start_gunicorn, stop, tail, venv_bin, wait_healthy)

PASSWORD = "bench stocktake 2026"
RESULTS = BENCH / "results" / "stocktake.json"
TYPED = (Decimal(2), Decimal(3), Decimal(6), Decimal(12))  # a typed quantity, one scan in ten


# -- inside the bench environment (subprocesses) ---------------------------------------------------------------

def setup(scanners: int) -> dict:
    """One warehouse user and token per scanner, the count opened on the main warehouse, the barcodes to scan."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from app import create_app
    from app.auth import services as auth
    from app.auth.models import User
    from app.catalog.models import Barcode, Product
    from app.extensions import db
    from app.inventory.models import StockLevel
    from app.stocktake import services as stocktakes

    app = create_app()
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.role == "owner").order_by(User.id))
        # the warehouse with the most stock levels: the seeder's main one
        warehouse_id = db.session.scalar(select(StockLevel.warehouse_id).group_by(StockLevel.warehouse_id)
                                         .order_by(func.count().desc()).limit(1))
        tokens = []
        for index in range(scanners):
            user = auth.create_user(owner, f"bench-st-{index}", "warehouse", PASSWORD, f"盘点员{index}")
            db.session.flush()
            tokens.append(auth.create_token(user, "bench stocktake")[1])
        stocktake = stocktakes.open_stocktake(owner, warehouse_id, name="压测盘点")
        db.session.flush()
        # Every active product's base barcode: most are on the count already, the rest (no stock in this
        # warehouse) get their line on their first scan, as on a real shelf.
        barcodes = db.session.execute(select(Barcode.code, Barcode.product_id).join(Product)
                                      .where(Product.active.is_(True), Barcode.pack_unit_id.is_(None))
                                      .order_by(Barcode.id)).all()
        lines = len(stocktake.lines)
        result = {"stocktake_id": stocktake.id, "warehouse_id": warehouse_id, "lines_at_opening": lines,
                  "tokens": tokens, "barcodes": [[code, product_id] for code, product_id in barcodes]}
        db.session.commit()
        return result


def read_count(stocktake_id: int) -> dict:
    """What the count holds: per product its count and scans, and the number of scan rows."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.stocktake.models import StocktakeLine, StocktakeScan

    with create_app().app_context():
        lines = db.session.execute(select(StocktakeLine.product_id, StocktakeLine.counted, StocktakeLine.scans)
                                   .where(StocktakeLine.stocktake_id == stocktake_id)).all()
        scan_rows = db.session.scalar(select(func.count()).select_from(StocktakeScan)
                                      .where(StocktakeScan.stocktake_id == stocktake_id))
        distinct = db.session.scalar(select(func.count(func.distinct(StocktakeScan.scan_id)))
                                     .where(StocktakeScan.stocktake_id == stocktake_id))
        return {"lines": {str(p): [str(counted), scans] for p, counted, scans in lines if scans},
                "scan_rows": scan_rows, "distinct_scan_ids": distinct}


# -- the scanners --------------------------------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection doing as little per request as it can, since the load generator shares
    the server's cores: http.client (which parses headers with the email package) took about twice its CPU a scan.
    It opens again after the server said `Connection: close` (gunicorn's sync workers do after every response)."""

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.opened = 0

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one whole request, return the answer's status and body."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.opened += 1
        self.sock.sendall(request)
        data = b""
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += self._receive()
        head, body = data[:end].lower(), data[end + 4:]
        length = int(head.split(b"\r\ncontent-length:", 1)[1].split(b"\r\n", 1)[0])
        while len(body) < length:
            body += self._receive()
        if b"\r\nconnection: close" in head:
            self.close()
        return int(head[9:12]), body

    def _receive(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection before answering in full")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Scanner:
    """One hardware scanner: its own token and keep-alive connection, its own random stream of barcodes."""

    def __init__(self, index: int, port: int, token: str, stocktake_id: int, barcodes: list, retry: float):
        self.connection = Connection(port)
        self.head = (f"POST /api/v1/stocktakes/{stocktake_id}/scans HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n")
        self.barcodes, self.retry = barcodes, retry
        self.random = random.Random(1000 + index)
        self.sent: list[tuple[str, str, Decimal]] = []  # (scan_id, barcode, qty) answered 201, for replays
        self.counted: Counter = Counter()  # product_id -> units answered 201
        self.created = self.replayed = 0
        self.errors: Counter = Counter()
        self.error_samples: list[str] = []

    def scan(self) -> None:
        """Send one scan and check its answer; errors are tallied, never raised (the run goes on)."""
        if self.sent and self.random.random() < self.retry:
            scan_id, code, qty = self.random.choice(self.sent)
            replay = True
        else:
            code, _product = self.random.choice(self.barcodes)
            scan_id, qty = str(uuid.uuid4()), (self.random.choice(TYPED) if self.random.random() < 0.1
                                               else Decimal(1))
            replay = False
        body = {"scan_id": scan_id, "barcode": code}
        if qty != 1:
            body["qty"] = str(qty)
        payload = json.dumps(body).encode()
        try:
            status, data = self.connection.exchange(
                f"{self.head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        except (OSError, ValueError, IndexError) as error:  # refused, reset, timed out, or not HTTP
            self.connection.close()
            self._error(type(error).__name__, str(error))
            return
        expected = 200 if replay else 201
        if status != expected:
            self._error(f"HTTP {status}", f"{status} for {body}: {data[:200]!r}")
            return
        answer = json.loads(data)
        if Decimal(answer["qty"]) != qty:
            self._error("wrong qty", f"{body} answered {answer}")
            return
        if not replay:
            self.created += 1
            self.counted[answer["product_id"]] += qty
            self.sent.append((scan_id, code, qty))
        else:
            self.replayed += 1

    def _error(self, kind: str, sample: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(sample)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank, as bench/load.py."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, math.ceil(p * len(values)) - 1))]


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU time of these processes (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def _children(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def is_pdf_renderer(pid: int) -> bool:
    """Whether `pid` is the PDF renderer that gunicorn.conf.py starts beside the workers (app/pdf_renderer.py)."""
    try:
        return b"pdf_renderer.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def gunicorn_workers(master: int) -> list[int]:
    """The master's workers: its children but the PDF renderer."""
    return [pid for pid in _children(master) if not is_pdf_renderer(pid)]


def pdf_renderer(master: int) -> int | None:
    return next((pid for pid in _children(master) if is_pdf_renderer(pid)), None)


def measure(scanners: list[Scanner], seconds: float, rate: float | None, server_pid: int) -> dict:
    """Closed loop (rate None) or open loop at `rate` scans/s in all, for `seconds`; one dict of figures."""
    count = len(scanners)
    latencies: list[list[float]] = [[] for _ in scanners]
    service: list[list[float]] = [[] for _ in scanners]
    before = [(s.created, s.replayed, sum(s.errors.values()), s.connection.opened) for s in scanners]
    start = time.perf_counter() + 0.05  # every thread is waiting before the first scan is due
    deadline = start + seconds
    interval = count / rate if rate else 0.0
    finished = [start] * count
    unsent = [0] * count

    def closed(index: int):
        scanner, mine = scanners[index], latencies[index]
        while time.perf_counter() < start:
            time.sleep(0.001)
        while (began := time.perf_counter()) < deadline:
            scanner.scan()
            mine.append((time.perf_counter() - began) * 1000)
        finished[index] = time.perf_counter()

    def opened(index: int):
        scanner, mine, own = scanners[index], latencies[index], service[index]
        jitter = random.Random(index)
        due = start + interval * index / count  # the scanners' schedules staggered over one interval
        while due < deadline:
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            elif now >= deadline:  # so far behind that the window is over: the rest are never sent
                unsent[index] = math.ceil((deadline - due) / interval)
                break
            began = time.perf_counter()
            scanner.scan()
            done = time.perf_counter()
            mine.append((done - due) * 1000)  # from when it was due: waiting for a late answer counts
            own.append((done - began) * 1000)
            due += interval * jitter.uniform(0.8, 1.2)
        finished[index] = time.perf_counter()

    workers = gunicorn_workers(server_pid)
    cpu_app, cpu_load = cpu_seconds(workers), time.process_time()
    threads = [threading.Thread(target=opened if rate else closed, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(finished) - start
    app_cpu, load_cpu = cpu_seconds(workers) - cpu_app, time.process_time() - cpu_load
    values = sorted(v for mine in latencies for v in mine)
    own = sorted(v for mine in service for v in mine)
    created = sum(s.created - b[0] for s, b in zip(scanners, before))
    replayed = sum(s.replayed - b[1] for s, b in zip(scanners, before))
    errors = sum(sum(s.errors.values()) - b[2] for s, b in zip(scanners, before))
    connections = sum(s.connection.opened - b[3] for s, b in zip(scanners, before))
    figures = {
        "mode": f"open loop, {rate:g}/s offered" if rate else "closed loop",
        "offered_per_s": rate, "scans": len(values), "created": created, "replayed": replayed, "errors": errors,
        "seconds": round(elapsed, 2), "scans_per_s": round(len(values) / elapsed, 1) if elapsed else None,
        "p50_ms": percentile(values, 0.50), "p95_ms": percentile(values, 0.95), "p99_ms": percentile(values, 0.99),
        "max_ms": values[-1] if values else None,
        "app_cpu_ms": round(app_cpu * 1000 / len(values), 2) if values and workers else None,
        "loadgen_cpu_s": round(load_cpu, 2),
        "loadgen_cpu_ms": round(load_cpu * 1000 / len(values), 2) if values else None,
        "connections_opened": connections,
    }
    if rate:
        figures.update(service_p50_ms=percentile(own, 0.50), service_p95_ms=percentile(own, 0.95),
                       unsent=sum(unsent))
    return figures


def print_table(rows: list[dict]) -> None:
    columns = [("mode", "mode", "<", None), ("scans", "scans", ">", "d"), ("errors", "errors", ">", "d"),
               ("scans/s", "scans_per_s", ">", ".1f"), ("p50 ms", "p50_ms", ">", ".1f"),
               ("p95 ms", "p95_ms", ">", ".1f"), ("p99 ms", "p99_ms", ">", ".1f"), ("max ms", "max_ms", ">", ".1f"),
               ("app cpu ms", "app_cpu_ms", ">", ".2f"), ("loadgen cpu ms", "loadgen_cpu_ms", ">", ".2f"),
               ("connections", "connections_opened", ">", "d")]
    cells = [["-" if row.get(key) is None else format(row[key], spec) if spec else str(row[key])
              for _, key, _, spec in columns] for row in rows]
    widths = [max([len(title)] + [len(r[i]) for r in cells]) for i, (title, *_) in enumerate(columns)]

    def line(values):
        return "  ".join(format(v, f"{align}{w}") for v, w, (_, _, align, _) in zip(values, widths, columns))

    print(line([title for title, *_ in columns]))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))
    for row in rows:
        if row.get("offered_per_s"):
            print(f"  {row['mode']}: service time (send to answer) p50 {row['service_p50_ms']:.1f} ms,"
                  f" p95 {row['service_p95_ms']:.1f} ms; {row['unsent']} scans due were never sent (the window"
                  f" closed with the scanners behind)")


def verify(scanners: list[Scanner], count: dict) -> list[str]:
    """The count must hold exactly what the server answered 201, no more, no less."""
    problems = []
    created = sum(s.created for s in scanners)
    if count["scan_rows"] != created or count["distinct_scan_ids"] != created:
        problems.append(f"{count['scan_rows']} scan rows ({count['distinct_scan_ids']} scan ids) for {created}"
                        f" scans answered 201")
    scans = sum(n for _counted, n in count["lines"].values())
    if scans != created:
        problems.append(f"the lines count {scans} scans for {created} answered 201")
    expected: Counter = Counter()
    for scanner in scanners:
        expected.update(scanner.counted)
    got = {int(p): Decimal(counted) for p, (counted, _n) in count["lines"].items()}
    wrong = [(p, got.get(p), expected.get(p)) for p in sorted(set(got) | set(expected))
             if got.get(p, 0) != expected.get(p, 0)]
    if wrong:
        problems.append(f"{len(wrong)} product(s) counted differently from the answers, e.g. "
                        + ", ".join(f"product {p}: counted {g}, answered {e}" for p, g, e in wrong[:5]))
    return problems


def main() -> int:
    scanners_wanted = env_int("BENCH_SCANNERS", 32)
    seconds, warmup = env_float("BENCH_SECONDS", 10), env_float("BENCH_WARMUP", 1)
    rate, retry = env_float("BENCH_RATE", 520), env_float("BENCH_RETRY", 0.02)
    workers = env_int("BENCH_WORKERS", 2)
    products, moves = env_int("BENCH_PRODUCTS", 2000), env_int("BENCH_MOVES", 20000)
    modes = [m.strip() for m in os.environ.get("BENCH_MODES", "closed,open").split(",") if m.strip()]
    if set(modes) - {"closed", "open"} or not modes:
        raise BenchError("BENCH_MODES is a comma-separated list of closed, open")
    if scanners_wanted < 1 or seconds <= 0 or rate <= 0 or not 0 <= retry < 1 or products < 100:
        raise BenchError("BENCH_SCANNERS >= 1, BENCH_SECONDS > 0, BENCH_RATE > 0, 0 <= BENCH_RETRY < 1,"
                         " BENCH_PRODUCTS >= 100")
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    instance = Path(tempfile.mkdtemp(prefix="jxc-bench-stocktake-"))
    postgres = Postgres(database_url) if database_url else None
    server = None
    try:
        engine = "postgresql" if postgres else "sqlite"
        env, flask, _seeded = seeded_database(instance, postgres, products, moves)
        made = json.loads(run([venv_bin("python"), __file__, "--setup", str(scanners_wanted)], env, "setup")
                          .strip().splitlines()[-1])
        print(f"stocktake {made['stocktake_id']} opened on warehouse {made['warehouse_id']} with"
              f" {made['lines_at_opening']} lines; {len(made['barcodes'])} barcodes to scan")
        port = free_port()
        log_path = instance / "gunicorn.log"
        server = start_gunicorn(env, workers, port, log_path)
        wait_healthy(server, port, log_path)
        scanners = [Scanner(i, port, token, made["stocktake_id"], made["barcodes"], retry)
                    for i, token in enumerate(made["tokens"])]
        if warmup:  # every connection opened and every worker warm (imports, statements), counted like the rest
            measure(scanners, warmup, None, server.pid)
        load_before = load_average()
        rows = []
        for mode in modes:
            rows.append(measure(scanners, seconds, rate if mode == "open" else None, server.pid))
        load_after = load_average()
        stop(server)  # quiet, so what we read is final
        server = None
        count = json.loads(run([venv_bin("python"), __file__, "--read", str(made["stocktake_id"])], env,
                               "reading the count").strip().splitlines()[-1])
        problems = verify(scanners, count)
        check = check_invariants(flask, env, "after the scans")
        gunicorn_args = " ".join(["-w", str(workers), *os.environ.get("BENCH_GUNICORN_ARGS", "").split()])
        print(f"\nstocktake scans over the API ({engine}, gunicorn {gunicorn_args}, {len(scanners)} scanners,"
              f" {os.cpu_count()} CPUs, {seconds:g} s each; load average before {load_before}, after"
              f" {load_after})")
        print_table(rows)
        created = sum(s.created for s in scanners)
        replayed = sum(s.replayed for s in scanners)
        errors: Counter = Counter()
        for scanner in scanners:
            errors.update(scanner.errors)
        print(f"the count holds {created} scans answered 201 ({replayed} replays answered 200 and counted"
              f" nothing) over {len(count['lines'])} products" if not problems else "COUNT WRONG: "
              + "; ".join(problems))
        if errors:
            print("errors: " + ", ".join(f"{kind} x{n}" for kind, n in errors.items()))
            for sample in [x for s in scanners for x in s.error_samples][:5]:
                print("  e.g.", sample)
            print(tail(log_path, 15))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({
            "settings": {"database": engine, "workers": workers, "gunicorn_args": gunicorn_args,
                         "scanners": len(scanners), "seconds": seconds, "rate": rate, "retry": retry,
                         "products": products},
            "cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after, "results": rows,
            "created": created, "replayed": replayed, "errors": dict(errors), "count_problems": problems,
            "check": check}, indent=2) + "\n")
        return 0 if check["ok"] and not problems and not errors else 1
    except (BenchError, subprocess.SubprocessError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        clean_up(server, postgres, instance)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--setup"]:
        print(json.dumps(setup(int(sys.argv[2]))))
        sys.exit(0)
    if sys.argv[1:2] == ["--read"]:
        print(json.dumps(read_count(int(sys.argv[2]))))
        sys.exit(0)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # the finally blocks clean up
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
