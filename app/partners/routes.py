"""Customer screens: the list (search as you type, filters, infinite scroll), the customer page (what they
owe, how to reach them, their documents, what they usually buy) and the form to add or change one."""
import re

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import CUSTOMER_READERS, CUSTOMER_WRITERS, MONEY_READERS, MONEY_WRITERS, SALES_WRITERS, Role, allow
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.forms import form_write, new_key, refuse
from app.paging import page_number
from app.partners import queries, services
from app.partners.forms import CustomerForm, form_data
from app.partners.models import Customer
from app.sales import scope
from app.trade import balances as owed
from app.web import render

bp = Blueprint("partners", __name__)

PER_PAGE = 30


def tel(number: str) -> str:
    """A tel: URI; the spaces and dashes people type are not allowed in one."""
    return "tel:" + re.sub(r"[^\d+]", "", number)


def _has(user, roles) -> bool:
    return user is not None and user.role in roles


@bp.context_processor
def _helpers():
    user = g.get("user")
    return {"tel": tel, "show_money": _has(user, MONEY_READERS), "can_write": _has(user, CUSTOMER_WRITERS),
            "can_order": _has(user, SALES_WRITERS), "can_receive": _has(user, MONEY_WRITERS),
            "can_assign": _has(user, {Role.OWNER})}


def _customer(customer_id) -> Customer:
    return scope.get(scope.customers(g.user), Customer, customer_id) or abort(404)


@bp.route("/customers")
@allow(CUSTOMER_READERS)
def index():
    """Customers as cards: search as you type (pinyin too), salesperson / owes money / status filters, 30 a page."""
    filters = _filters()
    page = queries.customer_page(g.user, filters, page_number(), PER_PAGE)
    ids = [customer.id for customer in page.items]
    next_url = url_for("partners.index", **filters.args(), page=page.page + 1) if page.has_next else None
    return render("partners/index.html", "partners/_list.html" if page.page == 1 else "partners/_cards.html",
                  page=page, filters=filters, next_url=next_url,
                  balances=owed.customer_balances(ids) if _has(g.user, MONEY_READERS) else {},
                  overdue=owed.overdue_partner_ids(owed.RECEIVABLES, ids, business_today()),
                  salespeople=services.salesperson_choices() if g.user.role != Role.SALES else [])


def _filters():
    status, who = request.args.get("status", "active"), request.args.get("salesperson", "")
    return queries.CustomerFilter(
        text=request.args.get("q", "").strip()[:100], status=status if status in queries.STATUSES else "active",
        owes=request.args.get("owes") == "1",
        salesperson=int(who) if who.isdigit() else (queries.UNASSIGNED if who == queries.UNASSIGNED else None))


@bp.route("/customers/<int:customer_id>")
@allow(CUSTOMER_READERS)
def show(customer_id):
    """One customer: balance and credit headroom, tap to call, open invoices, documents, what they usually buy."""
    customer = _customer(customer_id)
    money = _has(g.user, MONEY_READERS)
    return render("partners/show.html", customer=customer, today=business_today(),
                  balance=owed.customer_balance(customer) if money else None,
                  headroom=owed.credit_headroom(customer) if money else None,
                  history=queries.history(g.user, customer), history_size=queries.HISTORY,
                  usual=queries.usually_buys(g.user, customer))


@bp.route("/customers/new")
@allow(CUSTOMER_WRITERS)
def new():
    """The empty customer form."""
    return render("partners/new.html", form=CustomerForm(idempotency_key=new_key()))


@bp.route("/customers", methods=["POST"])
@allow(CUSTOMER_WRITERS)
@form_write
def create():
    """Add a customer (a salesperson becomes its salesperson); a double tap adds it once."""
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            # A new customer is active; the form offers the switch only when editing, so it is not posted here.
            customer = services.create_customer(g.user, {**form.values(), "active": True})
        except BusinessRuleError as error:
            _refuse(form, error)
        else:
            flash(_("Customer %(name)s was added.", name=customer.name), "success")
            return redirect(url_for("partners.show", customer_id=customer.id))
    return render("partners/new.html", form=form, status=422)


@bp.route("/customers/<int:customer_id>/edit")
@allow(CUSTOMER_WRITERS)
def edit(customer_id):
    """The customer form, filled in."""
    customer = _customer(customer_id)
    return render("partners/edit.html", form=CustomerForm(data=form_data(customer)), customer=customer)


@bp.route("/customers/<int:customer_id>/edit", methods=["POST"])
@allow(CUSTOMER_WRITERS)
@form_write
def update(customer_id):
    """Save a customer's changes; only the owner may hand it to another salesperson (audited)."""
    customer = _customer(customer_id)
    form = CustomerForm(data=form_data(customer))  # a field the page does not show keeps its value
    if form.validate_on_submit():
        try:
            services.update_customer(g.user, customer, form.values())
        except BusinessRuleError as error:
            _refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("partners.show", customer_id=customer.id))
    return render("partners/edit.html", form=form, customer=customer, status=422)


def _refuse(form, error: BusinessRuleError) -> None:
    """Put a refusal on the form; one no input can fix (a salesperson reassigning a customer) answers 403."""
    if error.problem == "forbidden":
        abort(403)
    refuse(form, error)
