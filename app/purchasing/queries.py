"""Read queries for the supplier and purchase order screens (no data scope: every reader sees every supplier)."""
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.finance.models import Payment
from app.paging import Page, read_page
from app.partners.models import Supplier, SupplierProduct
from app.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseReceipt, PurchaseReturn, PurchaseStatus
from app.search import narrow

HISTORY = 20  # rows per history section on the supplier page
STATUSES = ("active", "inactive", "all")



@dataclass(frozen=True)
class SupplierFilter:
    text: str = ""
    status: str = "active"

    def args(self) -> dict:
        values = {"q": self.text, "status": self.status if self.status != "active" else ""}
        return {k: v for k, v in values.items() if v}


def supplier_page(filters: SupplierFilter, page: int, per_page: int) -> Page:
    query = narrow(select(Supplier), Supplier.search_text, filters.text)
    if filters.status != "all":
        query = query.where(Supplier.active.is_(filters.status == "active"))
    return read_page(query.order_by(Supplier.name, Supplier.id), page, per_page, scalars=True)


def supplier_choices(text: str, limit: int = 20) -> list[Supplier]:
    """Active suppliers to start an order with, matching what was typed."""
    return list(db.session.scalars(narrow(select(Supplier).where(Supplier.active), Supplier.search_text, text)
                                   .order_by(Supplier.name).limit(limit)))


def supplier_items(supplier: Supplier) -> list[SupplierProduct]:
    return list(db.session.scalars(select(SupplierProduct).where(SupplierProduct.supplier_id == supplier.id)
                                   .options(selectinload(SupplierProduct.product)).order_by(SupplierProduct.id)))


def history(supplier: Supplier) -> dict[str, list]:
    """The supplier's latest documents of each kind, newest first."""
    def latest(model, *where):
        return list(db.session.scalars(select(model).where(model.supplier_id == supplier.id, *where)
                                       .order_by(model.id.desc()).limit(HISTORY)))
    receipts = list(db.session.scalars(
        select(PurchaseReceipt).join(PurchaseReceipt.order)
        .where(PurchaseOrder.supplier_id == supplier.id, PurchaseReceipt.posted_at.is_not(None))
        .order_by(PurchaseReceipt.id.desc()).limit(HISTORY)))
    return {"orders": latest(PurchaseOrder), "receipts": receipts, "invoices": latest(PurchaseInvoice),
            "payments": latest(Payment), "returns": latest(PurchaseReturn)}


@dataclass(frozen=True)
class OrderFilter:
    text: str = ""
    status: str = ""
    supplier_id: int | None = None

    def args(self, *leave_out) -> dict:
        values = {"q": self.text, "status": self.status, "supplier_id": self.supplier_id}
        return {k: v for k, v in values.items() if v and k not in leave_out}


def orders_page(filters: OrderFilter, page: int, per_page: int) -> Page:
    """Purchase orders newest first: by status, supplier, and number or supplier name (pinyin too)."""
    query = select(PurchaseOrder).join(PurchaseOrder.supplier).options(selectinload(PurchaseOrder.supplier))
    if filters.status in {s.value for s in PurchaseStatus}:
        query = query.where(PurchaseOrder.status == PurchaseStatus(filters.status))
    if filters.supplier_id:
        query = query.where(PurchaseOrder.supplier_id == filters.supplier_id)
    for word in filters.text.lower().split():
        query = query.where(or_(PurchaseOrder.number.ilike(f"%{word}%"), Supplier.search_text.contains(
            word, autoescape=True)))
    return read_page(query.order_by(PurchaseOrder.id.desc()), page, per_page, scalars=True)


def order(order_id: int, for_update: bool = False) -> PurchaseOrder | None:
    query = select(PurchaseOrder).where(PurchaseOrder.id == order_id)
    if for_update:
        query = query.with_for_update(key_share=True)
    return db.session.scalar(query)
