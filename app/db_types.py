"""Exact decimal columns: stored as scaled integers so SQLite and PostgreSQL agree to the cent."""
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator):
    """A Decimal with a fixed number of places, kept as an integer count of 10**-places units.

    SQLAlchemy's Numeric goes through float on SQLite; integers are exact on both engines and
    SUM() over them stays exact, so aggregate queries can run in the database.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int):
        super().__init__()
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        # Computed Decimals (sums, costs) are the app's own and only rounded; typed input went through to_decimal.
        number = value.quantize(self.quantum, ROUND_HALF_UP) if isinstance(value, Decimal) else to_decimal(value, self.places)
        return int(number.scaleb(self.places))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places).quantize(self.quantum)

    def coerce_compared_value(self, op, value):
        return self


def to_decimal(value, places: int) -> Decimal:
    """Parse a number (plain digits as text, an int or a Decimal; never float) and round half-up to `places`."""
    from app.limits import parse_decimal  # the one strict pattern (Decimal() alone takes 1_000, ١٢, NaN, 1e400)
    return parse_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def Money():
    """Money: two places."""
    return ScaledDecimal(2)


def Quantity():
    """Quantities: three places."""
    return ScaledDecimal(3)


def Rate():
    """Percentages such as tax rates (13.00 means 13 %)."""
    return ScaledDecimal(2)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both engines (SQLite otherwise hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.db_types.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def business_today():
    """Today's date where the business is (settings.services.business_timezone): due dates and 'overdue' use it."""
    from app.settings.services import business_zone
    return utcnow().astimezone(business_zone()).date()


def enum_column(kind):
    """A str-enum column stored as its values (not names) in a plain VARCHAR on both engines."""
    from app.extensions import db
    return db.Enum(kind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])
