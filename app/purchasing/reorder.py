"""Reorder suggestions (补货建议) and the purchase orders drafted from them."""
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import contains_eager

from app.catalog.models import Product
from app.db_types import Quantity, business_today
from app.extensions import db
from app.inventory.models import StockLevel, Warehouse
from app.inventory.services import active_warehouse
from app.partners.models import Supplier, SupplierProduct
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseStatus
from app.settings.services import business_zone, company

ZERO = Decimal("0")


@dataclass(frozen=True)
class Suggestion:
    product: Product
    available: Decimal
    on_order: Decimal
    qty: Decimal
    supplier: Supplier | None
    unit_price: Decimal | None


def suggestions(warehouse_id) -> list[Suggestion]:
    """Products whose available plus on-order quantity in the warehouse is below their minimum, topped up to their
    maximum (or the minimum, when no maximum is set), rounded up to the preferred supplier's minimum order."""
    warehouse = active_warehouse(warehouse_id)
    # Quantities are stored scaled: computed columns lose their type, so it is said again to read them as decimals.
    available = (select(StockLevel.product_id,
                        type_coerce(StockLevel.on_hand - StockLevel.reserved, Quantity()).label("qty"))
                 .where(StockLevel.warehouse_id == warehouse.id).subquery())
    on_order = (select(PurchaseOrderLine.product_id,
                       type_coerce(func.sum(PurchaseOrderLine.qty - PurchaseOrderLine.received_qty), Quantity())
                       .label("qty"))
                .join(PurchaseOrderLine.order)
                .where(PurchaseOrder.warehouse_id == warehouse.id,
                       PurchaseOrder.status.in_([PurchaseStatus.CONFIRMED, PurchaseStatus.PARTIALLY_RECEIVED]))
                .group_by(PurchaseOrderLine.product_id).subquery())
    rows = db.session.execute(
        select(Product, available.c.qty, on_order.c.qty)
        .outerjoin(available, available.c.product_id == Product.id)
        .outerjoin(on_order, on_order.c.product_id == Product.id)
        .where(Product.active, Product.min_stock > 0,
               func.coalesce(available.c.qty, 0) + func.coalesce(on_order.c.qty, 0) < Product.min_stock)
        .order_by(Product.name)).all()
    items = preferred_items([product.id for product, _a, _o in rows])
    found = []
    for product, have, ordered in rows:
        have, ordered = have or ZERO, ordered or ZERO
        target = product.max_stock if product.max_stock > product.min_stock else product.min_stock
        qty, item = target - have - ordered, items.get(product.id)
        if item is not None and item.min_order_qty > 0:
            qty = max(qty, item.min_order_qty)
            qty = (qty / item.min_order_qty).to_integral_value(ROUND_CEILING) * item.min_order_qty
        found.append(Suggestion(product, have, ordered, qty, item.supplier if item else None,
                                purchasing.item_price(item, product) if item else None))
    return found


def preferred_items(product_ids: list[int]) -> dict[int, SupplierProduct]:
    """Each product's preferred supplier item, else its only supplier's; none when there are several and no preference."""
    if not product_ids:
        return {}
    items: dict[int, list[SupplierProduct]] = {}
    for item in db.session.scalars(select(SupplierProduct).join(SupplierProduct.supplier)
                                   .options(contains_eager(SupplierProduct.supplier))
                                   .where(SupplierProduct.product_id.in_(product_ids), Supplier.active)):
        items.setdefault(item.product_id, []).append(item)
    chosen = {}
    for product_id, candidates in items.items():
        preferred = [item for item in candidates if item.preferred]
        if preferred or len(candidates) == 1:
            chosen[product_id] = (preferred or candidates)[0]
    return chosen


def draft_orders(actor, warehouse_id, auto_drafted: bool = False) -> list[PurchaseOrder]:
    """One draft purchase order per supplier from the suggestions that have a supplier; a product already on a
    draft for this warehouse is left to that draft (so a second tap, or tomorrow's job, adds no twin)."""
    drafted = set(db.session.scalars(select(PurchaseOrderLine.product_id).join(PurchaseOrderLine.order).where(
        PurchaseOrder.warehouse_id == warehouse_id, PurchaseOrder.status == PurchaseStatus.DRAFT)))
    by_supplier: dict[int, list[Suggestion]] = {}
    for suggestion in suggestions(warehouse_id):
        if suggestion.supplier is not None and suggestion.product.id not in drafted:
            by_supplier.setdefault(suggestion.supplier.id, []).append(suggestion)
    return [purchasing.create_order(actor, group[0].supplier, warehouse_id,
                                    [purchasing.LineInput(s.product.id, s.qty) for s in group],
                                    auto_drafted=auto_drafted)
            for group in by_supplier.values()]


def draft_if_enabled() -> list[PurchaseOrder]:
    """The morning job: when the owner turned automatic reordering on, draft orders for every active warehouse."""
    if not company().auto_reorder:
        return []
    warehouses = db.session.scalars(select(Warehouse.id).where(Warehouse.active).order_by(Warehouse.id)).all()
    return [order for warehouse_id in warehouses for order in draft_orders(None, warehouse_id, auto_drafted=True)]


def drafted_today() -> list[PurchaseOrder]:
    """Orders the morning job drafted today that still wait for the purchaser: the home screen tells them."""
    from datetime import datetime, time, timezone

    zone = business_zone()
    since = datetime.combine(business_today(), time(0), zone).astimezone(timezone.utc)
    return db.session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.auto_drafted, PurchaseOrder.status == PurchaseStatus.DRAFT, PurchaseOrder.created_at >= since)
        .order_by(PurchaseOrder.id)).all()
