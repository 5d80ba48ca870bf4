"""Sales documents: orders and their deliveries (出库), invoices and returns (退货).

An order line keeps running totals of what happened to it (delivered, invoiced, returned,
credited), written only by app.sales.services in the transaction that makes the document, so
lists and rules read one row instead of summing documents. `flask check` proves them against the
documents.
"""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.amounts import CENT, ZERO, document_totals, line_amounts, priced_line  # noqa: F401  (re-exported for sales code)
from app.db_types import Money, Quantity, Rate, enum_column
from app.extensions import db
from app.trade import models as trade
from app.trade.settlement import INVOICE_STATUS_LABELS, InvoiceStatus, Settled, spread  # noqa: F401  (moved: app.trade)
from app.trade.status import Flow, TradeStatus, describe


class OrderStatus(TradeStatus):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"

    holds_reservation = can_deliver = TradeStatus.in_progress


describe(OrderStatus, Flow(OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED,
                          OrderStatus.DELIVERED, OrderStatus.INVOICED, OrderStatus.PAID, OrderStatus.CANCELLED), {
    OrderStatus.PARTIALLY_DELIVERED: _l("Partially delivered"), OrderStatus.DELIVERED: _l("Delivered"),
    OrderStatus.INVOICED: _l("Billed"), OrderStatus.PAID: _l("Paid")})


class SalesOrder(trade.Order, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), default=OrderStatus.DRAFT, index=True)
    over_limit_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The key of an order taken offline (app/sales/offline.py): unique for ever, because a phone may replay it
    # days later, long after its idempotency record (24 h) is gone.
    client_key: Mapped[str | None] = mapped_column(String(100))

    customer = relationship("Customer")
    salesperson = relationship("User", foreign_keys=[salesperson_id])
    over_limit_approved_by = relationship("User", foreign_keys=[over_limit_approved_by_id])
    lines: Mapped[list["SalesOrderLine"]] = relationship(back_populates="order", order_by="SalesOrderLine.id",
                                                         cascade="all, delete-orphan")
    deliveries: Mapped[list["SalesDelivery"]] = relationship(back_populates="order", order_by="SalesDelivery.id")
    invoices: Mapped[list["SalesInvoice"]] = relationship(back_populates="order", order_by="SalesInvoice.id")
    returns: Mapped[list["SalesReturn"]] = relationship(back_populates="order", order_by="SalesReturn.id")

    __table_args__ = (Index("ix_sales_order_salesperson_created", "salesperson_id", "created_at"),
                      Index("ux_sales_order_client_key", "client_key", unique=True))

    @property
    def uninvoiced_total(self) -> Decimal:
        """What this order will still bill, tax included: its lines not yet delivered-and-invoiced, less returns."""
        return sum((sum(line.amounts(line.qty - line.returned_qty - line.invoiced_qty + line.credited_qty), ZERO)
                    for line in self.lines), ZERO)


class SalesOrderLine(trade.OrderLine, db.Model):
    TERMS = ("unit_price", "discount_pct", "tax_rate")

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    list_price: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # the customer's price level when added
    discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    delivered_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")

    @property
    def moved_qty(self) -> Decimal:
        return self.delivered_qty

    @property
    def to_deliver(self) -> Decimal:
        return self.qty - self.delivered_qty

    @property
    def net_price(self) -> Decimal:
        return net_price(self.unit_price, self.discount_pct)


def net_price(unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """A unit price less a line discount, to the cent: what the customer pays a unit before tax."""
    return (unit_price * (100 - discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)


class SalesDelivery(trade.StockDocument, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)

    order: Mapped[SalesOrder] = relationship(back_populates="deliveries")
    lines: Mapped[list["SalesDeliveryLine"]] = relationship(back_populates="delivery", order_by="SalesDeliveryLine.id",
                                                            cascade="all, delete-orphan")


class SalesDeliveryLine(trade.StockLine, db.Model):
    """unit_cost: the average cost when the goods left."""

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("sales_delivery.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)

    delivery: Mapped[SalesDelivery] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()


class SalesInvoice(trade.Invoice, db.Model):
    """An invoice of an order's goods, or an opening receivable (期初应收: `opening`, no order, no lines) carried over
    from the books before JXC, with the customer's old document number in `reference`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    reference: Mapped[str] = mapped_column(String(50), default="", server_default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)

    order: Mapped[SalesOrder | None] = relationship(back_populates="invoices")
    customer = relationship("Customer")
    lines: Mapped[list["SalesInvoiceLine"]] = relationship(back_populates="invoice", order_by="SalesInvoiceLine.id",
                                                           cascade="all, delete-orphan")


class SalesInvoiceLine(trade.InvoiceLine, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)

    invoice: Mapped[SalesInvoice] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()


class SalesReturn(trade.Return, db.Model):
    """Goods back from the customer; its total is a credit note (红字) on the customer's balance: credit for the part
    that had been invoiced (goods returned before invoicing are just not billed)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)

    order: Mapped[SalesOrder] = relationship(back_populates="returns")
    customer = relationship("Customer")
    lines: Mapped[list["SalesReturnLine"]] = relationship(back_populates="sales_return", order_by="SalesReturnLine.id",
                                                          cascade="all, delete-orphan")


class SalesReturnLine(trade.ReturnLine, db.Model):
    """unit_cost: the cost the goods left at."""

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_return.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)

    sales_return: Mapped[SalesReturn] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()
