"""gunicorn serving the test database, for the tests of what only real processes show (races between workers, the
PDF renderer beside them)."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database: str, instance: Path, workers: int):
    """A master and its workers on a free port, started as docs/deploy.md starts them (gunicorn.conf.py: the app
    loaded once, then forked); yields (its base URL, the master's process) once it answers /healthz."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "k" * 40, "JXC_INSTANCE": str(instance)}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--no-control-socket", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine imports the app slowly in every process
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.1)
        yield url, process
    finally:
        # Killed outright, master, workers and the PDF renderer (all in one process group): the test has read what it
        # needed, and even gunicorn's quick shutdown (SIGQUIT) took 8-16 s on a loaded CI machine while each worker
        # tore its interpreter down.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
