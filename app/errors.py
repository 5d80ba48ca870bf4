"""Business rule errors and the error responses for pages, fragments and the API."""
from flask import flash, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import db, htmx
from app.web import render

# problem type -> HTTP status, as shared/API.md fixes them
PROBLEM_STATUS = {
    "bad-request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not-found": 404,
    "method-not-allowed": 405,
    "payload-too-large": 413,
    "insufficient-stock": 409,
    "credit-limit-exceeded": 409,
    "invalid-state": 409,
    "duplicate": 409,
    "validation-error": 422,
    "idempotency-key-reused": 422,
    "rate-limited": 429,
    "server-error": 500,
}


class BusinessRuleError(Exception):
    """A rule refused an action. `field` names the input at fault, if one is."""

    problem = "validation-error"

    def __init__(self, message, field: str | None = None, problem: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if problem:
            self.problem = problem

    @property
    def status(self) -> int:
        return PROBLEM_STATUS[self.problem]

    @property
    def errors(self) -> dict | None:
        return {self.field: [str(self.message)]} if self.field else None


class Duplicate(BusinessRuleError):
    problem = "duplicate"


class InvalidState(BusinessRuleError):
    problem = "invalid-state"


def problem(status: int, type_: str, title: str, detail: str = "", errors: dict | None = None,
            headers: dict | None = None):
    """An application/problem+json response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.update(headers or {})
    return response


def is_api_request() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


HTTP_PROBLEM = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
                405: "method-not-allowed", 413: "payload-too-large", 429: "rate-limited"}


def http_error_titles():
    """Titles shown to people, in their language."""
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing was saved."),
    }


def register_error_handlers(app):

    @app.errorhandler(BusinessRuleError)
    def business_rule(error):
        db.session.rollback()
        if is_api_request():
            return problem(error.status, error.problem, str(error.message), str(error.message), error.errors)
        if htmx:
            flash(str(error.message), "error")
            return render("errors/error.html", "_flash.html", status=error.status,
                          title=str(error.message), status_code=error.status)
        return render("errors/error.html", status=error.status, title=str(error.message),
                      status_code=error.status)

    @app.errorhandler(IntegrityError)
    def integrity_error(error):
        # A unique value taken by a concurrent request between our check and our write.
        db.session.rollback()
        return business_rule(Duplicate(_("This conflicts with a record saved a moment ago. Please check and try again.")))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = _("This form has expired. Please try again.")
        if htmx:
            flash(title, "error")
            return render("errors/error.html", "_flash.html", status=400, title=title, status_code=400)
        return render("errors/error.html", status=400, title=title, status_code=400)

    @app.errorhandler(HTTPException)
    def http_error(error):
        code = error.code or 500
        title = http_error_titles().get(code, error.name)
        if is_api_request():
            return problem(code, HTTP_PROBLEM.get(code, "bad-request"), title,
                           error.description or "", headers=dict(error.get_headers()[1:]))
        if error.response is not None:
            return error.response
        return render("errors/error.html", status=code, title=title, status_code=code)

    @app.errorhandler(Exception)
    def server_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        title = http_error_titles()[500]
        if is_api_request():
            return problem(500, "server-error", title)
        return render("errors/error.html", status=500, title=title, status_code=500)
