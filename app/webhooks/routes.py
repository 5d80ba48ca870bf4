"""Webhook screens for the owner: the endpoints, a form to add or change one, its delivery log with "send again",
a test event, a new secret, delete."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.roles import Role, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.webhooks import services
from app.webhooks.forms import LABELS, EndpointForm
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.web import render

bp = Blueprint("webhooks", __name__, url_prefix="/settings/webhooks")
LOG_ROWS = 50


def _endpoint(webhook_id) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, webhook_id) or abort(404)


def _secret_page(endpoint: WebhookEndpoint, secret: str):
    """The secret, this once (201 with Location: a double tap lands on the endpoint, not on a second secret)."""
    response = render("webhooks/secret.html", endpoint=endpoint, secret=secret, status=201)
    response.headers["Location"] = url_for("webhooks.show", webhook_id=endpoint.id)
    return response


@bp.route("")
@allow(Role.OWNER)
def index():
    """Every endpoint, with what it listens to and whether it is on."""
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render("webhooks/index.html", endpoints=endpoints, labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def new():
    """Register an endpoint; its secret is shown once, next."""
    form = EndpointForm(idempotency_key=new_key())
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(g.user, **form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            db.session.flush()
            return _secret_page(endpoint, endpoint.secret)
    return render("webhooks/form.html", form=form, endpoint=None, status=422 if request.method == "POST" else 200)


@bp.route("/<int:webhook_id>/edit", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def edit(webhook_id):
    """Change the address, the events, the description, or turn it off."""
    endpoint = _endpoint(webhook_id)
    form = EndpointForm.of(endpoint) if request.method == "GET" else EndpointForm()
    if form.validate_on_submit():
        try:
            services.update_endpoint(g.user, endpoint, form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("webhooks.show", webhook_id=endpoint.id), 303)
    return render("webhooks/form.html", form=form, endpoint=endpoint, status=422 if request.method == "POST" else 200)


@bp.route("/<int:webhook_id>")
@allow(Role.OWNER)
def show(webhook_id):
    """The endpoint and its delivery log, newest first."""
    endpoint = _endpoint(webhook_id)
    rows = db.session.scalars(services.deliveries(endpoint).limit(LOG_ROWS)).all()
    return render("webhooks/show.html", endpoint=endpoint, rows=rows, labels=LABELS, log_rows=LOG_ROWS)


@bp.route("/<int:webhook_id>/test", methods=["POST"])
@allow(Role.OWNER)
@form_write
def test(webhook_id):
    """Send a test event to this endpoint."""
    services.send_test(g.user, _endpoint(webhook_id))
    flash(_("A test event is on its way; its result appears in the log below."), "success")
    return redirect(url_for("webhooks.show", webhook_id=webhook_id), 303)


@bp.route("/<int:webhook_id>/rotate", methods=["POST"])
@allow(Role.OWNER)
@form_write
def rotate(webhook_id):
    """A new secret; the old one stops working at once."""
    endpoint = _endpoint(webhook_id)
    return _secret_page(endpoint, services.rotate_secret(g.user, endpoint))


@bp.route("/<int:webhook_id>/delete", methods=["POST"])
@allow(Role.OWNER)
@form_write
def delete(webhook_id):
    """Delete the endpoint and its log."""
    services.delete_endpoint(g.user, _endpoint(webhook_id))
    flash(_("The endpoint was deleted."), "success")
    return redirect(url_for("webhooks.index"), 303)


@bp.route("/<int:webhook_id>/deliveries/<int:delivery_id>/again", methods=["POST"])
@allow(Role.OWNER)
@form_write
def send_again(webhook_id, delivery_id):
    """Send one delivery's message again (same webhook-id), now."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != webhook_id:
        abort(404)
    services.send_again(g.user, delivery)
    flash(_("Sent again; its result appears at the top of the log."), "success")
    return redirect(url_for("webhooks.show", webhook_id=webhook_id), 303)
