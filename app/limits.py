"""The bounds of what a user may type, in one place: numbers, ids, dates and text.

Money and quantities are stored as scaled 64-bit integers (app.db_types.ScaledDecimal), and reports sum them in
the database. One absurd price (4e16) made SQLite's SUM overflow and took every report down, so every amount a
user types is parsed by one strict pattern and checked against the bounds below; docs/limits.md shows the
arithmetic that keeps every sum a report makes inside 2^63.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from app.errors import BusinessRuleError

ZERO = Decimal("0")

# ---- numbers ------------------------------------------------------------------------------------------------------

# Plain ASCII digits, an optional sign and decimal point: Decimal() alone also takes "1_000", full-width and
# Arabic-Indic digits, NaN, Infinity and 1e400 (and quantize then fails).
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
MAX_NUMBER_TEXT = 40      # characters: 18 digits, a point and more places than any column keeps, with room to spare
MAX_MAGNITUDE = 10 ** 15  # nothing a user may type is near this; far below what 64-bit scaled columns hold


def parse_decimal(value) -> Decimal:
    """A finite Decimal from a string of plain digits, an int or a Decimal (never a float); ValueError otherwise."""
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or quantities")
    if isinstance(value, bool):
        raise TypeError("true/false is not a number")
    if isinstance(value, int):
        number = Decimal(value) if abs(value) < MAX_MAGNITUDE else None
    elif isinstance(value, Decimal):
        number = value if value.is_finite() and abs(value) < MAX_MAGNITUDE else None
    else:
        text = str(value).strip()
        number = Decimal(text) if len(text) <= MAX_NUMBER_TEXT and NUMBER.fullmatch(text) else None
    if number is None:
        raise ValueError(f"not a number within range: {str(value)[:50]!r}")
    return number


@dataclass(frozen=True)
class Limit:
    """The places and the range a kind of number is kept to; `minimum`/`maximum` are what the OpenAPI shows."""

    places: int
    high: Decimal
    low: Decimal = ZERO

    @property
    def minimum(self) -> str:
        return f"{self.low:.{self.places}f}"

    @property
    def maximum(self) -> str:
        return f"{self.high:.{self.places}f}"

    def parse(self, value) -> Decimal:
        """The number rounded to its places and within range; ValueError with a message for people."""
        from app.db_types import to_decimal
        try:
            number = to_decimal(value, self.places)
        except (TypeError, ValueError):
            raise ValueError(_("Enter a number.")) from None
        if number < self.low and self.low == ZERO:
            raise ValueError(_("Cannot be negative."))
        if not self.low <= number <= self.high:
            raise ValueError(_("Enter a number from %(low)s to %(high)s.", low=self.minimum, high=self.maximum))
        return number


# The bounds (docs/limits.md has the overflow arithmetic behind them).
PRICE = Limit(2, Decimal(100_000_000))                # a unit price: sale, wholesale, purchase, a line's price
COST = Limit(4, Decimal(100_000_000))                 # a unit cost (4 places)
QUANTITY = Limit(3, Decimal(10_000_000))              # a line's or a move's quantity, stock minimum/maximum
SIGNED_QUANTITY = Limit(3, Decimal(10_000_000), Decimal(-10_000_000))  # adjustments: + found, - lost
AMOUNT = Limit(2, Decimal(1_000_000_000))             # a line or a document, a receipt or payment, a credit limit
PERCENT = Limit(2, Decimal(100))                      # discounts, tax rates, tolerances


def parse_number(value, limit: Limit, field: str) -> Decimal:
    """A typed number within `limit`, or a BusinessRuleError naming `field` (the service layer's one parser)."""
    try:
        return limit.parse(value)
    except ValueError as error:
        raise BusinessRuleError(str(error), field) from None


def check_amount(amount: Decimal, field: str) -> Decimal:
    """A computed amount (a line, a document's total) within AMOUNT, or a BusinessRuleError naming `field`."""
    if abs(amount) > AMOUNT.high:
        raise BusinessRuleError(_("This comes to %(amount)s, over the limit of %(high)s for one line or document.",
                                  amount=f"{amount:,.2f}", high=f"{AMOUNT.high:,.2f}"), field)
    return amount


# ---- ids and page numbers -----------------------------------------------------------------------------------------

# Ids are INTEGER columns: 32-bit on PostgreSQL, whose driver answers "integer out of range" (a 500) to an id of
# 2**31 or more (schemathesis found it on every id in a path, a query and a body); SQLite's are 64-bit.
MAX_ID = 2 ** 31 - 1
MIN_INT = -(2 ** 31)
MAX_PAGE = 1_000_000  # page x per_page must stay a sane OFFSET
DIGITS = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)  # then compared with the bounds


def parse_int(text, low: int = MIN_INT, high: int = MAX_ID) -> int:
    """An integer typed in plain ASCII digits within [low, high]; ValueError otherwise (int() takes '1_000', '١')."""
    text = str(text).strip()
    if not DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError(f"not a whole number from {low} to {high}")
    return int(text)


def page_arg(args, name: str = "page") -> int:
    """A screen's page number: 1 when missing or not a number, at most MAX_PAGE (past the end shows nothing)."""
    try:
        return min(max(parse_int(args.get(name, "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


# ---- dates --------------------------------------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_date(text, field: str) -> date:
    """A date typed as YYYY-MM-DD between FIRST_DAY and LAST_DAY; BusinessRuleError naming `field` otherwise.

    Reports step a day or a period beyond the dates they are given, and date.max + 1 day is an OverflowError.
    """
    text = str(text or "").strip()
    try:
        day = date.fromisoformat(text) if ISO_DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise BusinessRuleError(_("Enter a date as YYYY-MM-DD."), field)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BusinessRuleError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                  last=LAST_DAY.isoformat()), field)
    return day


def optional_date(text) -> date | None:
    """A filter's date: None when missing or not a date in range (a list then shows everything)."""
    try:
        return parse_date(text, "date") if (text or "").strip() else None
    except BusinessRuleError:
        return None


# ---- text ---------------------------------------------------------------------------------------------------------

# NUL (PostgreSQL refuses it in text), the other C0 controls but tab and newlines, and lone surrogates (JSON can
# carry "\ud800"; no database can store it as UTF-8).
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def clean_text(text: str) -> str:
    """The text without characters no database stores (for form fields and query strings, which are cleaned quietly)."""
    return UNSTORABLE.sub("", text)


def unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def normalise_code(text: str) -> str:
    """A SKU or barcode as stored and compared: NFKC (full-width ＡＢ１ is AB1), no zero-width characters, trimmed."""
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", clean_text(text or ""))).strip()
