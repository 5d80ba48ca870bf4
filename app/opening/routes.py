"""Opening screens: what has been entered, opening receivables and payables by hand, opening stock per warehouse."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.roles import SEES_COST, Role, allow
from app.catalog.models import Product
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.imports import framework
from app.inventory.models import Warehouse
from app.opening import services as opening
from app.opening.forms import OpeningItemForm, OpeningStockLineForm
from app.opening.models import OpeningStock
from app.partners.models import Customer, Supplier
from app.web import render

bp = Blueprint("opening", __name__)

OPENERS = (Role.OWNER, Role.FINANCE)
SIDE = "<side>"  # receivable or payable (anything else: 404, see _side)


def _sees_cost() -> bool:
    return g.user.role in SEES_COST


def _partners(side: str) -> list[tuple[int, str]]:
    model = Customer if side == opening.RECEIVABLE else Supplier
    return [(p.id, p.name) for p in db.session.scalars(select(model).where(model.active).order_by(model.name))]


def _line_form(**values) -> OpeningStockLineForm:
    form = OpeningStockLineForm(**values)
    form.warehouse_id.choices = [(w.id, f"{w.code} {w.name}") for w in db.session.scalars(
        select(Warehouse).where(Warehouse.active).order_by(Warehouse.code))]
    return form


@bp.route("/opening")
@allow(*OPENERS)
def index():
    """What opening stock and balances have been entered, their totals, and whether they can still change."""
    return _index(line_form=_line_form())


def _imports() -> set[str]:
    """The import kinds this user may use that bring opening figures in (the product import brings opening stock)."""
    return {name for name in ("products", "opening_stock", "opening_receivables", "opening_payables")
            if (kind := framework.kind(name)) and kind.allows(g.user)}


def _index(line_form, status=200):
    return render("opening/index.html", entered=opening.opening_entered(), lock=opening.real_document(),
                  stocks=opening.opening_stocks(), receivables=opening.opening_items(opening.RECEIVABLE),
                  payables=opening.opening_items(opening.PAYABLE), line_form=line_form, sees_cost=_sees_cost(),
                  today=business_today(), imports=_imports(), status=status)


def _side(side: str) -> str:
    return side if side in opening.SIDES else abort(404)


def _item_form(side: str, item=None) -> OpeningItemForm:
    if item is not None and request.method == "GET":
        form = OpeningItemForm(partner_id=opening.partner_of(item).id, reference=opening.reference_of(item),
                               issued_on=item.issued_on, due_on=item.due_on, amount=f"{item.total:.2f}",
                               notes=item.notes)
    else:
        form = OpeningItemForm(idempotency_key=new_key())
    form.partner_id.choices = _partners(side)
    form.partner_id.label.text = _("Customer") if side == opening.RECEIVABLE else _("Supplier")
    return form


def _values(form) -> dict:
    return {"reference": form.reference.data, "issued_on": form.issued_on.data, "due_on": form.due_on.data,
            "amount": form.amount.data, "notes": form.notes.data}


def _title(side: str) -> str:
    return _("Opening receivable") if side == opening.RECEIVABLE else _("Opening payable")


@bp.route(f"/opening/{SIDE}/new", methods=["GET", "POST"])
@allow(*OPENERS)
@form_write
def item_new(side):
    """Add an opening receivable (a customer's open invoice from the old books) or payable (a supplier's)."""
    form = _item_form(_side(side))
    if form.validate_on_submit():
        model = Customer if side == opening.RECEIVABLE else Supplier
        partner = db.session.get(model, form.partner_id.data)
        try:
            created = opening.create_opening_item(g.user, side, partner, _values(form))
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("%(number)s was added.", number=created.number), "success")
            return redirect(url_for("opening.index", _anchor=f"{side}s"))
    return render("opening/item_new.html", form=form, side=side, title=_title(side), lock=opening.real_document(),
                  status=422 if form.errors or form.form_errors else 200)


def _item(side: str, item_id: int):
    return opening.opening_item(_side(side), item_id) or abort(404)


@bp.route(f"/opening/{SIDE}/<int:item_id>", methods=["GET", "POST"])
@allow(*OPENERS)
@form_write
def item(side, item_id):
    """An opening balance: what settled it so far, and its number, dates, amount and note to correct."""
    found = _item(side, item_id)
    form = _item_form(side, found)
    if form.validate_on_submit():
        try:
            opening.update_opening_item(g.user, found, _values(form))
        except BusinessRuleError as error:
            refuse(form, error)
            found = _item(side, item_id)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("opening.item", side=side, item_id=found.id))
    return render("opening/item.html", form=form, item=found, side=side, title=_title(side), today=business_today(),
                  partner=opening.partner_of(found), reference=opening.reference_of(found),
                  lock=opening.real_document(), status=422 if form.errors or form.form_errors else 200)


@bp.route(f"/opening/{SIDE}/<int:item_id>/delete", methods=["POST"])
@allow(*OPENERS)
@form_write
def item_delete(side, item_id):
    """Delete an opening balance entered by mistake (only before real documents exist)."""
    found = _item(side, item_id)
    number = found.number
    try:
        opening.delete_opening_item(g.user, found)
    except BusinessRuleError as error:
        refuse(None, error)
        return redirect(url_for("opening.item", side=side, item_id=item_id), 303)
    flash(_("%(number)s was deleted.", number=number), "success")
    return redirect(url_for("opening.index", _anchor=f"{side}s"), 303)


@bp.route("/opening/stock/<int:stock_id>")
@allow(*OPENERS)
def stock(stock_id):
    """A warehouse's opening stock: each product's quantity and unit cost."""
    document = db.session.get(OpeningStock, stock_id) or abort(404)
    return render("opening/stock.html", document=document, lock=opening.real_document(), sees_cost=_sees_cost(),
                  line_form=_line_form(warehouse_id=document.warehouse_id))


@bp.route("/opening/stock/lines", methods=["POST"])
@allow(*OPENERS)
@form_write
def stock_line():
    """Enter or change one product's opening stock in a warehouse by hand (a quantity of 0 removes it)."""
    form = _line_form()
    if form.validate_on_submit():
        warehouse = db.session.get(Warehouse, form.warehouse_id.data)
        product = db.session.scalar(select(Product).where(func.lower(Product.sku) == form.sku.data.strip().lower()))
        try:
            if product is None:
                raise BusinessRuleError(_("No product has this SKU."), "sku")
            document = opening.set_opening_stock(g.user, warehouse, [opening.StockLineInput(
                product.id, form.qty.data, form.unit_cost.data)])
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Opening stock of %(sku)s saved.", sku=product.sku), "success")
            return redirect(url_for("opening.stock", stock_id=document.id), 303)
    return _index(line_form=form, status=422)


@bp.route("/opening/stock/<int:stock_id>/delete", methods=["POST"])
@allow(*OPENERS)
@form_write
def stock_delete(stock_id):
    """Take a warehouse's opening stock out again (reversing moves), only before real documents exist."""
    document = db.session.get(OpeningStock, stock_id) or abort(404)
    number = document.number
    try:
        opening.delete_opening_stock(g.user, document)
    except BusinessRuleError as error:
        refuse(None, error)
        return redirect(url_for("opening.stock", stock_id=stock_id), 303)
    flash(_("%(number)s was deleted.", number=number), "success")
    return redirect(url_for("opening.index", _anchor="stock"), 303)
