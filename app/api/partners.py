"""Customers over the API: the partners service, the sales data scope, and a balance derived from documents."""
from flask import abort, g, jsonify, request, url_for

from app.api.pagination import paginate
from app.api.routes import bp
from app.api.feed import Feed
from app.api.schema import Boolean, Choice, DateTime, DecimalString, Integer, Schema, String, updated
from app.api.spec import Link, operation, parse_body, reply
from app.auth.roles import CUSTOMER_READERS, CUSTOMER_WRITERS, allow
from app.extensions import db
from app.limits import AMOUNT, PERCENT
from app.partners import services as partners
from app.partners.models import Customer, PriceLevel
from app.sales import scope
from app.search import narrow
from app.trade import balances as owed

_TEXT = {name: String(max_length=limit) for name, limit in partners.TEXT_FIELDS.items()}
_WRITABLE = {
    "code": String(max_length=32, description="Unique; left out or empty on creation: the next free C0001 ..."),
    **_TEXT, "name": String(min_length=1, max_length=200),
    "credit_limit": DecimalString(2, AMOUNT, nullable=True, description="null: no limit; 0: nothing on credit"),
    "payment_terms_days": Integer(description="0 to 365"), "price_level": Choice(PriceLevel),
    "discount_pct": DecimalString(2, PERCENT, description="For price_level discount: percent off the retail price"),
    "salesperson_id": Integer(nullable=True, description="Only the owner may change it; a salesperson's new "
                                                         "customers are their own"),
    "active": Boolean(),
}
CUSTOMER = Schema("Customer", {
    "id": Integer(), "code": String(description="Unique, e.g. C0001; the key a re-import updates by"),
    **{name: String() for name in _TEXT},
    "credit_limit": DecimalString(2, nullable=True), "payment_terms_days": Integer(), "price_level": Choice(PriceLevel),
    "discount_pct": DecimalString(2), "salesperson_id": Integer(nullable=True), "active": Boolean(),
    "balance": DecimalString(2, description="Sales slips less credit notes less receipts; negative: we owe them"),
    "created_at": DateTime(), "updated_at": updated(),
})
CUSTOMER_CREATE = Schema("CustomerCreate", {**_WRITABLE, "name": String(required=True, min_length=1, max_length=200)})
CUSTOMER_UPDATE = Schema("CustomerUpdate", _WRITABLE)


def _customer(customer_id) -> Customer:
    return scope.get(scope.customers(g.user), Customer, customer_id) or abort(404)


@bp.route("/customers")
@allow(CUSTOMER_READERS)
@operation("List customers", response=CUSTOMER, listing=True, item="api.customers_show", feed=Feed(Customer), query={
    "q": {"type": "string", "description": "Name, contact, phone, tags, pinyin or initials"},
    "active": {"type": "boolean"}, "salesperson_id": {"type": "integer"}})
def customers_index():
    """Customers in the caller's scope (a salesperson: their own), with balances."""
    query = narrow(scope.customers(g.user), Customer.search_text, request.args.get("q", ""))
    if (active := request.args.get("active")) in ("true", "false"):
        query = query.where(Customer.active.is_(active == "true"))
    if (salesperson_id := request.args.get("salesperson_id", type=int)) is not None:
        query = query.where(Customer.salesperson_id == salesperson_id)
    page = paginate(query.order_by(Customer.id))
    balances = owed.customer_balances(customer.id for customer in page["items"])  # one query set for the whole page
    return jsonify({**page, "items": [CUSTOMER.dump(c, g.user, balance=balances[c.id]) for c in page["items"]]})


@bp.route("/customers", methods=["POST"])
@allow(CUSTOMER_WRITERS)
@operation("Create a customer", body=CUSTOMER_CREATE, response=CUSTOMER, status=201, problems=(409,),
           location="api.customers_show", links={"order": Link("api.sales_orders_create", body={
               "customer_id": "$response.body#/id"})})
def customers_create():
    """A new customer; a salesperson who creates one becomes its salesperson."""
    customer = partners.create_customer(g.user, parse_body())
    db.session.flush()
    return reply(customer, location=url_for("api.customers_show", customer_id=customer.id),
                 balance=owed.customer_balance(customer))


@bp.route("/customers/<int:customer_id>")
@allow(CUSTOMER_READERS)
@operation("Read a customer", response=CUSTOMER)
def customers_show(customer_id):
    """One customer with what they owe."""
    customer = _customer(customer_id)
    return reply(customer, balance=owed.customer_balance(customer))


@bp.route("/customers/<int:customer_id>", methods=["PATCH"])
@allow(CUSTOMER_WRITERS)
@operation("Change a customer", body=CUSTOMER_UPDATE, partial=True, response=CUSTOMER, problems=(409,))
def customers_update(customer_id):
    """Change the fields sent; only the owner may change salesperson_id (403 otherwise)."""
    customer = _customer(customer_id)
    partners.update_customer(g.user, customer, parse_body())
    return reply(customer, balance=owed.customer_balance(customer))
