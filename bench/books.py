"""Time the books' statements against the reports bench's large shop: `make bench-books` (or
`.venv/bin/python bench/books.py`).

    .venv/bin/python bench/books.py [--runs 7] [--fresh]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/jxc_reports_bench .venv/bin/python bench/books.py

The shop is bench/reports.py's (20,000 products, about 1,000,000 sales lines over two years, kept between runs in
BENCH_REPORTS_SQLITE or the PostgreSQL database DATABASE_URL names); bench/books_data.py adds the vouchers its
documents would have posted (one per invoice, delivery, return, receipt of goods, purchase invoice, payment) and
the month totals, once. Then:

1. in one process, the statements' figures for this month, quarter and year (so a run shows what it timed:
   revenue, net profit, total assets against liabilities and equity) and each statement function's time;
2. gunicorn (one worker) serves the app and each screen is requested over HTTP signed in as the demo owner: one
   warm-up, then --runs timed requests; p50 and p95 in ms, flagged over the target (1 s; the dashboard 300 ms).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from reports import DEMO_USER, Session, environment, flask, percentile, prepare, python  # noqa: E402
from run import BenchError, free_port, start_gunicorn, stop, venv_bin, wait_healthy  # noqa: E402

TARGET_MS, DASHBOARD_MS = 1000, 300

# In the app: the vouchers there are, the 1122 account's id and its last 明细账 page over the year, the figures
# and each statement's time in process (median of five after a warm-up).
FIGURES = """
import json, statistics, time
from sqlalchemy import func, select
from wsgi import app
from app.extensions import db
from app.books import cashbook, ledgers, statements
from app.books.models import Account, AccountMonth, Voucher, VoucherLine
from app.books.months import months_of
from app.db_types import business_today

def timed(call):
    call()
    times = []
    for _ in range(5):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return result, round(statistics.median(times), 1)

with app.app_context():
    out = {"counts": {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in
                      (("vouchers", Voucher), ("voucher lines", VoucherLine), ("month totals", AccountMonth))}}
    receivables = db.session.scalar(select(Account).where(Account.code == "1122"))
    year = months_of("year", business_today())
    out["receivables"] = receivables.id
    out["receivables_pages"] = ledgers.account_ledger(receivables, year.start, year.end).pages
    for grain in ("month", "quarter", "year"):
        months = months_of(grain, business_today())
        income, income_ms = timed(lambda: statements.income_statement(months))
        sheet, sheet_ms = timed(lambda: statements.balance_sheet(months))
        trial, trial_ms = timed(lambda: ledgers.trial_balance(months.first, months.last))
        totals = ledgers.trial_totals(trial)
        ledger, ledger_ms = timed(lambda: ledgers.account_ledger(receivables, months.start, months.end))
        last, last_ms = timed(lambda: ledgers.account_ledger(receivables, months.start, months.end, ledger.pages))
        general, general_ms = timed(lambda: ledgers.general_ledger(months.periods()))
        cash, cash_ms = timed(lambda: cashbook.cash(months.first, months.last, months.start, months.end))
        out[grain] = {
            "months": f"{months.first}..{months.last}",
            "revenue": str(income.figure(1)), "net profit": str(income.net_profit),
            "net profit, period before": str(income.figure(32, 1)),
            "total assets": str(sheet.figure(30)), "liabilities and equity": str(sheet.figure(53)),
            "balanced": sheet.balanced, "cash": str(sheet.figure(1)), "receivables": str(sheet.figure(4)),
            "inventories": str(sheet.figure(9)),
            "trial debits = credits": totals.debit == totals.credit and totals.closing == 0,
            "1122 lines": ledger.count, "cash in": str(cash.money_in), "cash out": str(cash.money_out),
            "ms": {"income statement": income_ms, "balance sheet": sheet_ms, "trial balance": trial_ms,
                   "general ledger": general_ms, "1122 ledger page 1": ledger_ms,
                   f"1122 ledger page {ledger.pages}": last_ms, "cash": cash_ms}}
    from app.reports import dashboard
    books, books_ms = timed(dashboard.books)
    out["dashboard"] = {"net profit this month": str(books.net_profit), "cash on hand": str(books.cash),
                        "ms": books_ms}
    print(json.dumps(out, ensure_ascii=False))
