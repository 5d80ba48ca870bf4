"""The event types an endpoint can subscribe to, and the JSON body of each: the object as the API returns it to
the owner (the API's own schemas dump it, so a webhook and a GET of the same object never differ).

Names are part of the contract with receivers: add new ones, never rename.
"""
from dataclasses import dataclass
from types import SimpleNamespace

from app.auth.roles import Role

OWNER = SimpleNamespace(role=Role.OWNER, id=None)  # the viewer every body is dumped for: all fields


@dataclass(frozen=True)
class EventType:
    name: str
    schema: str  # "module.CONSTANT" of app.api: the shape of `data`
    summary: str


def _types(*rows) -> dict[str, EventType]:
    return {name: EventType(name, schema, summary) for name, schema, summary in rows}


EVENT_TYPES = _types(
    ("product.created", "catalog.PRODUCT", "A product was added"),
    ("product.updated", "catalog.PRODUCT", "A product's fields or barcodes changed"),
    ("stock.below_min", "inventory.STOCK_LEVEL", "A stock level fell below its product's minimum"),
    ("stock.above_max", "inventory.STOCK_LEVEL", "A stock level rose above its product's maximum"),
    ("customer.created", "partners.CUSTOMER", "A customer was added"),
    ("customer.updated", "partners.CUSTOMER", "A customer's fields changed"),
    ("supplier.created", "suppliers.SUPPLIER", "A supplier was added"),
    ("supplier.updated", "suppliers.SUPPLIER", "A supplier's fields changed"),
    ("sales_order.created", "sales.ORDER", "A sales order was drafted"),
    ("sales_order.confirmed", "sales.ORDER", "A sales order was confirmed (stock reserved)"),
    ("sales_order.cancelled", "sales.ORDER", "A sales order was cancelled"),
    ("sales_delivery.created", "sales.DELIVERY", "Goods were delivered against a sales order"),
    ("sales_invoice.created", "finance.INVOICE", "A sales slip (invoice) was made"),
    ("sales_receipt.created", "finance.PAYMENT", "Money was received from a customer"),
    ("sales_return.created", "sales.RETURN", "Goods came back from a customer"),
    ("purchase_order.created", "purchasing.ORDER", "A purchase order was drafted"),
    ("purchase_order.confirmed", "purchasing.ORDER", "A purchase order was confirmed"),
    ("purchase_order.cancelled", "purchasing.ORDER", "A purchase order was cancelled"),
    ("purchase_receipt.created", "purchasing.RECEIPT", "Goods were received against a purchase order"),
    ("purchase_invoice.created", "suppliers.INVOICE", "A supplier's invoice was entered"),
    ("purchase_payment.created", "finance.PAYMENT", "Money was paid to a supplier"),
    ("purchase_return.created", "purchasing.RETURN", "Goods went back to a supplier"),
    ("stocktake.posted", "stocktake.STOCKTAKE", "A stocktake's differences were posted"),
)
TEST_EVENT = "webhook.test"  # sent by "send a test event" to one endpoint only; never subscribed to


def schema(event_type: EventType):
    """The API Schema of the event's `data` (imported when first needed: the API modules are screens)."""
    import importlib
    module, constant = event_type.schema.split(".")
    return getattr(importlib.import_module(f"app.api.{module}"), constant)


def data(event_type: EventType, obj) -> dict:
    """The object as GET on the API returns it to the owner."""
    return schema(event_type).dump(obj, OWNER, **_computed(event_type.schema, obj))


def _computed(shape: str, obj) -> dict:
    """The fields the API views work out rather than read from the row (as those views do)."""
    if shape == "catalog.PRODUCT":
        return {"category": obj.category.path if obj.category else None}
    if shape == "partners.CUSTOMER":
        from app.trade import balances
        return {"balance": balances.customer_balance(obj)}
    if shape == "suppliers.SUPPLIER":
        from app.trade import balances
        return {"balance": balances.supplier_balance(obj)}
    if shape == "stocktake.STOCKTAKE":
        from app.stocktake import services as stocktakes
        progress = stocktakes.progress(obj)
        return {"lines": progress["lines"], "counted_lines": progress["counted"]}
    return {}
