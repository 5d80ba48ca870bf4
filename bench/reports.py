"""Time the dashboard and every report against a large shop: `make bench-reports` (or `.venv/bin/python bench/reports.py`).

    .venv/bin/python bench/reports.py [--runs 7] [--fresh] [--only dashboard,sales]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/jxc_reports_bench .venv/bin/python bench/reports.py

The data (bench/reports_data.py: 20,000 products, 2,000 customers, about 1,000,000 sales lines over two years,
with deliveries, moves, invoices, returns, receipts and sales facts) takes minutes to make, so it is kept between
runs: in BENCH_REPORTS_SQLITE (default /tmp/jxc_reports_bench.db), or in the PostgreSQL database DATABASE_URL
names, whose public schema is DROPPED and rebuilt when the data is missing or --fresh is given; a database holding
products but none of the bench's own orders is refused, so real data is never wiped (a generation that was
interrupted leaves part of the data: run again with --fresh). Then, as bench/run.py does, the app is served by
gunicorn (one worker, so the figures are one request's latency) and every report endpoint that exists is requested over HTTP: each screen
(signed in as the demo owner) with its default filters and with ?period=year, and each report API endpoint
(bearer token). One warm-up request, then --runs timed ones (none when the warm-up took over five times the
target: that one figure is reported); the table gives p50 and p95 in ms and flags what misses its target
(dashboard 300 ms, reports 1 s).
"""
import argparse
import http.cookiejar
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from run import BenchError, free_port, start_gunicorn, stop, venv_bin, wait_healthy  # noqa: E402

DEMO_USER, DEMO_PASSWORD = "boss", "demo1234"
TARGET_MS = {"reports.dashboard": 300, "reports.dashboard_summary": 300}
DEFAULT_TARGET_MS = 1000
SLOW_CUTOFF = 5  # a warm-up this many times over target is reported as it is, without the timed runs
# The dashboard's own switch; every report: its default filters, and a year (the heaviest preset).
VARIANTS = {"reports.dashboard": ("period=today", "period=week", "period=month"), "reports.dashboard_summary": ("",),
            "reports.index": ("",)}
SQLITE = os.environ.get("BENCH_REPORTS_SQLITE", "/tmp/jxc_reports_bench.db")


def environment() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE}"
    instance = Path(tempfile.gettempdir()) / "jxc_reports_bench_instance"
    instance.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SECRET_KEY", "JXC_INSTANCE")}
    env.update(DATABASE_URL=url, JXC_INSTANCE=str(instance), SECRET_KEY=secrets.token_urlsafe(32))
    return env