"""

HAS_BOOKS = ("from wsgi import app\nfrom app.extensions import db\nfrom sqlalchemy import text\n"
             "with app.app_context():\n"
             "    print(db.session.execute(text(\"SELECT COUNT(*) FROM voucher WHERE source_type = 'sales_invoice' "
             "AND source_number LIKE 'SI-%-B%'\")).scalar())\n")


def urls(receivables: int, pages: int) -> list[tuple[str, int]]:
    ledger = f"/books/accounts/{receivables}/ledger"
    return ([(f"/books/income-statement?grain={g}", TARGET_MS) for g in ("month", "quarter", "year")]
            + [(f"/books/balance-sheet?grain={g}", TARGET_MS) for g in ("month", "year")]
            + [(f"/books/trial-balance?grain={g}", TARGET_MS) for g in ("month", "year")]
            + [("/books/general-ledger?grain=year", TARGET_MS),
               (f"{ledger}?grain=month", TARGET_MS), (f"{ledger}?grain=year", TARGET_MS),
               (f"{ledger}?grain=year&page={pages}", TARGET_MS)]
            + [(f"/books/cash?grain={g}", TARGET_MS) for g in ("month", "year")]
            + [("/books/income-statement?grain=year&format=xlsx", TARGET_MS),
               ("/books/balance-sheet?grain=year&format=pdf", TARGET_MS),
               ("/books/trial-balance?grain=year&format=xlsx", TARGET_MS),
               ("/reports/?period=month", DASHBOARD_MS)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="generate the shop and its books again")
    parser.add_argument("--products", default="20000")
    parser.add_argument("--customers", default="2000")
    parser.add_argument("--lines", default="1000000")
    args = parser.parse_args()
    env = environment()
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgresql") else "SQLite"
    prepare(env, args.fresh, ["--products", args.products, "--customers", args.customers, "--lines", args.lines])
    if not int(python(env, HAS_BOOKS)):
        print("posting the shop's vouchers (a minute or two) ...", flush=True)
        if subprocess.run([venv_bin("python"), str(BENCH / "books_data.py")], cwd=ROOT, env=env).returncode:
            raise BenchError("bench/books_data.py failed")
    import json
    figures = json.loads(python(env, FIGURES))
    print(f"\n{engine}: " + ", ".join(f"{n} {k}" for k, n in figures["counts"].items()))
    for grain in ("month", "quarter", "year"):
        found = figures[grain]
        timings = found.pop("ms")
        print(f"  {grain:8} " + ", ".join(f"{k} {v}" for k, v in found.items()))
        print(f"  {'':8} in process, ms: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    books = figures["dashboard"]
    print(f"  dashboard: net profit this month {books['net profit this month']}, cash on hand "
          f"{books['cash on hand']}, {books['ms']} ms in process (of the dashboard's whole time below)")
    token = [line for line in flask(env, "users", "token", DEMO_USER).splitlines() if line.strip()][-1].strip()
    os.environ.setdefault("BENCH_GUNICORN_ARGS", "--timeout 600")
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"jxc_books_bench_{port}.log"
    server = start_gunicorn(env, 1, port, log)
    rows = []
    try:
        wait_healthy(server, port, log, timeout=60)
        session = Session(f"http://127.0.0.1:{port}", token)
        for url, target in urls(figures["receivables"], figures["receivables_pages"]):
            status, first, size = session.get(url, False)
            times = [session.get(url, False)[1] for _ in range(args.runs)] if status == 200 else [first]
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            rows.append((url, status, p50, p95, target))
            flag = "" if status == 200 and p95 <= target else ("  FAIL" if status != 200 else "  SLOW")
            print(f"{engine:10} {url:58} {status} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms {size / 1024:7.1f} kB{flag}",
                  flush=True)
    finally:
        stop(server)
    bad = [row for row in rows if row[1] != 200 or row[3] > row[4]]
    print(f"\n{engine}: {len(rows)} URLs x {args.runs} runs, {len(bad)} over target or not 200")
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
