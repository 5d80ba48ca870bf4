"""The months a statement covers: a month, a quarter or a year, named by a month in it, and the period before.

The books are kept by month (vouchers carry their period, the month totals are per month), so statements and
ledgers cover whole months; `?grain=quarter&month=2026-11` is the fourth quarter of 2026.
"""
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.db_types import business_today
from app.errors import BusinessRuleError

GRAINS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")}
SPAN = {"month": 1, "quarter": 3, "year": 12}
_MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Months:
    """`count` whole months from `year`-`month`, chosen as a month, quarter or year (`grain`)."""

    grain: str
    year: int
    month: int  # the first month
    count: int

    def _at(self, n: int) -> str:
        year, month = _shift(self.year, self.month, n)
        return f"{year:04d}-{month:02d}"

    @property
    def first(self) -> str:
        return self._at(0)

    @property
    def last(self) -> str:
        return self._at(self.count - 1)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        year, month = _shift(self.year, self.month, self.count - 1)
        return date(year, month, monthrange(year, month)[1])

    def periods(self) -> list[str]:
        return [self._at(n) for n in range(self.count)]

    def previous(self) -> "Months":
        return Months(self.grain, *_shift(self.year, self.month, -self.count), self.count)

    def following(self) -> "Months":
        return Months(self.grain, *_shift(self.year, self.month, self.count), self.count)

    def year_to_date(self) -> "Months | None":
        """January to the end of these months (本年累计), when that is more than these months."""
        if self.month == 1:
            return None
        return Months("year", self.year, 1, self.month - 1 + self.count)

    @property
    def label(self) -> str:
        if self.grain == "year":
            return str(self.year)
        if self.grain == "quarter":
            return _("%(year)s Q%(quarter)s", year=self.year, quarter=(self.month - 1) // 3 + 1)
        return self.first

    def args(self) -> dict[str, str]:
        return {"grain": self.grain, "month": self.first}


def months_of(grain: str, day: date) -> Months:
    """The month, quarter or year `day` is in."""
    if grain not in GRAINS:
        raise BusinessRuleError(_("Choose a month, a quarter or a year."), "grain")
    first = {"month": day.month, "quarter": (day.month - 1) // 3 * 3 + 1, "year": 1}[grain]
    return Months(grain, day.year, first, SPAN[grain])


def months_from_args(args, default: str = "month") -> Months:
    """`grain` (month, quarter, year) and `month` ("2026-11", default this month) of a request."""
    grain = (args.get("grain") or default).strip()
    text = (args.get("month") or "").strip()
    if not text:
        return months_of(grain, business_today())
    found = _MONTH.match(text)
    if not found:
        raise BusinessRuleError(_("Choose a month (such as 2026-11)."), "month")
    return months_of(grain, date(int(found[1]), int(found[2]), 1))
