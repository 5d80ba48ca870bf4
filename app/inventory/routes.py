"""Stock screens, warehouses, adjustments and transfers."""
import re
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.auth.roles import EVERYONE, Role, allow, sees_cost
from app.db_types import to_decimal
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.inventory import queries, services
from app.inventory.forms import AdjustmentForm, LineForm, TransferForm, WarehouseForm, read_lines
from app.inventory.models import AdjustmentKind, MoveKind, Warehouse
from app.limits import optional_date
from app.paging import page_number
from app.web import render

bp = Blueprint("inventory", __name__)

PER_PAGE = 30
WRITERS = (Role.OWNER, Role.WAREHOUSE)
READERS = (Role.OWNER, Role.WAREHOUSE, Role.PURCHASING, Role.FINANCE)
DOCUMENTS = {"adjustment": ("inventory.adjustment", "adjustment_id"), "transfer": ("inventory.transfer", "transfer_id")}


def _date(name) -> date | None:
    return optional_date(request.args.get(name))


@bp.route("/stock")
@allow(EVERYONE)
def index():
    """Stock per product, in one warehouse or all, with low/over-stock flags; values for cost roles."""
    filters = queries.StockFilter(request.args.get("warehouse_id", type=int), request.args.get("q", "").strip(),
                                  request.args.get("flag", "") if request.args.get("flag") in ("low", "over") else "")
    show_value, show_levels = sees_cost(g.user), g.user.role != Role.SALES
    page = queries.stock_page(filters, page_number(), PER_PAGE, levels=show_levels, value=show_value)
    split = queries.stock_by_warehouse([row.id for row in page.items]) if not filters.warehouse_id else {}
    args = {k: v for k, v in vars(filters).items() if v}
    return render("inventory/index.html", "inventory/_stock.html" if page.page == 1 else "inventory/_stock_rows.html",
                  page=page, filters=filters, filter_args={"q" if k == "text" else k: v for k, v in args.items()},
                  summary=queries.stock_summary(filters, show_value), split=split, show_value=show_value,
                  show_levels=show_levels, warehouses=queries.active_warehouses())


@bp.route("/stock/ledger/<int:product_id>")
@allow(EVERYONE)
def ledger(product_id):
    """库存台账: a product's moves newest first with the balance after each; costs for cost roles."""
    product = queries.product_brief(product_id) or abort(404)
    filters = queries.LedgerFilter(request.args.get("warehouse_id", type=int), request.args.get("kind", ""),
                                   request.args.get("number", "").strip(), request.args.get("user_id", type=int),
                                   _date("date_from"), _date("date_to"))
    show_cost = sees_cost(g.user)
    page = queries.ledger_page(g.user, product_id, filters, page_number(), PER_PAGE, cost=show_cost)
    filter_args = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(filters).items() if v}
    return render("inventory/ledger.html", "inventory/_ledger.html" if page.page == 1 else "inventory/_ledger_rows.html",
                  product=product, page=page, filters=filters, filter_args=filter_args, show_cost=show_cost,
                  show_levels=g.user.role != Role.SALES, kinds=list(MoveKind),
                  levels=queries.stock_by_warehouse([product_id]).get(product_id, []),
                  warehouses=db.session.scalars(db.select(Warehouse).order_by(Warehouse.code)).all(),
                  users=queries.ledger_users(g.user, product_id), document_url=document_url)


def document_url(move) -> str | None:
    """The page of the document a move came from, where this app has one."""
    endpoint, arg = DOCUMENTS.get(move.source_type, (None, None))
    return url_for(endpoint, **{arg: move.source_id}) if endpoint and move.source_id else None


@bp.route("/warehouses")
@allow(EVERYONE)
def warehouses():
    """Every warehouse; the default one is marked."""
    return render("inventory/warehouses.html", warehouses=db.session.scalars(
        db.select(Warehouse).order_by(Warehouse.active.desc(), Warehouse.code)).all())


