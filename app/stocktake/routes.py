"""Stocktake screens: the list, opening a count, the counting screen (phone) and the review (tablet).

Scans reach the server from the counting screen's outbox (static/js/stocktake.js over static/js/outbox.js) as JSON,
each with its UUID, so a scan made offline and replayed later, or sent twice, counts once.
"""
from flask import Blueprint, abort, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.auth.roles import PRODUCT_EDITORS, STOCKTAKE_COUNTERS, STOCKTAKE_REVIEWERS, allow, sees_cost
from app.catalog.services import category_choices
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import plain
from app.forms import form_write, new_key, refuse, refused
from app.inventory.queries import active_warehouses
from app.inventory.services import default_warehouse
from app.stocktake import services as stocktakes
from app.stocktake.forms import UNCOUNTED_LABELS, OpenForm, PostForm
from app.stocktake.models import Stocktake, StocktakeStatus
from app.web import render

bp = Blueprint("stocktake", __name__, url_prefix="/stocktakes")



def _stocktake(stocktake_id: int) -> Stocktake:
    return db.session.get(Stocktake, stocktake_id) or abort(404)


def _refused(error: BusinessRuleError):
    """A scan or undo refused, as JSON whose "message" the outbox shows the counter; nothing is written (its
    status rolls the work back)."""
    response = jsonify({"type": error.problem, "title": str(error.message), "status": error.status,
                        "message": str(error.message), "errors": error.errors})
    response.status_code = error.status
    return response


@bp.route("/")
@allow(STOCKTAKE_COUNTERS)
def index():
    """Counts under way first, then the last ones closed."""
    rows = db.session.scalars(select(Stocktake).order_by((Stocktake.status == StocktakeStatus.OPEN).desc(),
                                                         Stocktake.id.desc()).limit(50)).all()
    return render("stocktake/index.html", stocktakes=rows, progress={s.id: stocktakes.progress(s)
                                                                     for s in rows if s.is_open})