def flask(env, *args, what=None) -> str:
    done = subprocess.run([venv_bin("flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{what or ' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def python(env, code: str) -> str:
    done = subprocess.run([venv_bin("python"), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"python failed:\n{done.stderr}")
    return done.stdout.strip()


# What is in the database: sales facts, the bench's own orders (numbered SO-yyyy-B...), and products.
CONTENTS = ("from wsgi import app\nfrom app.extensions import db\nfrom sqlalchemy import text\n"
            "with app.app_context():\n"
            "    try:\n        print(*(db.session.execute(text(q)).scalar() for q in ("
            "'SELECT COUNT(*) FROM sales_fact', \"SELECT COUNT(*) FROM sales_order WHERE number LIKE 'SO-%-B%'\", "
            "'SELECT COUNT(*) FROM product')))\n"
            "    except Exception:\n        print(0, 0, 0)\n")
EMPTY = ("from wsgi import app\nfrom app.extensions import db\nfrom sqlalchemy import text\n"
         "with app.app_context():\n"
         "    with db.engine.begin() as c:\n"
         "        c.execute(text('DROP SCHEMA public CASCADE'))\n        c.execute(text('CREATE SCHEMA public'))\n")


def prepare(env: dict, fresh: bool, sizes: list[str]) -> None:
    """Bring the schema up to date; generate the data when it is missing (or asked to)."""
    facts, bench_orders, products = (int(n) for n in python(env, CONTENTS).split())
    if products and not bench_orders:  # never wipe a database the bench did not fill
        raise BenchError(f"{env['DATABASE_URL']} holds {products} products and none of the bench's orders: "
                         "point DATABASE_URL at an empty database of its own (e.g. jxc_reports_bench)")
    if facts >= 10000 and not fresh:  # the demo's own invoices make a few facts: those are not the bench's data
        flask(env, "db", "upgrade")
        print(f"using the data already there ({facts} sales facts)")
        return
    if env["DATABASE_URL"].startswith("postgresql"):
        python(env, EMPTY)
    elif Path(SQLITE).exists():
        Path(SQLITE).unlink()
    flask(env, "db", "upgrade")
    flask(env, "demo")
    print("generating the data (a few minutes) ...", flush=True)
    done = subprocess.run([venv_bin("python"), str(BENCH / "reports_data.py"), *sizes], cwd=ROOT, env=env)
    if done.returncode != 0:
        raise BenchError("bench/reports_data.py failed")


def targets(env: dict) -> list[tuple[str, str, str]]:
    """(endpoint, kind, path) for every report screen and report API endpoint the app has now."""
    code = ("import json\nfrom wsgi import app\nfrom app.extensions import db\nfrom sqlalchemy import text\n"
            "with app.app_context():\n"
            "    top = db.session.execute(text('SELECT customer_id FROM sales_fact GROUP BY customer_id "
            "ORDER BY COUNT(*) DESC LIMIT 1')).scalar()\n"
            "    print(json.dumps({'customer': top, 'rules': [(r.endpoint, r.rule) for r in app.url_map.iter_rules() "
            "if 'GET' in r.methods and (r.endpoint.startswith('reports.') or r.rule.startswith('/api/v1/reports'))]}))")
    found = json.loads(python(env, code))
    out = []
    for endpoint, rule in sorted(found["rules"], key=lambda pair: pair[1]):
        path = rule.replace("<int:customer_id>", str(found["customer"]))
        if "<" in path:
            continue  # a route needing an id we do not know how to pick
        out.append((endpoint, "api" if path.startswith("/api/") else "html", path))
    return out


class Session:
    """A signed-in browser (cookies, CSRF from the login page) and a bearer token for the API."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(f"{base}/login").read().decode()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'"X-CSRFToken": "([^"]+)"', page)
        data = urllib.parse.urlencode({"username": DEMO_USER, "password": DEMO_PASSWORD,
                                       "csrf_token": csrf.group(1)}).encode()
        self.opener.open(f"{base}/login", data)

    def get(self, path: str, api: bool) -> tuple[int, float, int]:
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": f"Bearer {self.token}"} if api else {})
        started = time.perf_counter()
        try:
            with (urllib.request.urlopen(request, timeout=600) if api else self.opener.open(request, timeout=600)) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        except OSError:  # the worker died or timed out: no status at all
            body, status = b"", 0
        return status, (time.perf_counter() - started) * 1000, len(body)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (without reports.)")
    parser.add_argument("--products", default="20000")
    parser.add_argument("--customers", default="2000")
    parser.add_argument("--lines", default="1000000")
    args = parser.parse_args()
    env = environment()
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgresql") else "SQLite"
    prepare(env, args.fresh, ["--products", args.products, "--customers", args.customers, "--lines", args.lines])
    token = [line for line in flask(env, "users", "token", DEMO_USER).splitlines() if line.strip()][-1].strip()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    endpoints = [t for t in targets(env) if not wanted or t[0].split(".", 1)[1] in wanted]
    # A year of a report may take longer than gunicorn's default 30 s worker timeout; measure it, do not kill it.
    os.environ.setdefault("BENCH_GUNICORN_ARGS", "--timeout 600")
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"jxc_reports_bench_{port}.log"
    server = start_gunicorn(env, 1, port, log)
    rows, failures = [], 0
    try:
        wait_healthy(server, port, log, timeout=60)
        session = Session(f"http://127.0.0.1:{port}", token)
        for endpoint, kind, path in endpoints:
            for variant in VARIANTS.get(endpoint, ("", "period=year")):
                url = path + ("?" + variant if variant else "")
                target = TARGET_MS.get(endpoint, DEFAULT_TARGET_MS)
                status, first, size = session.get(url, kind == "api")  # warm-up
                times = [first]  # kept only if it is the one sample: far over target, more runs would say no more
                if first <= SLOW_CUTOFF * target:
                    times = []
                    for _ in range(args.runs):
                        status, ms, size = session.get(url, kind == "api")
                        times.append(ms)
                p50, p95 = statistics.median(times), percentile(times, 0.95)
                failures += status != 200
                rows.append((endpoint, kind, url, status, p50, p95, size, target))
                flag = "" if status == 200 and p95 <= target else ("  FAIL" if status != 200 else "  SLOW")
                print(f"{engine:10} {kind:4} {url:58} {status} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms "
                      f"{size / 1024:7.1f} kB{flag}", flush=True)
    finally:
        stop(server)
    print(f"\n{engine}: {len(rows)} URLs x {args.runs} runs")
    print(f"{'endpoint':28} {'kind':4} {'query':14} {'status':6} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}")
    for endpoint, kind, url, status, p50, p95, _size, target in rows:
        query = url.split("?", 1)[1] if "?" in url else ""
        mark = "" if status == 200 and p95 <= target else " <-"
        print(f"{endpoint:28} {kind:4} {query:14} {status:<6} {p50:8.1f} {p95:8.1f} {target:7}{mark}")
    slow = [row for row in rows if row[5] > row[7]]
    print(f"\n{len(slow)} over target, {failures} not 200")
    return 1 if failures or slow else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