@bp.route("/warehouses/new", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def warehouse_create():
    """Add a warehouse; marking it default takes the mark from the previous default."""
    form = WarehouseForm(idempotency_key=new_key())
    if form.validate_on_submit():
        try:
            warehouse = services.create_warehouse(g.user, form.code.data, form.name.data, form.address.data,
                                                  form.is_default.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_warehouse_created(warehouse), "success")
            return redirect(url_for("inventory.warehouses"))
    return render("inventory/warehouse_create.html", form=form, current_default=services.default_warehouse(),
                  status=422 if form.errors else 200)


def _warehouse_created(warehouse) -> str:
    message = _("Warehouse %(name)s was created.", name=warehouse.name)
    return message + " " + _("It is now the default warehouse.") if warehouse.is_default else message


def _picked_id(line) -> int | None:
    value = line.product_id.data or ""
    return int(value) if value.isdigit() else None


def _lines_context(form, doc: str, with_cost: bool) -> dict:
    """The form's line rows with their picked products (one query), for the line template."""
    products = queries.products_by_id(_picked_id(entry.form) for entry in form.lines)
    return {"rows": [(i, entry.form, products.get(_picked_id(entry.form))) for i, entry in enumerate(form.lines)],
            "doc": doc, "with_cost": with_cost}


def _add_line(form) -> bool:
    """The no-JavaScript "add line" button: one more empty row, nothing posted."""
    if request.method == "POST" and request.form.get("add_line"):
        form.lines.append_entry()
        return True
    return False


@bp.route("/adjustments")
@allow(*READERS)
def adjustments():
    """Adjustments, newest first."""
    page = queries.adjustments_page(page_number(), PER_PAGE)
    return render("inventory/adjustments.html", "inventory/_adjustment_rows.html", page=page)


@bp.route("/adjustments/new", methods=["GET", "POST"])
@allow(*WRITERS)
@form_write
def adjustment_create():
    """Post an adjustment (其他入库/其他出库/报损/报溢): all lines or nothing."""
    default = services.default_warehouse()
    form = AdjustmentForm(idempotency_key=new_key(), warehouse_id=default.id if default else None)
    form.warehouse_id.choices = [(w.id, w.name) for w in queries.active_warehouses()]
    adding = _add_line(form)
    kind = AdjustmentKind(form.kind.data) if form.kind.data in set(AdjustmentKind) else AdjustmentKind.OTHER_IN
    if not adding and request.method == "POST":
        valid = form.validate_on_submit()  # before reading lines: validating resets the lines' errors
        lines = read_lines(form.lines, kind.sign, with_cost=sees_cost(g.user) and kind.sign > 0)
        if valid and lines is not None:
            try:
                adjustment = services.create_adjustment(g.user, form.warehouse_id.data, kind, form.reason.data, lines)
            except BusinessRuleError as error:
                refuse(form, error)
            else:
                flash(_("Adjustment %(number)s was posted.", number=adjustment.number), "success")
                return redirect(url_for("inventory.adjustment", adjustment_id=adjustment.id))
    return render("inventory/adjustment_create.html", form=form, **_lines_context(form, "adjustment", sees_cost(g.user)),
                  status=422 if request.method == "POST" and not adding else 200)


@bp.route("/adjustments/<int:adjustment_id>")
@allow(*READERS)
def adjustment(adjustment_id):
    """An adjustment and its lines, each linked to the product's ledger."""
    show_cost = sees_cost(g.user)
    return render("inventory/adjustment.html", adjustment=queries.adjustment(adjustment_id) or abort(404),
                  lines=queries.adjustment_lines(adjustment_id, show_cost), show_cost=show_cost)


@bp.route("/transfers")
@allow(*READERS)
def transfers():
    """Transfers, newest first."""
    page = queries.transfers_page(page_number(), PER_PAGE)
    return render("inventory/transfers.html", "inventory/_transfer_rows.html", page=page)


@bp.route("/transfers/new", methods=["GET", "POST"])
@allow(*WRITERS)
@form_write
def transfer_create():
    """Move goods from one warehouse to another: all lines or nothing."""
    choices = [(w.id, w.name) for w in queries.active_warehouses()]
    source = services.default_warehouse()
    target = next((id_ for id_, _name in choices if source is None or id_ != source.id), None)
    form = TransferForm(idempotency_key=new_key(), from_warehouse_id=source.id if source else None, to_warehouse_id=target)
    form.from_warehouse_id.choices = form.to_warehouse_id.choices = choices
    adding = _add_line(form)
    if not adding and request.method == "POST":
        valid = form.validate_on_submit()  # before reading lines: validating resets the lines' errors
        lines = read_lines(form.lines)
        if valid and lines is not None:
            try:
                transfer = services.create_transfer(g.user, form.from_warehouse_id.data, form.to_warehouse_id.data,
                                                    lines, form.notes.data)
            except BusinessRuleError as error:
                refuse(form, error)
            else:
                flash(_("Transfer %(number)s was posted.", number=transfer.number), "success")
                return redirect(url_for("inventory.transfer", transfer_id=transfer.id))
    return render("inventory/transfer_create.html", form=form, **_lines_context(form, "transfer", False),
                  status=422 if request.method == "POST" and not adding else 200)


@bp.route("/transfers/<int:transfer_id>")
@allow(*READERS)
def transfer(transfer_id):
    """A transfer and its lines, each linked to the product's ledger."""
    return render("inventory/transfer.html", transfer=queries.transfer(transfer_id) or abort(404),
                  lines=queries.transfer_lines(transfer_id))


@bp.route("/stock/products")
@allow(*WRITERS)
def product_options():
    """Search as you type for a document line: matching products to pick from."""
    index = request.args.get("index", 0, type=int)
    text = request.args.get(f"lines-{index}-product", request.args.get("q", ""))
    return render("inventory/_product_options.html", "inventory/_product_options.html", index=index,
                  doc=_doc(), options=queries.product_options(text), text=text.strip())


@bp.route("/stock/line")
@allow(*WRITERS)
def line():
    """One document line row: a new empty one (after those included), or one with a picked product."""
    index = request.args.get("index", type=int)
    if index is None:
        taken = [int(m.group(1)) for name in request.args if (m := re.fullmatch(r"lines-(\d+)-product_id", name))]
        index = max(taken, default=-1) + 1
    data = MultiDict(request.args)
    product = queries.product_brief(request.args.get("product_id", 0, type=int))
    if product is not None:
        data[f"lines-{index}-product"], data[f"lines-{index}-product_id"] = product.sku, str(product.product_id)
        units = _decimal(request.args.get("units")) or 1
        if units > 1:  # picked by a pack's barcode: the quantity counts its units
            packs = _decimal(data.get(f"lines-{index}-qty")) or 1
            data[f"lines-{index}-qty"] = f"{(packs * units).normalize():f}"
    line = LineForm(data, prefix=f"lines-{index}")
    if product is not None:  # next, the quantity
        line.qty.render_kw = {**(line.qty.render_kw or {}), "autofocus": True}
    doc = _doc()
    return render("inventory/_line.html", "inventory/_line.html", index=index, line=line, product=product, doc=doc,
                  with_cost=doc == "adjustment" and sees_cost(g.user))


def _decimal(text) -> Decimal | None:
    try:
        value = to_decimal(text or "", 3)
    except ValueError:
        return None
    return value if value > 0 else None


def _doc() -> str:
    return "transfer" if request.args.get("doc") == "transfer" else "adjustment"


@bp.route("/stock/low-count")
@allow(EVERYONE)
def low_stock_badge():
    """The navigation badge: how many products are below their minimum. Fetched after each page and
    cached by the browser for a minute, as counting costs a pass over the stock of every product."""
    response = make_response(render_template("inventory/_low_stock_badge.html", count=queries.low_stock_count()))
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
