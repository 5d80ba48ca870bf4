"""Orders without signal: the screen that takes them from what the phone keeps, that data, and where they arrive.

The screen (static/js/offline_orders.js) draws itself from IndexedDB, so the service worker can keep this one page
and it opens with no connection. Orders go to the outbox (static/js/outbox.js) and reach `offline_sync` once each.
"""
import json

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app import idempotency
from app.auth.roles import SALES_WRITERS, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.sales import offline, scope, services
from app.sales.models import SalesOrder
from app.sales.routes import bp
from app.web import render


@bp.route("/orders/offline")
@allow(SALES_WRITERS)
def offline_order():
    """The order screen that works with no connection: customers, products and prices come from the phone."""
    return render("sales/offline/order.html")


@bp.route("/orders/offline/data")
@allow(SALES_WRITERS)
def offline_data():
    """What the phone keeps to take orders offline: own customers, products, their prices, available stock."""
    response = jsonify(offline.snapshot(g.user))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/orders/offline/sync", methods=["POST"])
@allow(SALES_WRITERS)
def offline_sync():
    """One order taken offline, as JSON: 201 its draft (confirmed if asked and allowed; a refusal says why and
    keeps the draft), 200 the same order sent again, 422 bad input (nothing written), 404 a customer not in scope."""
    try:
        given = offline.read(request.get_json(silent=True))
    except BusinessRuleError as error:
        return _refused(error)
    if (record := idempotency.previous(g.user.id, given.client_key)) is not None:
        return _replay(record)  # within 24 h: the first answer again, refusal and all
    if (order := offline.arrived(given.client_key)) is not None:
        return _sent_before(order)
    try:
        order = offline.create(g.user, given)
        # The draft is committed before confirming: a refused confirmation must not take the order with it.
        db.session.commit()
    except BusinessRuleError as error:
        db.session.rollback()
        return _refused(error)
    except IntegrityError:  # its twin, sent at the same moment, arrived first
        db.session.rollback()
        return _sent_before(offline.arrived(given.client_key))
    refusal = None
    if given.confirm:
        try:
            services.confirm_order(g.user, order)
        except BusinessRuleError as error:
            db.session.rollback()  # nothing of the confirmation stays; the draft does
            refusal = str(error.message)
    return _answer(given.client_key, offline.answer(order, created=True, refusal=refusal), 201)


def _answer(key: str, body: dict, status: int):
    body["url"] = url_for("sales.show", order_id=body["id"])
    response = jsonify(body)
    response.status_code = status
    if twin := idempotency.commit_once(g.user.id, key, "", status, response.get_data(as_text=True),
                                       response.content_type):
        return _replay(twin)  # sent twice at once: the twin answered first
    return response


def _replay(record):
    """The first answer, said again: the same order and the same refusal, marked as not made now."""
    body = json.loads(record.body)
    body["created"] = False
    return jsonify(body), 200


def _sent_before(order: SalesOrder | None):
    """The order this key made before: the same order again (200), never a second one. Another user's key: 422."""
    if order is None or scope.get(scope.orders(g.user), SalesOrder, order.id) is None:
        return _refused(BusinessRuleError(_("This order key was used for another order."), "client_key",
                                          problem="idempotency-key-reused"))
    body = offline.answer(order, created=False)
    body["url"] = url_for("sales.show", order_id=order.id)
    return jsonify(body), 200


def _refused(error: BusinessRuleError):
    """Refused as JSON whose "message" the outbox shows; nothing is written."""
    db.session.rollback()
    response = jsonify({"type": error.problem, "title": str(error.message), "status": error.status,
                        "message": str(error.message), "errors": error.errors})
    response.status_code = error.status
    return response
