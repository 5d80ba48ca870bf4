"""Load generator, run by bench/run.py in its own process (standard library only).

Reads a JSON job on stdin and writes JSON results on stdout; progress goes to stderr.

    {"host": "127.0.0.1", "port": 8000, "token": "...", "username": "boss", "password": "...",
     "concurrency": 8, "seconds": 5, "warmup": 1,
     "endpoints": [{**Endpoint.to_dict(), "variants": [{"path", "body", "label"}, ...]}, ...]}

One worker per unit of concurrency, each with its own http.client keep-alive connection (it
reconnects by itself when the server closes, as gunicorn's sync workers do after every response)
and, when an endpoint needs it, its own signed-in session. Per endpoint all workers first warm up,
then loop for the fixed duration; every response's status is checked. An endpoint with several
variants is sent round-robin, each worker starting at its own place in the rotation and carrying
on from there in the next phase; variants with a label get their own figures too.
"""
import http.client
import json
import math
import os
import re
import sys
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

USER_AGENT = "jxc-bench/1"  # constant: Flask-Login's session protection hashes the user agent
# Sign-in is limited to 30 attempts a minute per address (LOGIN_LIMITS); every worker signs in
# from 127.0.0.1, so beyond this many workers the sessions are shared round-robin.
MAX_SIGN_INS = 25
CSRF_IN_HEADERS = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
CSRF_IN_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Worker:
    """One load-generator connection, reused for every endpoint."""

    def __init__(self, host: str, port: int):
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.opened = 0  # TCP connections opened, to see whether the server kept them alive
        self.position: dict[str, int] = {}  # where this worker is in each endpoint's rotation

    def request(self, method: str, path: str, body=None, headers=None):
        """Send one request, read the whole response; returns (status, headers, body)."""
        if self.conn.sock is None:
            self.opened += 1
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.conn.close()  # start over on a fresh connection next time
            raise
        return response.status, response.headers, data

    # -- the browser session, through the real sign-in form -------------------------------------

    def _keep_cookies(self, headers) -> None:
        for line in headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or (
                    morsel["expires"] and "1970" in morsel["expires"])
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def _browser_headers(self) -> dict:
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    @staticmethod
    def _csrf_token(page: str) -> str:
        if match := CSRF_IN_HEADERS.search(page):
            return match.group(1)
        if (tag := CSRF_IN_INPUT.search(page)) and (value := VALUE.search(tag.group(0))):
            return value.group(1)
        raise BenchError("no CSRF token on the page")

    def sign_in(self, username: str, password: str) -> None:
        status, headers, body = self.request("GET", "/login", headers=self._browser_headers())
        if status != 200:
            raise BenchError(f"GET /login answered {status}")
        self._keep_cookies(headers)
        form = urlencode({"username": username, "password": password,
                          "csrf_token": self._csrf_token(body.decode())})
        status, headers, body = self.request("POST", "/login", body=form, headers={
            **self._browser_headers(), "Content-Type": "application/x-www-form-urlencoded"})
        if status == 429:
            raise BenchError("sign-in was rate limited (429): too many sign-ins from this address")
        if status not in (302, 303):
            raise BenchError(f"POST /login answered {status}, not a redirect: sign-in failed")
        self._keep_cookies(headers)
        # The signed-in home page: proves the session works and gives the CSRF token for POSTs
        # (signing in clears the session, so the login page's token no longer holds).
        status, headers, body = self.request("GET", "/", headers=self._browser_headers())
        if status != 200:
            raise BenchError(f"GET / after signing in answered {status}")
        self._keep_cookies(headers)
        self.csrf = self._csrf_token(body.decode())

    def share_session(self, other: "Worker") -> None:
        self.cookies, self.csrf = dict(other.cookies), other.csrf

    # -- load ---------------------------------------------------------------------------------------

    def headers_for(self, endpoint: dict, token: str) -> dict:
        headers = {"User-Agent": USER_AGENT}
        if endpoint["auth"] == "token":
            headers["Authorization"] = f"Bearer {token}"
        elif endpoint["auth"] == "session":
            headers = self._browser_headers()
            headers["X-CSRFToken"] = self.csrf
        headers.update(endpoint.get("headers") or {})
        return headers

    def loop(self, endpoint: dict, headers: dict, start_gate: threading.Barrier, until: list,
             out: dict) -> None:
        """Send requests back to back until until[0]; latencies and errors go into out."""
        method, expect, name = endpoint["method"], endpoint["expect"], endpoint["name"]
        given = endpoint_variants(endpoint)
        variants = [(v["path"], v["body"].encode() if v["body"] is not None else None) for v in given]
        count = len(variants)
        which = [] if any(v["label"] for v in given) else None  # per-variant figures wanted
        index = self.position.get(name, 0) % count
        latencies, errors = [], {}
        start_gate.wait()
        deadline = until[0]
        clock = time.perf_counter
        while True:
            began = clock()
            if began >= deadline:
                break
            path, body = variants[index]
            try:
                status = self.request(method, path, body=body, headers=headers)[0]
                problem = None if status == expect else f"HTTP {status}"
            except Exception as error:  # any failure to get an answer counts as an error
                problem = type(error).__name__
            latencies.append(clock() - began)
            if which is not None:
                which.append(index)
            if problem:
                errors[problem] = errors.get(problem, 0) + 1
            index = index + 1 if index + 1 < count else 0
        self.position[name] = index
        out["latencies"], out["errors"], out["finished"] = latencies, errors, clock()
        out["which"] = which


