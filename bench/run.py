"""Benchmark JXC under gunicorn: `make bench` (or `.venv/bin/python bench/run.py`).

Sets up a throw-away database with the demo data plus a seeded catalogue and ledger
(bench/seed.py: 20,000 products, 200,000 stock moves), checks the invariants, serves it with
gunicorn on a free local port, drives the endpoints in bench/endpoints.py from a separate
load-generator process (bench/load.py), checks the invariants again, prints a table and writes
bench/results/latest.json. See bench/README.md for the knobs.
"""
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from endpoints import ENDPOINTS  # noqa: E402
import pdf as pdf_bench  # noqa: E402

DEMO_USER, DEMO_PASSWORD = "boss", "demo1234"
RESULTS = BENCH / "results" / "latest.json"


class BenchError(Exception):
    pass


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def venv_bin(tool: str) -> str:
    for folder in (ROOT / ".venv" / "bin", Path(sys.prefix) / "bin"):
        if (folder / tool).exists():
            return str(folder / tool)
    raise BenchError(f"{tool} not found in .venv/bin: run `make bench` (it installs the venv)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list, env: dict, what: str) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def check_invariants(flask: list, env: dict, when: str) -> dict:
    """`flask check` (levels equal the sum of their moves, ...): {"ok": bool, "output": text}."""
    done = subprocess.run(flask + ["check"], cwd=ROOT, env=env, capture_output=True, text=True)
    output = (done.stdout + done.stderr).strip()
    if done.returncode == 0:
        print(f"flask check {when}: {output}")
    return {"ok": done.returncode == 0, "output": output}


def invariants_broken(check: dict, when: str) -> str:
    return f"INVARIANTS BROKEN {when} (`flask check`):\n{check['output']}"


def seeded_database(instance: Path, postgres, products: int, moves: int) -> tuple[dict, list, dict]:
    """A fresh database for a run: migrated, the demo company, bench/seed.py's catalogue and ledger (its samples in
    instance/samples.json), and `flask check` holding. Returns the app's environment, the flask command and the check.
    The app sees only what we give it: no developer DATABASE_URL/REDIS_URL leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JXC_INSTANCE")}
    env.update(JXC_INSTANCE=str(instance), SECRET_KEY=secrets.token_urlsafe(48), PYTHONUNBUFFERED="1")
    if postgres:
        env["DATABASE_URL"] = postgres.create()
        database = f"postgresql ({postgres.host}:{postgres.port}/{postgres.name})"
    else:
        database = "sqlite"
    flask = [venv_bin("flask"), "--app", "wsgi"]
    print(f"setting up a fresh {database} database in {instance}")
    run(flask + ["db", "upgrade"], env, "flask db upgrade")
    run(flask + ["demo"], env, "flask demo")
    print(run([venv_bin("python"), str(BENCH / "seed.py"), str(instance / "samples.json"), "--products", str(products),
               "--moves", str(moves)], env, "bench/seed.py").strip())
    check = check_invariants(flask, env, "after seeding")
    if not check["ok"]:
        raise BenchError(invariants_broken(check, "after seeding"))
    return env, flask, check


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# -- PostgreSQL: a fresh database per run -------------------------------------------------------

class Postgres:
    """A database created for this run on the server BENCH_DATABASE_URL points at, dropped after."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.parts = parts
        self.host = parts.hostname or "127.0.0.1"
        self.port = str(parts.port or 5432)
        self.user = unquote(parts.username or "postgres")
        self.admin_db = parts.path.lstrip("/") or "postgres"
        self.env = dict(os.environ)
        if parts.password:
            self.env["PGPASSWORD"] = unquote(parts.password)
        self.name = f"jxc_bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.created = False

    def psql(self, sql: str) -> None:
        done = subprocess.run(
            ["psql", "-h", self.host, "-p", self.port, "-U", self.user, "-d", self.admin_db,
             "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
            env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"psql {sql!r} failed: {done.stderr.strip()}")

    def create(self) -> str:
        if shutil.which("psql") is None:
            raise BenchError("BENCH_DATABASE_URL is set but psql is not installed")
        self.psql(f'CREATE DATABASE "{self.name}"')
        self.created = True
        return urlunsplit(self.parts._replace(path="/" + self.name))

    def drop(self) -> None:
        if self.created:
            try:
                self.psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            except BenchError:
                self.psql(f'DROP DATABASE IF EXISTS "{self.name}"')  # before PostgreSQL 13


# -- gunicorn ---------------------------------------------------------------------------------------

def start_gunicorn(env: dict, workers: int, port: int, log_path: Path, app: str = "wsgi:app",
                   extra_args: list[str] | None = None) -> subprocess.Popen:
    """gunicorn serving `app`; extra_args None means BENCH_GUNICORN_ARGS (bench/writes.py passes [] to keep
    the default sync worker whatever the environment says)."""
    if extra_args is None:
        extra_args = os.environ.get("BENCH_GUNICORN_ARGS", "").split()
    cmd = [venv_bin("gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", *extra_args, app]
    print("starting gunicorn " + " ".join(cmd[1:]))
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()  # the child keeps its own handle


def wait_healthy(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 30) -> None:
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except OSError as error:
            last = type(error).__name__
        time.sleep(0.2)
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s ({last}):\n{tail(log_path)}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # gunicorn's graceful shutdown
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def clean_up(server: subprocess.Popen | None, postgres: "Postgres | None", instance: Path) -> None:
    """After a bench, whatever happened: stop the server, drop its PostgreSQL database, remove its instance folder."""
    stop(server)
    if postgres:
        try:
            postgres.drop()
        except BenchError as error:
            print(f"warning: {error}", file=sys.stderr)
    shutil.rmtree(instance, ignore_errors=True)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- results ------------------------------------------------------------------------------------

def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "") if head else "unknown"
    except OSError:
        return "unknown"


def print_table(results: list) -> None:
    columns = [("endpoint", "name", "<", None), ("requests", "requests", ">", "d"),
               ("errors", "errors", ">", "d"), ("req/s", "rps", ">", ".1f"),
               ("p50 ms", "p50_ms", ">", ".1f"), ("p95 ms", "p95_ms", ">", ".1f"),
               ("p99 ms", "p99_ms", ">", ".1f"), ("app cpu ms", "app_cpu_ms", ">", ".1f"),
               ("db cpu ms", "db_cpu_ms", ">", ".1f")]

    def cell(row, key, spec):
        value = row.get(key)
        return "-" if value is None else format(value, spec) if spec else str(value)

    cells = [[cell(row, key, spec) for _, key, _, spec in columns] for row in results]
    widths = [max([len(title)] + [len(r[i]) for r in cells]) for i, (title, *_) in enumerate(columns)]
    line = lambda values: "  ".join(  # noqa: E731
        format(v, f"{align}{w}") for v, w, (_, _, align, _) in zip(values, widths, columns))
    print(line([title for title, *_ in columns]))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))
    for row in results:
        for part in row.get("by_variant") or ():
            print(f"  {row['name']} {part['label']!r}: {part['requests']} requests, p50 {part['p50_ms']} ms,"
                  f" p95 {part['p95_ms']} ms, p99 {part['p99_ms']} ms")
    for row in results:
        if row["errors"]:
            kinds = ", ".join(f"{kind} x{count}" for kind, count in row["error_kinds"].items())
            print(f"  {row['name']}: {kinds}")


