"""Printable documents (labels, sales and purchasing papers): templates rendered to PDF by WeasyPrint.

Templates extend documents/base.html and get the company settings, its logo and its seal. Images reach
WeasyPrint only as data: URIs (PNG), so a document never reads files or the network. Sales documents follow the
paper the owner chose (`continuous_paper`): A4, or 241 mm three-part continuous paper for dot-matrix printers.
The HTML is rendered here; under gunicorn the shared renderer (app/pdf_renderer.py) makes the PDF of it, so a
worker never loads WeasyPrint; elsewhere, or when the renderer cannot be reached, this process does.
"""
import base64
import gc
import os
import threading
from contextlib import contextmanager
from functools import lru_cache

from flask import Response, current_app, render_template

from app import pdf_renderer
from app.settings.models import PAPER_CONTINUOUS
from app.settings.services import company

_gc_lock = threading.Lock()
_gc = {"renders": 0, "was_enabled": True}  # renders running in all threads; the collector is off while any is
_warned = threading.Event()  # that the renderer could not be reached, once a process


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@lru_cache(maxsize=4)
def _logo_uri(png: bytes) -> str:
    return png_data_uri(png)


@contextmanager
def collector_paused():
    """WeasyPrint makes hundreds of thousands of short-lived objects, which set off full collections of
    the whole heap every few documents (+25 % mean CPU on a 20-line invoice, twice the time at worst).
    Paused, the render's garbage is then freed by one young-generation pass over its own objects. Reports
    that build tens of thousands of per-product rows pause it too (150-200 ms of a 300 ms report otherwise)."""
    with _gc_lock:
        if _gc["renders"] == 0:
            _gc["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc["renders"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc["renders"] -= 1
            if _gc["renders"] == 0 and _gc["was_enabled"]:
                gc.enable()
        gc.collect(0)


def continuous_paper() -> bool:
    """Whether sales documents print on 241 mm continuous three-part paper (三联单) rather than A4."""
    return company().paper_layout == PAPER_CONTINUOUS


def render_pdf(template: str, continuous: bool = False, **context) -> bytes:
    """Any printable document: a template extending documents/base.html, as PDF bytes.

    `continuous`: laid out on 241 x 140 mm half pages of three-part paper, without the logo and the seal (a
    dot-matrix printer prints them as grey smudges, and the copies are stamped by hand)."""
    settings = company()
    logo = _logo_uri(settings.logo_png) if settings.logo_png and not continuous else None
    seal = _logo_uri(settings.seal_png) if settings.seal_png and not continuous else None
    html = render_template(template, company=settings, company_logo=logo, company_seal=seal, continuous=continuous,
                           **context)
    return _pdf(html)


def _pdf(html: str) -> bytes:
    """The shared renderer's PDF of `html` when gunicorn started one (its socket in the environment), else this
    process's. One the renderer refused (the document's error, or its time limit) raises RenderFailed, as
    WeasyPrint's own error would here; a renderer that cannot be reached or goes away is warned of once."""
    if path := os.environ.get(pdf_renderer.SOCKET_ENV):
        try:
            return pdf_renderer.request_pdf(path, html)
        except pdf_renderer.Unavailable as error:
            if not _warned.is_set():
                _warned.set()
                current_app.logger.warning("PDF renderer at %s unavailable (%s): documents are rendered in this "
                                           "worker, which loads WeasyPrint (about 50 MB)", path, error)
    with collector_paused():
        return pdf_renderer.html_to_pdf(html)


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser's viewer (inline), never cached."""
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})
