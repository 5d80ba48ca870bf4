"""Sales facts (销售明细事实表): one row per invoice line (+) and per credited return line (−).

Written by app.sales.fulfilment in the same transaction as the invoice or return, never updated afterwards, so
the sales reports and the dashboard sum one narrow, indexed table instead of joining orders, invoices, returns
and deliveries. Cost is a snapshot of what the goods left the warehouse at: margins never move when purchase
prices change later. `flask check` proves the facts against their documents.
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import Money, Quantity
from app.extensions import db


class SalesFact(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # the business day of the invoice or the return
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id", ondelete="CASCADE"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("sales_return.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))  # the order's
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())      # signed: returns are negative
    revenue: Mapped[Decimal] = mapped_column(Money())     # signed, net of discount, before tax
    cost: Mapped[Decimal] = mapped_column(Money())        # signed: qty x the unit cost the goods left at

    # Every report filters on day first, and the day index carries every column they sum or group by, so a
    # period is read from the index alone; the pairs serve "one product / customer / salesperson over time".
    __table_args__ = (
        Index("ix_sales_fact_day_cover", "day", "product_id", "customer_id", "salesperson_id", "qty", "revenue",
              "cost"),
        Index("ix_sales_fact_product_day", "product_id", "day"),
        Index("ix_sales_fact_customer_day", "customer_id", "day"),
        Index("ix_sales_fact_salesperson_day", "salesperson_id", "day"),
        Index("ix_sales_fact_invoice_id", "invoice_id"),
        Index("ix_sales_fact_return_id", "return_id"),
    )
