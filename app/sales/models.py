"""Sales documents: orders and their deliveries (出库), invoices and returns (退货).

An order line keeps running totals of what happened to it (delivered, invoiced, returned,
credited), written only by app.sales.services in the transaction that makes the document, so
lists and rules read one row instead of summing documents. `flask check` proves them against the
documents.
"""
import enum
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.amounts import CENT, ZERO, document_totals, line_amounts, priced_line  # noqa: F401  (re-exported for sales code)
from app.db_types import Money, Quantity, Rate, ScaledDecimal, UTCDateTime, enum_column, utcnow
from app.extensions import db



class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return ORDER_STATUS_LABELS[self]

    @property
    def holds_reservation(self) -> bool:
        return self in (OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED)

    @property
    def can_deliver(self) -> bool:
        return self.holds_reservation

    @property
    def can_cancel(self) -> bool:
        return self in (OrderStatus.DRAFT, OrderStatus.CONFIRMED)


ORDER_STATUS_LABELS = {
    OrderStatus.DRAFT: _l("Draft"), OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.PARTIALLY_DELIVERED: _l("Partially delivered"), OrderStatus.DELIVERED: _l("Delivered"),
    OrderStatus.INVOICED: _l("Invoiced"), OrderStatus.PAID: _l("Paid"), OrderStatus.CANCELLED: _l("Cancelled"),
}


class SalesOrder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), default=OrderStatus.DRAFT, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    over_limit_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer = relationship("Customer")
    salesperson = relationship("User", foreign_keys=[salesperson_id])
    over_limit_approved_by = relationship("User", foreign_keys=[over_limit_approved_by_id])
    warehouse = relationship("Warehouse")
    lines: Mapped[list["SalesOrderLine"]] = relationship(back_populates="order", order_by="SalesOrderLine.id",
                                                         cascade="all, delete-orphan")
    deliveries: Mapped[list["SalesDelivery"]] = relationship(back_populates="order", order_by="SalesDelivery.id")
    invoices: Mapped[list["SalesInvoice"]] = relationship(back_populates="order", order_by="SalesInvoice.id")
    returns: Mapped[list["SalesReturn"]] = relationship(back_populates="order", order_by="SalesReturn.id")

    __table_args__ = (Index("ix_sales_order_salesperson_created", "salesperson_id", "created_at"),)

    def recompute_totals(self):
        self.subtotal, self.tax, self.total = document_totals(self.lines)

    @property
    def uninvoiced_total(self) -> Decimal:
        """What this order will still bill, tax included: its lines not yet delivered-and-invoiced, less returns."""
        return sum((sum(line_amounts(line.qty - line.returned_qty - line.invoiced_qty + line.credited_qty,
                                     line.unit_price, line.discount_pct, line.tax_rate), ZERO)
                    for line in self.lines), ZERO)


class SalesOrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())  # before tax and discount
    list_price: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # the customer's price level when added
    discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # net of discount, before tax
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    delivered_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    invoiced_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    returned_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    # Invoiced quantity later returned: credited on a credit note instead of invoiced again.
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    product = relationship("Product")

    def price(self):
        self.amount, self.tax = priced_line(self.qty, self.unit_price, self.discount_pct, self.tax_rate)

    @property
    def to_deliver(self) -> Decimal:
        return self.qty - self.delivered_qty

    @property
    def returnable(self) -> Decimal:
        return self.delivered_qty - self.returned_qty

    @property
    def invoiceable(self) -> Decimal:
        """Delivered, kept, and not yet invoiced."""
        return (self.delivered_qty - self.returned_qty) - (self.invoiced_qty - self.credited_qty)

    @property
    def net_price(self) -> Decimal:
        return (self.unit_price * (100 - self.discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)


class SalesDelivery(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    order: Mapped[SalesOrder] = relationship(back_populates="deliveries")
    warehouse = relationship("Warehouse")
    user = relationship("User")
    lines: Mapped[list["SalesDeliveryLine"]] = relationship(back_populates="delivery", order_by="SalesDeliveryLine.id",
                                                            cascade="all, delete-orphan")


class SalesDeliveryLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("sales_delivery.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=ZERO)  # the average cost when it left

    delivery: Mapped[SalesDelivery] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()
    product = relationship("Product")


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"

    @property
    def label(self):
        return INVOICE_STATUS_LABELS[self]


# Sales and purchase invoices share these labels, so they name the settlement, not who pays whom.
INVOICE_STATUS_LABELS = {InvoiceStatus.OPEN: lazy_pgettext("invoice status", "Unpaid"),
                         InvoiceStatus.PARTIALLY_PAID: lazy_pgettext("invoice status", "Partially paid"),
                         InvoiceStatus.PAID: lazy_pgettext("invoice status", "Paid")}


class Settled:
    """What an invoice (ours or a supplier's) still has open, from its total, payments and credits."""

    @property
    def open_amount(self) -> Decimal:
        return self.total - self.paid - self.credited

    def overdue(self, today: date) -> bool:
        return self.open_amount > 0 and self.due_on < today

    def refresh_status(self):
        settled = self.paid + self.credited
        self.status = (InvoiceStatus.PAID if settled >= self.total else
                       InvoiceStatus.PARTIALLY_PAID if settled > 0 else InvoiceStatus.OPEN)


def spread(invoices: list[Settled], amount: Decimal) -> list[tuple[Settled, Decimal]]:
    """`amount` over `invoices` in the order given, each taking up to its open amount (the rest is left over)."""
    parts, left = [], amount
    for invoice in invoices:
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        if part > 0:
            parts.append((invoice, part))
            left -= part
    return parts


class SalesInvoice(Settled, db.Model):
    """An invoice of an order's goods, or an opening receivable (期初应收: `opening`, no order, no lines) carried over
    from the books before JXC, with the customer's old document number in `reference`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    opening: Mapped[bool] = mapped_column(default=False, server_default=false())
    reference: Mapped[str] = mapped_column(String(50), default="", server_default="")
    notes: Mapped[str] = mapped_column(String(200), default="", server_default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # receipts allocated to it
    credited: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # credit notes (returns) allocated to it
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus), default=InvoiceStatus.OPEN, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[SalesOrder | None] = relationship(back_populates="invoices")
    customer = relationship("Customer")
    user = relationship("User")
    lines: Mapped[list["SalesInvoiceLine"]] = relationship(back_populates="invoice", order_by="SalesInvoiceLine.id",
                                                           cascade="all, delete-orphan")


class SalesInvoiceLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())

    invoice: Mapped[SalesInvoice] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()
    product = relationship("Product")


class SalesReturn(db.Model):
    """Goods back from the customer; its total is a credit note (红字) on the customer's balance."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Credit for the part that had been invoiced; goods returned before invoicing are just not billed.
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    order: Mapped[SalesOrder] = relationship(back_populates="returns")
    customer = relationship("Customer")
    warehouse = relationship("Warehouse")
    user = relationship("User")
    lines: Mapped[list["SalesReturnLine"]] = relationship(back_populates="sales_return", order_by="SalesReturnLine.id",
                                                          cascade="all, delete-orphan")


class SalesReturnLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_return.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    unit_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=ZERO)  # the cost it left at
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    sales_return: Mapped[SalesReturn] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()
    product = relationship("Product")
