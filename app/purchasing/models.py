"""Purchasing documents: orders to suppliers and their receipts (入库), invoices and returns (采购退货).

Mirrors app/sales/models.py: an order line keeps running totals (received, invoiced, returned,
credited) written only by app.purchasing services in the transaction that makes the document.
"""
import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Date, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.amounts import ZERO, document_totals, line_amounts, priced_line  # noqa: F401  (line_amounts: the one pricing rule)
from app.db_types import Money, Quantity, Rate, ScaledDecimal, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.sales.models import InvoiceStatus, Settled


class PurchaseStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return PURCHASE_STATUS_LABELS[self]

    @property
    def open_for_receipt(self) -> bool:
        return self in (PurchaseStatus.CONFIRMED, PurchaseStatus.PARTIALLY_RECEIVED)

    @property
    def on_order(self) -> bool:
        """Counts as 'on order' for reordering: confirmed, not yet all received."""
        return self.open_for_receipt


PURCHASE_STATUS_LABELS = {
    PurchaseStatus.DRAFT: _l("Draft"), PurchaseStatus.CONFIRMED: _l("Confirmed"),
    PurchaseStatus.PARTIALLY_RECEIVED: _l("Partially received"),
    PurchaseStatus.RECEIVED: lazy_pgettext("purchase order status", "Received"),
    PurchaseStatus.INVOICED: lazy_pgettext("purchase order status", "Invoiced"),
    PurchaseStatus.PAID: lazy_pgettext("purchase order status", "Paid"), PurchaseStatus.CANCELLED: _l("Cancelled"),
}


class PurchaseOrder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    status: Mapped[PurchaseStatus] = mapped_column(enum_column(PurchaseStatus), default=PurchaseStatus.DRAFT,
                                                   index=True)
    expected_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # Drafted by the morning reorder job rather than by a person: the purchaser's home screen says so.
    auto_drafted: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the last goods came in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supplier = relationship("Supplier")
    warehouse = relationship("Warehouse")
    user = relationship("User")
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(back_populates="order", order_by="PurchaseOrderLine.id",
                                                            cascade="all, delete-orphan")
    receipts: Mapped[list["PurchaseReceipt"]] = relationship(back_populates="order", order_by="PurchaseReceipt.id")
    invoices: Mapped[list["PurchaseInvoice"]] = relationship(back_populates="order", order_by="PurchaseInvoice.id")
    returns: Mapped[list["PurchaseReturn"]] = relationship(back_populates="order", order_by="PurchaseReturn.id")

    def recompute_totals(self):
        self.subtotal, self.tax, self.total = document_totals(self.lines)


class PurchaseOrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())  # before tax
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    received_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    invoiced_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    returned_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product = relationship("Product")

    def price(self):
        self.amount, self.tax = priced_line(self.qty, self.unit_price, ZERO, self.tax_rate)

    @property
    def to_receive(self) -> Decimal:
        return max(self.qty - self.received_qty, ZERO)

    @property
    def returnable(self) -> Decimal:
        return self.received_qty - self.returned_qty

    @property
    def invoiceable(self) -> Decimal:
        """Received, kept, and not yet invoiced by the supplier."""
        return (self.received_qty - self.returned_qty) - (self.invoiced_qty - self.credited_qty)


class PurchaseReceipt(db.Model):
    """Goods in. Scanning at the door fills an open receipt (posted_at empty) that moves no stock until posted;
    it gets its number when posted, so numbers stay gapless."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[PurchaseOrder] = relationship(back_populates="receipts")
    warehouse = relationship("Warehouse")
    user = relationship("User")
    lines: Mapped[list["PurchaseReceiptLine"]] = relationship(back_populates="receipt", order_by="PurchaseReceiptLine.id",
                                                              cascade="all, delete-orphan")


class PurchaseReceiptLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipt.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=ZERO)  # the order's net price

    receipt: Mapped[PurchaseReceipt] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()
    product = relationship("Product")


class PurchaseInvoice(Settled, db.Model):
    """A supplier's invoice of an order's goods, or an opening payable (期初应付: `opening`, no order, no lines)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_reference: Mapped[str] = mapped_column(String(50), default="")  # the supplier's own invoice number
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    opening: Mapped[bool] = mapped_column(default=False, server_default=false())
    notes: Mapped[str] = mapped_column(String(200), default="", server_default="")
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    credited: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus), default=InvoiceStatus.OPEN, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[PurchaseOrder | None] = relationship(back_populates="invoices")
    supplier = relationship("Supplier")
    user = relationship("User")
    lines: Mapped[list["PurchaseInvoiceLine"]] = relationship(back_populates="invoice", order_by="PurchaseInvoiceLine.id",
                                                              cascade="all, delete-orphan")


class PurchaseInvoiceLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("purchase_invoice.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())

    invoice: Mapped[PurchaseInvoice] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()
    product = relationship("Product")


class PurchaseReturn(db.Model):
    """Goods sent back to the supplier at the cost they came in at; what had been invoiced is credited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    order: Mapped[PurchaseOrder] = relationship(back_populates="returns")
    supplier = relationship("Supplier")
    warehouse = relationship("Warehouse")
    user = relationship("User")
    lines: Mapped[list["PurchaseReturnLine"]] = relationship(back_populates="purchase_return",
                                                             order_by="PurchaseReturnLine.id",
                                                             cascade="all, delete-orphan")


class PurchaseReturnLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    unit_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    purchase_return: Mapped[PurchaseReturn] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()
    product = relationship("Product")
