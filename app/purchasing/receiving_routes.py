"""Receiving screens (入库): the orders waiting for goods, and receiving one by scanning at the warehouse door.

No price reaches these screens, whoever looks: the warehouse counts goods, and every receiver sees the same page.
A scan carries its UUID as its form key (static/js/scanner.js sends it), so a replayed scan counts once.
"""
from typing import NamedTuple

from flask import abort, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.auth.roles import RECEIVERS, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import created, form_write, new_key, refuse
from app.partners.models import Supplier
from app.purchasing import scanning
from app.purchasing.forms import KeyForm
from app.purchasing.models import ZERO, PurchaseOrder, PurchaseOrderLine, PurchaseStatus
from app.purchasing.routes import bp
from app.search import narrow
from app.web import render, wants_fragment

LIMIT = 50
WAITING = (PurchaseStatus.CONFIRMED, PurchaseStatus.PARTIALLY_RECEIVED)


class Row(NamedTuple):
    """One order line as the receiver sees it: counted now on their open receipt, and what is still left."""
    line: PurchaseOrderLine
    counted: object
    counted_id: int | None
    left: object


@bp.context_processor
def _receiving_helpers():
    return {"new_key": new_key}


def _waiting(text: str) -> list:
    """Orders waiting for goods, the latest expected first, narrowed by PO number or supplier (name, pinyin)."""
    left = (select(func.count(PurchaseOrderLine.id))
            .where(PurchaseOrderLine.order_id == PurchaseOrder.id,
                   PurchaseOrderLine.qty > PurchaseOrderLine.received_qty)
            .correlate(PurchaseOrder).scalar_subquery())
    query = (select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.status, PurchaseOrder.expected_on,
                    Supplier.name.label("supplier_name"), left.label("lines_left"))
             .join(Supplier, Supplier.id == PurchaseOrder.supplier_id).where(PurchaseOrder.status.in_(WAITING)))
    if text:
        by_supplier = narrow(select(Supplier.id), Supplier.search_text, text)
        query = query.where(or_(PurchaseOrder.number.icontains(text, autoescape=True),
                                PurchaseOrder.supplier_id.in_(by_supplier)))
    order = (PurchaseOrder.expected_on.is_(None), PurchaseOrder.expected_on.desc(), PurchaseOrder.id.desc())
    return db.session.execute(query.order_by(*order).limit(LIMIT)).all()


@bp.route("/receiving")
@allow(RECEIVERS)
def receiving():
    """Orders waiting for goods as big cards; a scanned or typed PO number opens that order at once."""
    text = request.args.get("q", "").strip()[:100]
    orders = _waiting(text)
    if text and len(orders) == 1 and orders[0].number.lower() == text.lower():
        location = url_for("purchasing.receive", order_id=orders[0].id)
        if wants_fragment():  # search as you type: leave the list for the order itself
            return "", 200, {"HX-Redirect": location}
        return redirect(location, 303)
    return render("purchasing/receiving/index.html", "purchasing/receiving/_orders.html", orders=orders, text=text)


def _order(order_id) -> PurchaseOrder:
    return db.session.get(PurchaseOrder, order_id) or abort(404)


def _rows(order: PurchaseOrder) -> list[Row]:
    receipt = scanning.open_receipt(g.user, order)
    counted = {rl.order_line_id: rl for rl in receipt.lines} if receipt else {}
    rows = []
    for line in order.lines:
        mine = counted.get(line.id)
        qty = mine.qty if mine else ZERO
        rows.append(Row(line, qty, mine.id if mine else None, max(line.to_receive - qty, ZERO)))
    return rows


def _show(order_id, status: int = 200, refusal: str | None = None):
    order = _order(order_id)
    rows = _rows(order)
    response = render("purchasing/receiving/receive.html", "purchasing/receiving/_receipt.html", status=status,
                      order=order, rows=rows, refusal=refusal, counted_any=any(row.counted for row in rows),
                      posted=[r for r in order.receipts if r.posted_at is not None])
    if status != 200:
        response.headers["HX-Push-Url"] = "false"  # the page is the order's, not the refused POST's URL
    return response


@bp.route("/purchase-orders/<int:order_id>/receive")
@allow(RECEIVERS)
def receive(order_id):
    """Receive an order by scanning: what was ordered, received, counted now and left; the lines alone for htmx."""
    return _show(order_id)


def _count(order_id: int, change):
    """Apply a count change (once a key: form_write); a refusal counts nothing and says why (422)."""
    try:
        change()
    except BusinessRuleError as error:
        refuse(KeyForm(), error)
        return _show(order_id, status=422, refusal=str(error.message))
    return _changed(order_id)


def _changed(order_id: int, **_line):
    """After a count (or a scan's key seen before): the lines for htmx, else back to the page (Post/Redirect/Get)."""
    if wants_fragment():
        return _show(order_id)
    return redirect(url_for("purchasing.receive", order_id=order_id), 303)


@bp.route("/purchase-orders/<int:order_id>/receive/scan", methods=["POST"])
@allow(RECEIVERS)
@form_write(replay=_changed)
def receive_scan(order_id):
    """Count one scan (one unit, or one pack) under its UUID; answers with the lines, or the refusal (422)."""
    order = _order(order_id)
    code = request.form.get("code", "").strip()[:100]
    return _count(order_id, lambda: scanning.scan(g.user, order, code))


@bp.route("/purchase-orders/<int:order_id>/receive/lines/<int:line_id>/undo", methods=["POST"])
@allow(RECEIVERS)
@form_write(replay=_changed)
def receive_undo(order_id, line_id):
    """One less on a counted line (a scan taken back); the form's key makes a double tap take back one."""
    order = _order(order_id)

    def undo():
        receipt = scanning.open_receipt(g.user, order)
        counted = next((rl for rl in receipt.lines if rl.id == line_id), None) if receipt else None
        if counted is not None:  # already gone (another tab): nothing to take back
            scanning.set_counted(g.user, receipt, line_id, max(counted.qty - 1, ZERO))
    return _count(order_id, undo)


def _post(order: PurchaseOrder):
    receipt = scanning.open_receipt(g.user, order)
    if receipt is None:
        raise BusinessRuleError(_("Scan at least one item."), "lines")
    return scanning.post_receipt(g.user, receipt)


@bp.route("/purchase-orders/<int:order_id>/receive/post", methods=["POST"])
@allow(RECEIVERS)
@form_write
def receive_post(order_id):
    """Post what was counted: the receipt gets its number, the stock comes in, the page shows the order's new state."""
    order, form = _order(order_id), KeyForm()
    done = created(form, lambda: _post(order), lambda receipt: (
        url_for("purchasing.receive", order_id=order_id),
        _("Receipt %(number)s is posted: the goods are in stock.", number=receipt.number)))
    return done or _show(order_id, status=422, refusal=" ".join(str(e) for e in form.form_errors))
