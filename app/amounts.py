"""The pricing rule every document line uses, sales and purchasing alike, and the bounds of what it may come to."""
from decimal import ROUND_HALF_UP, Decimal

from app.limits import check_amount

CENT = Decimal("0.01")
ZERO = Decimal("0")


def line_amounts(qty: Decimal, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Net amount and tax of `qty` at `unit_price` less `discount_pct`, each rounded to the cent."""
    amount = (qty * unit_price * (100 - discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)
    return amount, (amount * tax_rate / 100).quantize(CENT, ROUND_HALF_UP)


def priced_line(qty: Decimal, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """line_amounts for a line being written: its amount tax included is kept within limits.AMOUNT (a
    BusinessRuleError on `qty` otherwise), since a quantity and a price each within bounds can still multiply
    to a line no report could sum. Invoices and returns take parts of such lines, so they stay within too."""
    check_amount(qty * unit_price, "qty")  # before discount too: reports multiply quantity by price and rate
    amount, tax = line_amounts(qty, unit_price, discount_pct, tax_rate)
    check_amount(amount + tax, "qty")
    return amount, tax


def document_totals(lines) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of priced lines; the total tax included is kept within limits.AMOUNT."""
    subtotal = sum((line.amount for line in lines), ZERO)
    tax = sum((line.tax for line in lines), ZERO)
    return subtotal, tax, check_amount(subtotal + tax, "qty")
