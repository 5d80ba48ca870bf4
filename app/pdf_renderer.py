"""HTML to PDF (WeasyPrint), and the one process that does it for all of gunicorn's workers (issue 19).

WeasyPrint costs a process about 50 MB once it has printed a Chinese document (39 MB imported, 14 MB for the
loaded CJK font), more than the rest of a worker's requests together. Under gunicorn, the master binds a Unix
socket in the instance folder (mode 0600) and starts this file with it, `python -P app/pdf_renderer.py PATH FD`: a
lean interpreter that imports nothing of the app (`-P`: not even the modules beside it), so it holds no database
connection and no app state. It imports WeasyPrint and prints a small Chinese document once (jobs sent meanwhile
wait in the socket's backlog), then forks a child from that warm parent for each job: the child renders, answers
and exits. Jobs run in parallel, and whatever a document allocates dies with its child, so the parent never grows.

A job is the HTML (UTF-8); the answer is b"P" and the PDF, or b"E" and why not; each after a 4-byte length.
Without a renderer (tests, `flask run`, CLI commands, tasks) app.documents calls html_to_pdf in its own process.
"""
import gc
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

SOCKET_ENV = "JXC_PDF_RENDERER"  # the socket's path, set by gunicorn's master for its workers
TIME_LIMIT_ENV = "JXC_PDF_TIME_LIMIT"
# Seconds a job may take. The largest documents we print take about 4 s on one core (500 labels, labels.MAX_LABELS),
# 2.6 s (a report's 500 rows, inventory_routes.PRINT_ROWS) and 0.8 s (a 100-line invoice), so 20 s leaves them room
# on a busy machine, and is still below gunicorn's worker timeout (30 s by default): a sync worker waiting longer
# would be killed before it could show the error page.
DEFAULT_TIME_LIMIT = 20.0
GRACE = 5.0  # then the kernel ends a child that could not even answer (a C call that never returns)
ORPHAN_CHECK = 2.0  # s between checks that gunicorn's master still lives (else the socket would be held forever)
PDF, ERROR = b"P", b"E"
_LENGTH = struct.Struct("!I")
# What warms the parent: the CJK font that templates/documents/base.html names, regular and bold, at each size our
# documents use (Pango loads a font per size; each one loaded here is one that no child loads again: 30-50 ms of a
# 20-line invoice).
WARM_UP = ('<html lang="zh-CN"><style>html { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif }'
           '</style>' + "".join(f'<p style="font-size: {size}pt">进销存 <b>苹果手机壳</b> JXC-0123456789 ¥25.80</p>'
                                for size in (7, 7.5, 8, 8.5, 9, 10, 11, 12, 13, 14, 16)) + '</html>')

_local = threading.local()


class Unavailable(Exception):
    """The renderer could not be reached, or went away before answering: the document is rendered in process."""


class RenderFailed(RuntimeError):
    """The renderer could not make this document: WeasyPrint's own error, or the time limit."""


def html_to_pdf(html: str) -> bytes:
    """The rule for every document, wherever it is rendered: images and stylesheets only as data: URIs, so a
    document never reads files or the network. WeasyPrint is imported on the first document, not at start: a
    process that prints nothing never needs its 40 MB and most of a second."""
    if not hasattr(_local, "tools"):
        # Kept per thread: the font map keeps the loaded CJK font and its caches between documents (a fresh one
        # cost 10-15 ms a document), but neither it nor the fetcher may be shared across threads.
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher
        _local.tools = HTML, FontConfiguration(), URLFetcher(allowed_protocols=("data",))
    document, font_config, fetcher = _local.tools
    return document(string=html, url_fetcher=fetcher).write_pdf(font_config=font_config)


def time_limit() -> float:
    return float(os.environ.get(TIME_LIMIT_ENV) or DEFAULT_TIME_LIMIT)


# -- the protocol --------------------------------------------------------------------------------------------------

