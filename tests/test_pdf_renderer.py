"""The shared PDF renderer (app/pdf_renderer.py): documents printed through it, read back as a customer would; the
worker rendering them itself when the renderer is missing or dies; refused documents failing as they would in
process; the time limit; and gunicorn's workers never loading WeasyPrint."""
import logging
import os
import signal
import stat
import subprocess
import threading
import time
import types
import urllib.request
from pathlib import Path

import pytest

from app import documents, pdf_renderer
from app.extensions import db
from app.lines import QtyInput
from app.sales import fulfilment, printing
from tests import factories
from tests.served import gunicorn
from tests.test_documents import company, invoice, pdf_fonts, pdf_text, render  # noqa: F401 (company: a fixture)

ROOT = Path(__file__).resolve().parent.parent
DEEP = '<html lang="zh-CN">' + "<div>" * 3000 + "太深了"  # WeasyPrint's layout recurses past Python's limit
HEAVY = ('<html lang="zh-CN"><table>' + "<tr><td>苹果手机壳</td><td>¥25.80</td></tr>" * 20000 + "</table>")


def start(tmp_path_factory) -> tuple[Path, subprocess.Popen]:
    path = tmp_path_factory.mktemp("renderer") / "pdf.sock"  # short: a Unix socket's path has at most 107 bytes
    return path, pdf_renderer.start(path)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    path, process = start(tmp_path_factory)
    yield path
    pdf_renderer.stop(process)


def not_here(html):
    pytest.fail("the document was rendered in this process, not by the renderer")


@pytest.fixture
def served(renderer, monkeypatch):
    """The app sends its PDFs to the renderer, and rendering one in this process fails the test."""
    monkeypatch.setenv(pdf_renderer.SOCKET_ENV, str(renderer))
    monkeypatch.setattr(pdf_renderer, "html_to_pdf", not_here)
    monkeypatch.setattr(documents, "_warned", threading.Event())
    return renderer


def test_the_renderer_prints_a_chinese_invoice_for_the_app(app, company, served):
    pdf = render(app, printing.invoice_pdf, invoice([("1", "889.44", "0")]))
    text = pdf_text(pdf)
    assert "深圳果果贸易有限公司" in text and "广州天河数码城李记" in text and "苹果手机壳0号" in text
    assert "壹仟零伍元零柒分" in text and "¥1,005.07" in text
    assert "WenQuanYi" in pdf_fonts(pdf)


def test_only_the_apps_own_user_may_connect(renderer):
    mode = os.stat(renderer).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600


@pytest.mark.parametrize("how", ["no socket", "renderer killed"])
def test_without_a_renderer_the_worker_prints_itself_and_warns_once(app, company, monkeypatch, caplog,
                                                                   tmp_path_factory, how):
    if how == "no socket":
        path = tmp_path_factory.mktemp("none") / "pdf.sock"
    else:
        path, process = start(tmp_path_factory)
        process.kill()
        process.wait()
    monkeypatch.setenv(pdf_renderer.SOCKET_ENV, str(path))
    monkeypatch.setattr(documents, "_warned", threading.Event())
    with caplog.at_level(logging.WARNING):
        first, second = (render(app, printing.invoice_pdf, invoice()) for _ in range(2))
    assert "深圳果果贸易有限公司" in pdf_text(first) and "深圳果果贸易有限公司" in pdf_text(second)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0] and "rendered in this worker" in warnings[0]


def _renderers(parent: int) -> list[int]:
    """The children of `parent` that run app/pdf_renderer.py (not the compiler that WeasyPrint's import runs to find
    its libraries, once exec'd)."""
    found = []
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            if b"pdf_renderer.py" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:  # ended meanwhile
            pass
    return found


