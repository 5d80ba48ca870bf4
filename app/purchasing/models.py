"""Purchasing documents: orders to suppliers and their receipts (入库), invoices and returns (采购退货).

Mirrors app/sales/models.py: an order line keeps running totals (received, invoiced, returned,
credited) written only by app.purchasing services in the transaction that makes the document.
"""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.amounts import ZERO, document_totals, line_amounts, priced_line  # noqa: F401  (line_amounts: the one pricing rule)
from app.db_types import Quantity, UTCDateTime, enum_column
from app.extensions import db
from app.trade import models as trade
from app.trade.settlement import InvoiceStatus, Settled  # noqa: F401  (moved to app.trade; kept for older imports)
from app.trade.status import Flow, TradeStatus, describe


class PurchaseStatus(TradeStatus):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"

    # on_order: counts as "on order" for reordering (confirmed, not yet all received).
    open_for_receipt = on_order = TradeStatus.in_progress


describe(PurchaseStatus, Flow(PurchaseStatus.DRAFT, PurchaseStatus.CONFIRMED, PurchaseStatus.PARTIALLY_RECEIVED,
                             PurchaseStatus.RECEIVED, PurchaseStatus.INVOICED, PurchaseStatus.PAID,
                             PurchaseStatus.CANCELLED), {
    PurchaseStatus.PARTIALLY_RECEIVED: _l("Partially received"),
    PurchaseStatus.RECEIVED: lazy_pgettext("purchase order status", "Received"),
    PurchaseStatus.INVOICED: lazy_pgettext("purchase order status", "Invoiced"),
    PurchaseStatus.PAID: lazy_pgettext("purchase order status", "Paid")})


class PurchaseOrder(trade.Order, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    status: Mapped[PurchaseStatus] = mapped_column(enum_column(PurchaseStatus), default=PurchaseStatus.DRAFT,
                                                   index=True)
    expected_on: Mapped[date | None] = mapped_column(Date)
    # Drafted by the morning reorder job rather than by a person: the purchaser's home screen says so.
    auto_drafted: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the last goods came in

    supplier = relationship("Supplier")
    user = relationship("User")
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(back_populates="order", order_by="PurchaseOrderLine.id",
                                                            cascade="all, delete-orphan")
    receipts: Mapped[list["PurchaseReceipt"]] = relationship(back_populates="order", order_by="PurchaseReceipt.id")
    invoices: Mapped[list["PurchaseInvoice"]] = relationship(back_populates="order", order_by="PurchaseInvoice.id")
    returns: Mapped[list["PurchaseReturn"]] = relationship(back_populates="order", order_by="PurchaseReturn.id")


class PurchaseOrderLine(trade.OrderLine, db.Model):
    """unit_price is before tax (a purchase line has no discount)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    received_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")

    @property
    def moved_qty(self) -> Decimal:
        return self.received_qty

    @property
    def to_receive(self) -> Decimal:
        return max(self.qty - self.received_qty, ZERO)


class PurchaseReceipt(trade.StockDocument, db.Model):
    """Goods in. Scanning at the door fills an open receipt (posted_at empty) that moves no stock until posted;
    it gets its number when posted, so numbers stay gapless."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[PurchaseOrder] = relationship(back_populates="receipts")
    lines: Mapped[list["PurchaseReceiptLine"]] = relationship(back_populates="receipt", order_by="PurchaseReceiptLine.id",
                                                              cascade="all, delete-orphan")


class PurchaseReceiptLine(trade.StockLine, db.Model):
    """unit_cost: the order's net price."""

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("purchase_receipt.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)

    receipt: Mapped[PurchaseReceipt] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()


class PurchaseInvoice(trade.Invoice, db.Model):
    """A supplier's invoice of an order's goods, or an opening payable (期初应付: `opening`, no order, no lines)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_reference: Mapped[str] = mapped_column(String(50), default="")  # the supplier's own invoice number
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)

    order: Mapped[PurchaseOrder | None] = relationship(back_populates="invoices")
    supplier = relationship("Supplier")
    lines: Mapped[list["PurchaseInvoiceLine"]] = relationship(back_populates="invoice", order_by="PurchaseInvoiceLine.id",
                                                              cascade="all, delete-orphan")


class PurchaseInvoiceLine(trade.InvoiceLine, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("purchase_invoice.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)

    invoice: Mapped[PurchaseInvoice] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()


class PurchaseReturn(trade.Return, db.Model):
    """Goods sent back to the supplier at the cost they came in at; what had been invoiced is credited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)

    order: Mapped[PurchaseOrder] = relationship(back_populates="returns")
    supplier = relationship("Supplier")
    lines: Mapped[list["PurchaseReturnLine"]] = relationship(back_populates="purchase_return",
                                                             order_by="PurchaseReturnLine.id",
                                                             cascade="all, delete-orphan")


class PurchaseReturnLine(trade.ReturnLine, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)

    purchase_return: Mapped[PurchaseReturn] = relationship(back_populates="lines")
    order_line: Mapped[PurchaseOrderLine] = relationship()