def _receive(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError(f"closed with {left} of {size} bytes unread")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive_sized(connection: socket.socket) -> bytes:
    return _receive(connection, _LENGTH.unpack(_receive(connection, _LENGTH.size))[0])


def _sized(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


def request_pdf(path: str, html: str) -> bytes:
    """The PDF of `html` from the renderer listening at `path`.

    Unavailable when it cannot be reached or closes without answering (the caller renders in process);
    RenderFailed when it answered that the document could not be made."""
    limit = time_limit()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            # By then the child has answered or was ended (GRACE): only a renderer taking no more jobs is waited for.
            connection.settimeout(limit + 2 * GRACE)
            connection.connect(path)
            connection.sendall(_sized(html.encode()))
            status = _receive(connection, 1)
            payload = _receive_sized(connection)
    except OSError as error:  # no socket, refused, reset, closed early, timed out
        raise Unavailable(f"{type(error).__name__}: {error}") from None
    if status == ERROR:
        raise RenderFailed(payload.decode(errors="replace"))
    return payload


# -- the renderer process ------------------------------------------------------------------------------------------

def start(path: Path) -> subprocess.Popen:
    """The renderer for `path`: the socket is bound and listening here, before this returns, so no job sent from
    now on is refused; jobs wait in its backlog while the renderer starts and warms up."""
    listener = _listen(path)
    with listener:
        return subprocess.Popen([sys.executable, "-P", __file__, str(path), str(listener.fileno())],
                                stdin=subprocess.DEVNULL, pass_fds=(listener.fileno(),))


def stop(process: subprocess.Popen) -> None:
    """End the renderer; the jobs it started still answer."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _listen(path: Path) -> socket.socket:
    """A socket listening at `path`, mode 0600 from its creation."""
    path.unlink(missing_ok=True)  # left by a renderer that did not end cleanly
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(mask)
    listener.listen(64)
    return listener


def _reap(_signum, _frame) -> None:
    """Collect ended children (their CPU time then counts in this process's cutime and cstime)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


class _Answer:
    """A child's one answer: the PDF, or why not, whichever of the render and the time limit comes first."""

    def __init__(self, connection: socket.socket):
        self.connection, self.lock = connection, threading.Lock()

    def send(self, status: bytes, payload: bytes) -> None:
        """Send and end the process; a second caller waits for the first one to end it."""
        self.lock.acquire()
        try:
            self.connection.sendall(status + _sized(payload))
        except OSError:  # the worker went away
            os._exit(1)
        os._exit(0)


def _job(connection: socket.socket, limit: float) -> None:
    """In a child forked for one job: read it, answer, exit. Never returns."""
    try:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        gc.disable()  # a collection would walk (and so copy) every page shared with the parent; the exit frees all
        signal.setitimer(signal.ITIMER_REAL, limit + GRACE)  # SIGALRM's default action ends a child stuck in C
        answer = _Answer(connection)
        # A thread, not SIGALRM: a signal handler waits for the main thread to come back from C code (Pango's).
        watchdog = threading.Timer(limit, answer.send,
                                   (ERROR, f"the document took longer than {limit:g} s to render".encode()))
        watchdog.daemon = True
        watchdog.start()
        try:
            pdf = html_to_pdf(_receive_sized(connection).decode())
        except Exception as error:  # the document's own fault: WeasyPrint's error, as in process
            print("pdf renderer: a document failed", file=sys.stderr)
            traceback.print_exc()
            answer.send(ERROR, f"{type(error).__name__}: {error}".encode())
        answer.send(PDF, pdf)
    finally:
        os._exit(1)


def serve(listener: socket.socket, path: Path, limit: float) -> None:
    """Warm up, then fork a child for each job `listener` takes, until terminated or orphaned."""
    own = os.stat(path).st_ino
    master = os.getppid()
    try:
        started = time.perf_counter()
        html_to_pdf(WARM_UP)
        gc.freeze()  # what the warm-up made is never walked by a collection again
        print(f"pdf renderer: at {path}, warm in {time.perf_counter() - started:.1f} s", file=sys.stderr,
              flush=True)
        signal.signal(signal.SIGCHLD, _reap)
        while os.getppid() == master:
            if not select.select([listener], [], [], ORPHAN_CHECK)[0]:
                continue
            try:
                connection, _address = listener.accept()
            except OSError:
                continue
            try:
                if os.fork() == 0:
                    listener.close()
                    _job(connection, limit)
            except OSError as error:  # no fork (memory, process limit): the worker renders in process instead
                print(f"pdf renderer: could not fork: {error}", file=sys.stderr, flush=True)
            connection.close()
    finally:
        listener.close()
        try:
            if os.stat(path).st_ino == own:  # not a newer renderer's (gunicorn's USR2 upgrade starts one)
                path.unlink()
        except FileNotFoundError:
            pass


def main(argv: list[str]) -> int:
    """`python -P app/pdf_renderer.py SOCKET_PATH FD`: FD is the socket listening there (start() passes it)."""
    if len(argv) != 3:
        print(f"usage: python -P {argv[0]} SOCKET_PATH FD", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    try:
        serve(socket.socket(fileno=int(argv[2])), Path(argv[1]), time_limit())
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group, gunicorn's master and this one
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
