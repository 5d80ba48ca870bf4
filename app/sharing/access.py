"""Who may share which kind of document, and the one way to load it: through the sales data scope.

Whoever may open the document and, for a sales slip or a quotation, see its prices (app.auth.roles). So the warehouse
shares the delivery notes (which carry no prices) of the deliveries it sees, and never a sales slip or a quotation;
a salesperson shares only their own documents (the scope answers None for the others: 404). The screens
(app.sharing.routes) and the API (app.api.sharing) both read this.
"""
from app.auth.roles import INVOICERS, SALES_READERS, SEES_SALE_PRICE
from app.sales import scope
from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder

QUOTATION_SHARERS = SALES_READERS & SEES_SALE_PRICE  # owner, sales, finance: those who see the order's prices
# kind: (roles that may share it, its scoped query, its model)
KINDS = {
    "invoice": (INVOICERS, scope.invoices, SalesInvoice),
    "quotation": (QUOTATION_SHARERS, scope.orders, SalesOrder),
    "delivery": (SALES_READERS, scope.deliveries, SalesDelivery),
}


def roles(kind: str) -> frozenset:
    return KINDS[kind][0]


def document(kind: str, user, document_id: int):
    """The document of this kind and id if `user`'s scope holds it, else None."""
    _roles, query, model = KINDS[kind]
    return scope.get(query(user), model, document_id)
