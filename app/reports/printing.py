"""Reports as PDF: a template extending reports/print_base.html, rendered through app.documents (WeasyPrint)."""
from flask import Response

from app.db_types import utcnow
from app.documents import pdf_response, render_pdf


def report_pdf(filename: str, template: str, **context) -> Response:
    """The report printed on A4 with the company header; the template gets `printed_at` besides `context`.

    Context the base reads: title (the report's name), period (a Period, optional), filters (a list of
    "label: value" texts describing the other filters, optional).
    """
    if not filename.endswith(".pdf"):
        filename += ".pdf"
    return pdf_response(render_pdf(template, printed_at=utcnow(), **context), filename)
