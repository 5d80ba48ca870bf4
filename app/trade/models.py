"""Columns and local rules that sales and purchasing documents share, as mixins: each side keeps its own tables.

A mixin holds what is the same on both sides (the columns, their types and defaults, the relationships to
products, warehouses and users, the pricing and counter rules); a model adds its partner, its order and its
own extras (`class SalesInvoice(trade.Invoice, db.Model)`). `moved_qty` is what left or came in: delivered on a
sales line, received on a purchase line.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.amounts import ZERO, document_totals, line_amounts, priced_line
from app.db_types import Money, Quantity, Rate, ScaledDecimal, UTCDateTime, enum_column, utcnow
from app.trade.settlement import InvoiceStatus, Settled


def _product(index: bool = False):
    return mapped_column(ForeignKey("product.id"), index=index)


def _user():
    return mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class _WithProduct:
    @declared_attr
    def product(cls):
        return relationship("Product")


class _WithWarehouseAndUser:
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    user_id: Mapped[int | None] = _user()

    @declared_attr
    def warehouse(cls):
        return relationship("Warehouse")

    @declared_attr
    def user(cls):
        return relationship("User")


class AddsUp:
    """A document whose subtotal, tax and total are its lines' amounts and taxes added up."""

    def add_up(self) -> None:
        self.subtotal = sum((line.amount for line in self.lines), ZERO)
        self.tax = sum((line.tax for line in self.lines), ZERO)
        self.total = self.subtotal + self.tax


# Orders ---------------------------------------------------------------------------------------------------

class Order:
    """An order to a customer or from a supplier: its totals follow its priced lines."""

    number: Mapped[str] = mapped_column(String(30), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def warehouse(cls):
        return relationship("Warehouse")

    def recompute_totals(self):
        self.subtotal, self.tax, self.total = document_totals(self.lines)


class PricedLine:
    """qty × unit_price less discount_pct (purchase lines have none), then tax at tax_rate, each to the cent."""

    TERMS = ("unit_price", "tax_rate")  # what a person may set on the line besides its quantity

    @property
    def discount(self) -> Decimal:
        return getattr(self, "discount_pct", ZERO)

    def amounts(self, qty: Decimal) -> tuple[Decimal, Decimal]:
        """Net amount and tax of `qty` of this line at its terms."""
        return line_amounts(qty, self.unit_price, self.discount, self.tax_rate)

    def price(self):
        self.amount, self.tax = priced_line(self.qty, self.unit_price, self.discount, self.tax_rate)

    def terms(self) -> dict:
        return {name: getattr(self, name) for name in self.TERMS}


class OrderLine(_WithProduct, PricedLine):
    """An order line with running totals of what happened to it, written in the transaction of each document."""

    product_id: Mapped[int] = _product(index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())  # before tax and discount
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # net of discount, before tax
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    invoiced_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    returned_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    # Invoiced quantity later returned: credited on a credit note instead of invoiced again.
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    # moved_qty, what was delivered or received, is a property of each side's line.

    @property
    def returnable(self) -> Decimal:
        return self.moved_qty - self.returned_qty

    @property
    def invoiceable(self) -> Decimal:
        """Delivered or received, kept, and not yet invoiced."""
        return (self.moved_qty - self.returned_qty) - (self.invoiced_qty - self.credited_qty)

    def take_back(self, qty: Decimal) -> Decimal:
        """Count `qty` as returned and give the quantity to credit: invoiced (net of credits) is kept no higher
        than what the partner keeps, the excess is credited."""
        self.returned_qty += qty
        credit = max(ZERO, (self.invoiced_qty - self.credited_qty) - (self.moved_qty - self.returned_qty))
        self.credited_qty += credit
        return credit


# Deliveries and receipts ----------------------------------------------------------------------------------

class StockDocument(_WithWarehouseAndUser):
    """Goods out (a delivery) or in (a receipt) against an order."""

    notes: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StockLine(_WithProduct):
    product_id: Mapped[int] = _product()
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=ZERO)


# Invoices -------------------------------------------------------------------------------------------------

class Invoice(Settled, AddsUp):
    """An invoice of an order's goods, or an opening balance (`opening`: no order, no lines) from before JXC."""

    number: Mapped[str] = mapped_column(String(30), unique=True)
    opening: Mapped[bool] = mapped_column(default=False, server_default=false())
    notes: Mapped[str] = mapped_column(String(200), default="", server_default="")
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # payments allocated to it
    credited: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # credit notes (returns) allocated to it
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus), default=InvoiceStatus.OPEN, index=True)
    user_id: Mapped[int | None] = _user()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def user(cls):
        return relationship("User")


class InvoiceLine(_WithProduct):
    product_id: Mapped[int] = _product()
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())

    @classmethod
    def billing(cls, line: OrderLine, qty: Decimal):
        """A line invoicing `qty` of an order line, at its terms."""
        amount, tax = line.amounts(qty)
        return cls(order_line=line, product_id=line.product_id, qty=qty, amount=amount, tax=tax, **line.terms())


# Returns --------------------------------------------------------------------------------------------------

class Return(_WithWarehouseAndUser, AddsUp):
    """Goods back from a customer or to a supplier; its total credits what had been invoiced."""

    number: Mapped[str] = mapped_column(String(30), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReturnLine(StockLine):
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    @classmethod
    def taking_back(cls, line: OrderLine, qty: Decimal, unit_cost: Decimal):
        """A line returning `qty` of an order line at `unit_cost`, crediting what had been invoiced of it."""
        credit = line.take_back(qty)
        amount, tax = line.amounts(credit)
        return cls(order_line=line, product_id=line.product_id, qty=qty, credited_qty=credit, unit_cost=unit_cost,
                   amount=amount, tax=tax)