def test_a_renderer_dying_mid_job_leaves_the_document_to_the_worker(tmp_path_factory):
    path, process = start(tmp_path_factory)
    pdf_renderer.request_pdf(str(path), "<p>热身</p>")  # answered once warm: its only children are jobs from now on
    deadline = time.monotonic() + 60
    while _renderers(process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # the warm-up's child answers before it exits: it is not the job to kill
    outcome = []

    def send():
        try:
            pdf_renderer.request_pdf(str(path), HEAVY)
        except Exception as error:  # noqa: BLE001 - what the worker would see
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        deadline = time.monotonic() + 60
        while not (jobs := _renderers(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(jobs[0], signal.SIGKILL)
        sender.join(timeout=60)
    finally:
        pdf_renderer.stop(process)
    assert len(outcome) == 1 and isinstance(outcome[0], pdf_renderer.Unavailable)


@pytest.mark.parametrize("served_by", ["worker", "renderer"])
def test_a_document_that_cannot_be_made_fails_the_request_the_same_way(client, login, renderer, monkeypatch, caplog,
                                                                       served_by):
    if served_by == "renderer":
        monkeypatch.setenv(pdf_renderer.SOCKET_ENV, str(renderer))
        monkeypatch.setattr(pdf_renderer, "html_to_pdf", not_here)
    monkeypatch.setattr(documents, "render_template", lambda *args, **context: DEEP)
    login("owner")
    response = client.get("/reports/payables?format=pdf")
    assert response.status_code == 500 and response.mimetype == "text/html"
    failure = next(r.exc_info[1] for r in caplog.records if r.getMessage() == "unhandled error")
    if served_by == "renderer":
        assert isinstance(failure, pdf_renderer.RenderFailed) and "RecursionError" in str(failure)
    else:
        assert isinstance(failure, RecursionError)


def test_a_document_over_the_time_limit_is_refused_not_left_hanging(app, company, monkeypatch, tmp_path_factory):
    monkeypatch.setenv(pdf_renderer.TIME_LIMIT_ENV, "0.2")  # the renderer and the worker read the same setting
    path, process = start(tmp_path_factory)
    monkeypatch.setenv(pdf_renderer.SOCKET_ENV, str(path))
    monkeypatch.setattr(pdf_renderer, "html_to_pdf", not_here)
    monkeypatch.setattr(documents, "render_template", lambda *args, **context: HEAVY)
    try:
        with pytest.raises(pdf_renderer.RenderFailed, match="took longer than 0.2 s"):
            render(app, printing.invoice_pdf, invoice())
    finally:
        pdf_renderer.stop(process)


def test_gunicorns_master_starts_the_renderer_for_its_workers_and_stops_it(app, company, monkeypatch,
                                                                         tmp_path_factory):
    settings = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own file
    import gc
    gc.enable()  # the file turns the collector off until the fork
    instance = tmp_path_factory.mktemp("instance")
    monkeypatch.setattr("app.config.INSTANCE", instance)
    monkeypatch.delenv(pdf_renderer.SOCKET_ENV, raising=False)  # and put back as it was after the test
    monkeypatch.setattr(pdf_renderer, "html_to_pdf", not_here)
    server = types.SimpleNamespace(app=types.SimpleNamespace(wsgi=lambda: app), log=logging.getLogger("gunicorn"))
    settings["on_starting"](server)
    path = instance / "pdf-renderer.sock"
    assert os.environ[pdf_renderer.SOCKET_ENV] == str(path)
    assert "深圳果果贸易有限公司" in pdf_text(render(app, printing.invoice_pdf, invoice()))
    settings["on_exit"](server)
    assert server.pdf_renderer.returncode is not None and not path.exists()


# --- under gunicorn --------------------------------------------------------------------------------------------------

def _maps_pango(pid: int) -> bool:
    """Whether the process has loaded Pango, which WeasyPrint loads on import and nothing else of ours does."""
    return "libpango" in Path(f"/proc/{pid}/maps").read_text()


def test_gunicorns_workers_print_through_the_renderer_without_loading_weasyprint(app, database, tmp_path_factory):
    owner, token = factories.user_with_token(role="owner")
    home = factories.warehouse()
    case = factories.product(name="苹果手机壳")
    factories.stock(case, home, 10)
    order = factories.order(factories.customer(name="华强电子"), [(case, 2)], warehouse=home, confirm=True)
    fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, 2)])
    invoice_id = fulfilment.invoice_order(owner, order).id
    db.session.commit()
    instance = tmp_path_factory.mktemp("instance")
    with gunicorn(database, instance, workers=2) as (url, server):
        request = urllib.request.Request(f"{url}/api/v1/sales-invoices/{invoice_id}/pdf",
                                         headers={"Authorization": f"Bearer {token}"})
        for _ in range(4):  # both workers, most likely
            with urllib.request.urlopen(request, timeout=60) as response:
                text = pdf_text(response.read())
            assert "华强电子" in text and "苹果手机壳" in text
        children = [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        renderers = _renderers(server.pid)
        workers = set(children) - set(renderers)
        assert len(renderers) == 1 and len(workers) == 2
        assert _maps_pango(renderers[0]) and not any(_maps_pango(pid) for pid in workers)
        assert stat.S_IMODE(os.stat(instance / "pdf-renderer.sock").st_mode) == 0o600
