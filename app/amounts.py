"""The pricing rule every document line uses, sales and purchasing alike."""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def line_amounts(qty: Decimal, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Net amount and tax of `qty` at `unit_price` less `discount_pct`, each rounded to the cent."""
    amount = (qty * unit_price * (100 - discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)
    return amount, (amount * tax_rate / 100).quantize(CENT, ROUND_HALF_UP)
