"""Quantities picked against a document's lines: what a delivery, receipt or return takes from each."""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from app.errors import BusinessRuleError
from app.formatting import number
from app.limits import QUANTITY, parse_number


@dataclass(frozen=True)
class QtyInput:
    line_id: int
    qty: object


def pick_quantities(order, lines: list[QtyInput], limit, too_many: str) -> list[tuple[object, Decimal]]:
    """Pair each input with its order line and check 0 < qty <= limit(line); lines with qty 0 are skipped."""
    by_id = {line.id: line for line in order.lines}
    picked = []
    for given in lines:
        line = by_id.get(given.line_id)
        if line is None:
            raise BusinessRuleError(_("This line is not on the order."), "lines")
        qty = parse_number(given.qty, QUANTITY, "lines")
        if qty > limit(line):
            raise BusinessRuleError(too_many % {"name": line.product.name, "qty": number(limit(line)),
                                                "unit": line.product.unit}, "lines")
        if qty:
            picked.append((line, qty))
    if not picked:
        raise BusinessRuleError(_("Enter a quantity on at least one line."), "lines")
    if len({line.id for line, _q in picked}) != len(picked):
        raise BusinessRuleError(_("Each line may appear once."), "lines")
    return picked
