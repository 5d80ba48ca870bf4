"""Lighthouse 12 (mobile: a mid-range phone on slow 4G, simulated) on four phone screens of the demo company.

`make lighthouse` installs Lighthouse (pinned in bench/lighthouse/package-lock.json) and runs this file, which
serves the app with gunicorn on a fresh SQLite demo database, signs in through the real form (Playwright,
Debian's Chromium) and hands Lighthouse the session cookie as an extra header. It prints each page's
performance and accessibility scores with the metrics behind them; reports go to bench/results/lighthouse/.

Targets (issue 15): performance >= 95 and accessibility 100 on every page.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
RESULTS = ROOT / "bench" / "results" / "lighthouse"
TARGETS = {"performance": 95, "accessibility": 100}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_database(env: dict) -> dict:
    """Migrate and load the demo company; return the addresses of the pages to measure and who opens them."""
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*flask, "demo", "--if-empty"], env=env, check=True, cwd=ROOT, capture_output=True)
    script = """
import json
from sqlalchemy import select
from app import create_app, models  # noqa: F401  (every mapped class, before the first query)
from app.extensions import db
from app.auth.models import User
from app.sales.models import OrderStatus, SalesOrder
from app.stocktake.models import Stocktake
with create_app().app_context():
    draft = db.session.scalars(select(SalesOrder).where(SalesOrder.status == OrderStatus.DRAFT).order_by(SalesOrder.id)).first()
    owner = db.session.get(User, draft.salesperson_id) if draft.salesperson_id else None
    count = db.session.scalars(select(Stocktake).order_by(Stocktake.id)).first()
    print(json.dumps({"draft": draft.id, "draft_user": owner.username if owner else "boss", "stocktake": count.id}))
"""
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", script], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"could not find the demo's draft order and stocktake:\n{result.stderr}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "sign-in": (None, "/login"),
        "sales home": ("sales1", "/"),
        "draft order": (found["draft_user"], f"/orders/{found['draft']}"),
        "stocktake": ("warehouse", f"/stocktakes/{found['stocktake']}"),
    }


def session_cookie(base: str, username: str) -> str:
    """Sign in through the form as a phone would; the Cookie header that carries the session."""
    from playwright.sync_api import sync_playwright

    from app.demo import DEMO_PASSWORD
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=base, locale="zh-CN", service_workers="block")
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        browser.close()
    return cookies


def lighthouse(url: str, cookie: str | None, name: str) -> dict:
    output = RESULTS / f"{name.replace(' ', '-')}.json"
    command = [str(LIGHTHOUSE), url, "--quiet", "--only-categories=performance,accessibility",
               "--output=json", f"--output-path={output}",
               "--chrome-flags=--no-sandbox --disable-gpu --headless --lang=zh-CN"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    return json.loads(output.read_text())


def main():
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: run `make lighthouse`")
    RESULTS.mkdir(parents=True, exist_ok=True)
    instance = tempfile.mkdtemp(prefix="jxc-lighthouse-")
    env = {**os.environ, "JXC_INSTANCE": instance, "DATABASE_URL": f"sqlite:///{instance}/jxc.db",
           "SECRET_KEY": secrets.token_urlsafe(48)}
    pages = demo_database(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--threads", "4",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookies = {user: session_cookie(base, user) for user in {user for user, _ in pages.values() if user}}
        failed = []
        print(f"{'page':<14}{'perf':>6}{'a11y':>6}   FCP     LCP     TBT    CLS    SI")
        for name, (user, path) in pages.items():
            report = lighthouse(base + path, cookies.get(user), name)
            scores = {key: round(report["categories"][key]["score"] * 100) for key in TARGETS}
            audits = report["audits"]
            metrics = "  ".join(audits[key]["displayValue"].replace("\xa0", " ") for key in METRICS)
            print(f"{name:<14}{scores['performance']:>6}{scores['accessibility']:>6}   {metrics}")
            failed += [f"{name}: {key} {scores[key]} < {target}" for key, target in TARGETS.items()
                       if scores[key] < target]
            for audit in report["categories"]["accessibility"]["auditRefs"]:
                result = audits[audit["id"]]
                if audit["weight"] and result["score"] is not None and result["score"] < 1:
                    print(f"    accessibility: {audit['id']}: {result['title']}")
        print("\n".join(["", *failed]) if failed else "\nevery page meets the targets")
        sys.exit(1 if failed else 0)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