@bp.route("/new", methods=["GET", "POST"])
@allow(STOCKTAKE_COUNTERS)
@form_write
def new():
    form = OpenForm()
    form.warehouse_id.choices = [SelectChoice(str(w.id), w.name) for w in active_warehouses()]
    form.category_id.choices = [SelectChoice("", _("Whole warehouse"))] + [SelectChoice(str(i), path)
                                                                          for i, path in category_choices()]
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        warehouse = default_warehouse()
        form.warehouse_id.data = str(warehouse.id) if warehouse else None
    if form.validate_on_submit():
        try:
            stocktake = stocktakes.open_stocktake(g.user, form.warehouse_id.data, form.category_id.data or None,
                                                  form.name.data, form.blind.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Stocktake %(number)s is open: start scanning.", number=stocktake.number), "success")
            return redirect(url_for("stocktake.show", stocktake_id=stocktake.id))
    return render("stocktake/new.html", form=form, status=422 if form.errors or form.form_errors else 200)


@bp.route("/<int:stocktake_id>")
@allow(STOCKTAKE_COUNTERS)
def show(stocktake_id):
    """The counting screen: one scan field that keeps the focus, the camera, this phone's last scans, the totals."""
    stocktake = _stocktake(stocktake_id)
    if not stocktake.is_open and g.user.role in STOCKTAKE_REVIEWERS:
        return redirect(url_for("stocktake.review", stocktake_id=stocktake.id))
    return render("stocktake/count.html", stocktake=stocktake, recent_scans=_recent_scans(stocktake),
                  can_attach=g.user.role in PRODUCT_EDITORS, **_counted(stocktake))


@bp.route("/<int:stocktake_id>/lines")
@allow(STOCKTAKE_COUNTERS)
def lines(stocktake_id):
    """The running totals, every counter together (the counting screen refreshes them)."""
    stocktake = _stocktake(stocktake_id)
    return render("stocktake/_counted.html", "stocktake/_counted.html", stocktake=stocktake, **_counted(stocktake))


def _counted(stocktake: Stocktake) -> dict:
    return {"counted": stocktakes.counted_lines(stocktake), "progress": stocktakes.progress(stocktake),
            "show_expected": not stocktake.blind or g.user.role in STOCKTAKE_REVIEWERS}


def _recent_scans(stocktake: Stocktake) -> list[dict]:
    """This counter's last scans as the counting screen's script lists them (so undo works after a reload)."""
    return [{"id": scan["scan_id"], "code": scan["barcode"], "qty": plain(scan["qty"]), "name": scan["name"],
             "state": "undone" if scan["voided_at"] else "counted"}
            for scan in stocktakes.recent_scans(stocktake, g.user)]


@bp.route("/<int:stocktake_id>/scans", methods=["POST"])
@allow(STOCKTAKE_COUNTERS)
@form_write
def scan(stocktake_id):
    """One scan as JSON {scan_id, barcode, qty?, counted_at?}: 201 counted, 200 seen before, 404 unknown, 409 closed."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _refused(BusinessRuleError(_("Send the scan as JSON.")))
    try:
        result = stocktakes.record_scan(g.user, stocktake_id, data.get("scan_id"), data.get("barcode"),
                                        data.get("qty"), data.get("counted_at"))
    except BusinessRuleError as error:
        return _refused(error)
    stocktake = db.session.get(Stocktake, stocktake_id)
    body = {"scan_id": result.scan_id, "product_id": result.product_id, "name": result.name, "unit": result.unit,
            "qty": plain(result.qty), "counted": plain(result.counted), "created": result.created}
    if not stocktake.blind or g.user.role in STOCKTAKE_REVIEWERS:
        body["expected"] = plain(result.expected)
    response = jsonify(body)
    response.status_code = 201 if result.created else 200
    return response


@bp.route("/<int:stocktake_id>/scans/<scan_id>/undo", methods=["POST"])
@allow(STOCKTAKE_COUNTERS)
@form_write
def undo(stocktake_id, scan_id):
    """Take one of the counter's scans back out (the owner may undo anyone's)."""
    stocktake = _stocktake(stocktake_id)
    try:
        done = stocktakes.undo_scan(g.user, stocktake, scan_id)
    except BusinessRuleError as error:
        return _refused(error)
    return jsonify({"scan_id": done.scan_id, "undone": True})


@bp.route("/<int:stocktake_id>/review")
@allow(STOCKTAKE_REVIEWERS)
def review(stocktake_id):
    """What posting will book per product and in total, for the chosen way with products nobody counted (keep by
    default); filters; recount or post from here."""
    choice = request.args.get("uncounted", stocktakes.UNCOUNTED_KEEP)
    return _review(_stocktake(stocktake_id), request.args.get("show", "all"), choice)


def _review(stocktake: Stocktake, shown: str, uncounted: str, status: int = 200):
    shown = shown if shown in stocktakes.REVIEW_FILTERS else "all"
    uncounted = uncounted if uncounted in stocktakes.UNCOUNTED_CHOICES else stocktakes.UNCOUNTED_KEEP
    rows, counts, booked = stocktakes.review(stocktake, shown, uncounted)
    # formdata=None: re-shown after a refused post, the form carries the new figures, not the ones posted.
    form = PostForm(formdata=None, uncounted=uncounted, booking=booked.digest, idempotency_key=new_key())
    return render("stocktake/review.html", "stocktake/_review.html", status=status, stocktake=stocktake, rows=rows,
                  counts=counts, booking=booked, shown=shown, filters=stocktakes.REVIEW_FILTERS, form=form,
                  choices=UNCOUNTED_LABELS, with_value=sees_cost(g.user))


@bp.route("/<int:stocktake_id>/recount", methods=["POST"])
@allow(STOCKTAKE_REVIEWERS)
@form_write
def recount(stocktake_id):
    stocktake = _stocktake(stocktake_id)
    try:
        cleared = stocktakes.request_recount(g.user, stocktake, request.form.getlist("product_id"))
    except BusinessRuleError as error:
        refused()
        return _back_with(stocktake, str(error.message), "error")
    return _back_with(stocktake, _("%(count)s products will be counted again.", count=cleared), "success",
                      show="recount")


@bp.route("/<int:stocktake_id>/post", methods=["POST"])
@allow(STOCKTAKE_REVIEWERS)
@form_write
def post(stocktake_id):
    """Post the booking the review showed; if it changed meanwhile, nothing is posted and the review shows it anew."""
    stocktake = _stocktake(stocktake_id)
    form = PostForm()
    if not form.validate_on_submit():
        return _back_with(stocktake, _("This form has expired. Please try again."), "error")
    uncounted = form.uncounted.data or stocktakes.UNCOUNTED_KEEP
    try:
        stocktakes.post_stocktake(g.user, stocktake, uncounted, form.booking.data or None)
    except stocktakes.BookingChanged as error:
        refuse(None, error)
        return _review(_stocktake(stocktake_id), "all", uncounted, status=422)
    except BusinessRuleError as error:
        refused()
        return _back_with(stocktake, str(error.message), "error")
    flash(_("Stocktake %(number)s is posted.", number=stocktake.number), "success")
    return redirect(url_for("stocktake.review", stocktake_id=stocktake.id))


@bp.route("/<int:stocktake_id>/cancel", methods=["POST"])
@allow(STOCKTAKE_REVIEWERS)
@form_write
def cancel(stocktake_id):
    stocktake = _stocktake(stocktake_id)
    try:
        stocktakes.cancel_stocktake(g.user, stocktake)
    except BusinessRuleError as error:
        refused()
        return _back_with(stocktake, str(error.message), "error")
    return _back_with(stocktake, _("Stocktake %(number)s is cancelled.", number=stocktake.number), "success")


def _back_with(stocktake: Stocktake, message: str, category: str, **args):
    flash(message, category)
    return redirect(url_for("stocktake.review", stocktake_id=stocktake.id, **args), 303)
