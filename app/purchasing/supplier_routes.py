"""Supplier screens: the list with what we owe each, the supplier page (payables, documents, products they sell
us), the supplier form, and paying a supplier (付款)."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import PAYABLES, PURCHASE_WRITERS, SEES_COST, SUPPLIER_READERS, SUPPLIER_WRITERS, allow
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance import services as finance
from app.formatting import money
from app.forms import created, form_write, new_key, refuse
from app.inventory.queries import find_exact
from app.paging import page_number
from app.partners import suppliers as services
from app.partners.models import Supplier
from app.purchasing import queries
from app.purchasing.forms import PaymentForm, SupplierForm, SupplierItemForm, supplier_data
from app.purchasing.routes import bp
from app.trade import balances as owed
from app.web import render

PER_PAGE = 30


def _has(roles) -> bool:
    user = g.get("user")
    return user is not None and user.role in roles


@bp.context_processor
def _purchase_abilities():
    # Names of their own: the receiving screens share this blueprint and its context processors.
    return {"sees_costs": _has(SEES_COST), "can_buy": _has(PURCHASE_WRITERS), "can_pay": _has(PAYABLES),
            "can_edit_suppliers": _has(SUPPLIER_WRITERS), "new_key": new_key}


def _supplier(supplier_id) -> Supplier:
    return db.session.get(Supplier, supplier_id) or abort(404)


@bp.route("/suppliers")
@allow(SUPPLIER_READERS)
def suppliers():
    """Suppliers by name with what we owe each: search as you type (pinyin too), active / inactive, 30 a page."""
    status = request.args.get("status", "active")
    filters = queries.SupplierFilter(request.args.get("q", "").strip()[:100],
                                     status if status in queries.STATUSES else "active")
    page = queries.supplier_page(filters, page_number(), PER_PAGE)
    next_url = url_for("purchasing.suppliers", **filters.args(), page=page.page + 1) if page.has_next else None
    return render("purchasing/suppliers/index.html", "purchasing/suppliers/_list.html" if page.page == 1
                  else "purchasing/suppliers/_cards.html", page=page, filters=filters, next_url=next_url,
                  balances=owed.supplier_balances([supplier.id for supplier in page.items]))


@bp.route("/suppliers/<int:supplier_id>")
@allow(SUPPLIER_READERS)
def supplier_show(supplier_id):
    """One supplier: what we owe and when it is due, their documents, and the products they sell us."""
    supplier = _supplier(supplier_id)
    edit = request.args.get("item", type=int)
    item = next((i for i in queries.supplier_items(supplier) if i.product_id == edit), None)
    return _show(supplier, _item_form(item))


def _item_form(item=None, formdata=None):
    data = {} if item is None else {"product": item.product.sku, "supplier_sku": item.supplier_sku,
                                    "min_order_qty": f"{item.min_order_qty.normalize():f}", "preferred": item.preferred,
                                    "last_price": "" if item.last_price is None else str(item.last_price)}
    return SupplierItemForm(formdata=formdata, data=data)


def _show(supplier, item_form, status=200):
    return render("purchasing/suppliers/show.html", supplier=supplier, today=business_today(), item_form=item_form,
                  balance=owed.supplier_balance(supplier), items=queries.supplier_items(supplier),
                  open_invoices=finance.open_purchase_invoices(supplier), history=queries.history(supplier),
                  status=status)


@bp.route("/suppliers/<int:supplier_id>/items", methods=["POST"])
@allow(SUPPLIER_WRITERS)
@form_write
def supplier_item(supplier_id):
    """Add or change a product the supplier sells us (their code, last price, minimum order, preferred)."""
    supplier = _supplier(supplier_id)
    form = SupplierItemForm()
    if form.validate_on_submit():
        found = find_exact(form.product.data)
        try:
            if found is None:
                raise BusinessRuleError(_("No product has the barcode or SKU %(code)s.", code=form.product.data), "product")
            services.set_item(g.user, supplier, found[0].id, form.supplier_sku.data, form.min_order_qty.data,
                              form.preferred.data, form.last_price.data)
        except BusinessRuleError as error:
            refuse(form, error if error.field != "product_id" else BusinessRuleError(error.message, "product"))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("purchasing.supplier_show", supplier_id=supplier.id), 303)
    return _show(supplier, form, status=422)


@bp.route("/suppliers/new")
@allow(SUPPLIER_WRITERS)
def supplier_new():
    """The empty supplier form."""
    return render("purchasing/suppliers/new.html", form=SupplierForm(idempotency_key=new_key()))


@bp.route("/suppliers", methods=["POST"])
@allow(SUPPLIER_WRITERS)
@form_write
def supplier_create():
    """Add a supplier; a double tap adds it once."""
    form = SupplierForm()
    if form.validate_on_submit() and (response := created(
            form, lambda: services.create_supplier(g.user, {**form.values(), "active": True}),
            lambda supplier: (url_for("purchasing.supplier_show", supplier_id=supplier.id),
                              _("Supplier %(name)s was added.", name=supplier.name)))):
        return response
    return render("purchasing/suppliers/new.html", form=form, status=422)


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@allow(SUPPLIER_WRITERS)
@form_write
def supplier_edit(supplier_id):
    """The supplier form filled in; saving it changes the supplier (audited)."""
    supplier = _supplier(supplier_id)
    form = SupplierForm(data=supplier_data(supplier))
    if form.validate_on_submit():
        try:
            services.update_supplier(g.user, supplier, form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("purchasing.supplier_show", supplier_id=supplier.id), 303)
    return render("purchasing/suppliers/edit.html", form=form, supplier=supplier,
                  status=422 if request.method == "POST" else 200)


@bp.route("/suppliers/<int:supplier_id>/pay", methods=["GET", "POST"])
@allow(PAYABLES)
@form_write
def supplier_pay(supplier_id):
    """Pay a supplier (付款): the amount settles their open invoices oldest first, never more than we owe."""
    supplier = _supplier(supplier_id)
    form = PaymentForm(idempotency_key=new_key(), method="bank_transfer")
    if form.validate_on_submit() and (response := created(
            form, lambda: finance.record_supplier_payment(g.user, supplier, form.amount.data, form.method.data,
                                                          reference=form.reference.data,
                                                          money_account_id=form.money_account_id.data or None),
            lambda payment: (url_for("purchasing.supplier_show", supplier_id=supplier.id),
                             _("Payment %(number)s of %(amount)s was recorded.", number=payment.number,
                               amount=money(payment.amount))))):
        return response
    return render("purchasing/suppliers/pay.html", supplier=supplier, form=form, today=business_today(),
                  open_invoices=finance.open_purchase_invoices(supplier),
                  status=422 if request.method == "POST" else 200)