def endpoint_variants(endpoint: dict) -> list[dict]:
    """The requests an endpoint rotates over (one, its path and body, if the job gave none)."""
    return endpoint.get("variants") or [{"path": endpoint["path"], "body": endpoint.get("body"), "label": None}]


# -- the server's CPU time, from /proc (Linux): what one request costs, whatever else is running --

def _cpu_seconds(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            data = file.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(server: dict | None) -> dict | None:
    """CPU seconds so far of gunicorn's processes (master, workers and the PDF renderer that gunicorn.conf.py
    starts, whose jobs' CPU is not in it: none of the endpoints prints) and, on PostgreSQL, of the backends serving
    the bench's database: {"app": {pid: s}, "db": {pid: s}}."""
    if not server or not os.path.isdir("/proc"):
        return None
    app, db = {}, {}
    master = int(server["pid"])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if (stat := _cpu_seconds(pid)) is None:
            continue
        if pid == master or stat[0] == master:
            app[pid] = stat[1]
        elif server.get("database"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    title = file.read().replace(b"\0", b" ").decode(errors="replace").split()
            except OSError:
                continue
            # a backend's title: "postgres: [CLUSTER:] USER DATABASE HOST(PORT) STATE"
            if title[:1] == ["postgres:"] and server["database"] in title[1:5]:
                db[pid] = stat[1]
    return {"app": app, "db": db}


def cpu_used(before: dict | None, after: dict | None) -> dict | None:
    """CPU seconds spent between two server_cpu() samples, per side (processes started in between
    count in full; ones that ended in between are lost)."""
    if before is None or after is None:
        return None
    return {side: sum(s - before[side].get(pid, 0.0) for pid, s in after[side].items())
            for side in ("app", "db")}


def run_phase(workers, endpoint, token, seconds, server=None) -> dict:
    """All workers hammer one endpoint for `seconds`; returns the merged raw figures."""
    outs = [{} for _ in workers]
    count = len(endpoint_variants(endpoint))
    for i, worker in enumerate(workers):  # spread the workers over the rotation, once
        worker.position.setdefault(endpoint["name"], i * count // len(workers))
    gate = threading.Barrier(len(workers) + 1)
    until = [0.0]
    threads = [threading.Thread(target=w.loop, args=(endpoint, w.headers_for(endpoint, token),
                                                    gate, until, out), daemon=True)
               for w, out in zip(workers, outs)]
    for thread in threads:
        thread.start()
    opened_before = sum(w.opened for w in workers)
    server_before = server_cpu(server)
    cpu_before = time.process_time()
    started = time.perf_counter()
    until[0] = started + seconds
    gate.wait()
    for thread in threads:
        thread.join()
    finished = max(out["finished"] for out in outs)
    server_used = cpu_used(server_before, server_cpu(server))
    latencies = sorted(x for out in outs for x in out["latencies"])
    by_variant = None
    if all(out["which"] is not None for out in outs):
        by_variant = {}
        for out in outs:
            for latency, index in zip(out["latencies"], out["which"]):
                by_variant.setdefault(index, []).append(latency)
    errors: dict[str, int] = {}
    for out in outs:
        for kind, count in out["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
    return {"latencies": latencies, "errors": errors, "elapsed": finished - started,
            "connections_opened": sum(w.opened for w in workers) - opened_before,
            "loadgen_cpu_s": time.process_time() - cpu_before, "by_variant": by_variant,
            "server_cpu_s": server_used}


def percentile(ordered: list, q: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarise(endpoint: dict, raw: dict, seconds: float, concurrency: int) -> dict:
    lat = raw["latencies"]
    ms = lambda value: None if value is None else round(value * 1000, 2)  # noqa: E731
    variants = endpoint_variants(endpoint)
    breakdown = None
    if raw.get("by_variant") is not None:
        breakdown = []
        for index, variant in enumerate(variants):
            times = sorted(raw["by_variant"].get(index, []))
            breakdown.append({"label": variant["label"], "requests": len(times),
                              "p50_ms": ms(percentile(times, 50)), "p95_ms": ms(percentile(times, 95)),
                              "p99_ms": ms(percentile(times, 99)), "max_ms": ms(times[-1] if times else None)})
    return {
        "name": endpoint["name"], "method": endpoint["method"], "path": endpoint.get("label") or endpoint["path"],
        "auth": endpoint["auth"], "seconds": seconds, "concurrency": concurrency,
        "elapsed_s": round(raw["elapsed"], 3),
        "requests": len(lat),
        "errors": sum(raw["errors"].values()), "error_kinds": raw["errors"],
        "rps": round(len(lat) / raw["elapsed"], 1) if raw["elapsed"] > 0 else 0.0,
        "p50_ms": ms(percentile(lat, 50)), "p95_ms": ms(percentile(lat, 95)),
        "p99_ms": ms(percentile(lat, 99)), "max_ms": ms(lat[-1] if lat else None),
        "mean_ms": ms(sum(lat) / len(lat) if lat else None),
        "connections_opened": raw["connections_opened"],
        # CPU the load generator itself used: on a small machine it competes with gunicorn
        "loadgen_cpu_s": round(raw["loadgen_cpu_s"], 2),
        "variants": len(variants), "by_variant": breakdown,
        # CPU the server spent per request (gunicorn workers; PostgreSQL backends separately),
        # from /proc: unlike latency, barely moved by other jobs on the machine
        "app_cpu_ms": per_request(raw, "app"), "db_cpu_ms": per_request(raw, "db"),
    }


def per_request(raw: dict, side: str) -> float | None:
    used = raw.get("server_cpu_s")
    if not used or not raw["latencies"] or (side == "db" and not used["db"]):
        return None
    return round(used[side] * 1000 / len(raw["latencies"]), 2)


def main() -> int:
    job = json.load(sys.stdin)
    concurrency = int(job["concurrency"])
    workers = [Worker(job["host"], int(job["port"])) for _ in range(concurrency)]

    if any(e["auth"] == "session" for e in job["endpoints"]):
        signers = workers[:MAX_SIGN_INS]
        log(f"signing in {len(signers)} session(s) as {job['username']} through the login form")
        failures = []

        def sign_in(worker):
            try:
                worker.sign_in(job["username"], job["password"])
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=sign_in, args=(w,)) for w in signers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            log(f"sign-in failed: {failures[0]}")
            return 2
        for i, worker in enumerate(workers[MAX_SIGN_INS:], start=MAX_SIGN_INS):
            worker.share_session(signers[i % len(signers)])

    results = []
    for endpoint in job["endpoints"]:
        path = endpoint.get("label") or endpoint["path"]
        label = f"{endpoint['name']} ({endpoint['method']} {path}, auth={endpoint['auth']})"
        if job["warmup"] > 0:
            log(f"  {label}: warm-up {job['warmup']:g} s")
            run_phase(workers, endpoint, job["token"], float(job["warmup"]), job.get("server"))
        log(f"  {label}: measuring {job['seconds']:g} s at concurrency {concurrency}")
        raw = run_phase(workers, endpoint, job["token"], float(job["seconds"]), job.get("server"))
        results.append(summarise(endpoint, raw, float(job["seconds"]), concurrency))
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