# -- main -----------------------------------------------------------------------------------------

def main() -> int:
    workers = env_int("BENCH_WORKERS", 2)
    seconds = env_float("BENCH_SECONDS", 5)
    warmup = env_float("BENCH_WARMUP", 1)
    concurrency = env_int("BENCH_CONCURRENCY", 8)
    products = env_int("BENCH_PRODUCTS", 20000)
    moves = env_int("BENCH_MOVES", 200000)
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    only = [n.strip() for n in os.environ.get("BENCH_ENDPOINTS", "").split(",") if n.strip()]
    endpoints = [e for e in ENDPOINTS if not only or e.name in only]
    if unknown := set(only) - {e.name for e in ENDPOINTS}:
        raise BenchError(f"BENCH_ENDPOINTS names unknown endpoints: {', '.join(sorted(unknown))}")
    if min(workers, concurrency) < 1 or seconds <= 0 or warmup < 0:
        raise BenchError("BENCH_WORKERS and BENCH_CONCURRENCY must be >= 1, BENCH_SECONDS > 0")
    if products < 100 or moves < products:
        raise BenchError("BENCH_PRODUCTS must be >= 100 and BENCH_MOVES >= BENCH_PRODUCTS")

    instance = Path(tempfile.mkdtemp(prefix="jxc-bench-"))
    postgres = Postgres(database_url) if database_url else None
    server = None
    try:
        env, flask, seeded = seeded_database(instance, postgres, products, moves)
        samples = json.loads((instance / "samples.json").read_text())
        checks = {"after_seeding": seeded}
        lines = [ln.strip() for ln in run(flask + ["users", "token", DEMO_USER], env,
                                          "flask users token").splitlines() if ln.strip()]
        if not lines:
            raise BenchError("flask users token printed nothing")
        token = lines[-1]

        port = free_port()
        log_path = instance / "gunicorn.log"
        server = start_gunicorn(env, workers, port, log_path)
        wait_healthy(server, port, log_path)

        print(f"load: {len(endpoints)} endpoint(s), concurrency {concurrency}, "
              f"{warmup:g} s warm-up + {seconds:g} s each, gunicorn -w {workers}, "
              f"{os.cpu_count()} CPU(s)")
        try:
            job_endpoints = [{**e.to_dict(), "label": e.label, "variants": e.variants(samples)}
                             for e in endpoints]
        except ValueError as error:
            raise BenchError(str(error)) from None
        job = {"host": "127.0.0.1", "port": port, "token": token, "username": DEMO_USER,
               "password": DEMO_PASSWORD, "concurrency": concurrency, "seconds": seconds,
               "warmup": warmup, "endpoints": job_endpoints,
               "server": {"pid": server.pid, "database": postgres.name if postgres else None}}
        load_before = load_average()
        load = subprocess.run([sys.executable, str(BENCH / "load.py")], input=json.dumps(job),
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if load.returncode != 0:
            raise BenchError(f"load generator failed ({load.returncode});"
                             f" server log:\n{tail(log_path)}")
        results = json.loads(load.stdout)
        load_after = load_average()
        stop(server)  # quiet, so the check sees the final state
        checks["after_run"] = check_invariants(flask, env, "after the run")
    finally:
        clean_up(server, postgres, instance)

    print()
    print_table(results)
    print(f"\nload average (1, 5, 15 min) before the load: {load_before}, after: {load_after}"
          f" on {os.cpu_count()} CPU(s)")
    print()  # after the load and gunicorn are gone, so the renders have the machine to themselves
    try:
        pdf_results = pdf_bench.run_all()
        pdf_bench.print_results(pdf_results)
    except RuntimeError as error:
        pdf_results = None
        print(f"bench/pdf.py: {error}", file=sys.stderr)
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "settings": {"workers": workers, "concurrency": concurrency, "seconds": seconds,
                     "warmup": warmup, "database": "postgresql" if postgres else "sqlite",
                     "gunicorn_args": os.environ.get("BENCH_GUNICORN_ARGS", "")},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_before": load_before,
                    "loadavg_after": load_after},
        "data": {"counts": samples["counts"], "seed_timings_s": samples["timings_s"]},
        "checks": checks,
        "results": results,
        "pdf": pdf_results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    errors = sum(r["errors"] for r in results)
    if errors:
        print(f"{errors} request(s) failed", file=sys.stderr)
    if not checks["after_run"]["ok"]:
        print("\n" + invariants_broken(checks["after_run"], "after the run"), file=sys.stderr)
    return 1 if errors or not checks["after_run"]["ok"] else 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # so the finally blocks stop gunicorn and clean up


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    sys.stdout.reconfigure(line_buffering=True)  # keep our lines in order with load.py's stderr
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
