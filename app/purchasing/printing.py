"""The purchase order (采购订单) as a PDF, to print or send to the supplier.

Reads only the order and its relationships (plus the supplier's item codes); the route checks access.
"""
from sqlalchemy import select

from app.documents import render_pdf
from app.extensions import db
from app.partners.models import SupplierProduct
from app.purchasing.models import PurchaseOrder
from app.sales.printing import local_date


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    """The order's lines with the supplier's item codes, prices, totals, expected date and where to deliver."""
    codes = dict(db.session.execute(select(SupplierProduct.product_id, SupplierProduct.supplier_sku)
                                    .where(SupplierProduct.supplier_id == order.supplier_id)).all())
    return render_pdf("documents/purchase_order.html", order=order, supplier=order.supplier, codes=codes,
                      ordered_on=local_date(order.confirmed_at or order.created_at))
