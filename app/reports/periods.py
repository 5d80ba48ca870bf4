"""The days a report covers: presets (today, this week, month, quarter, year) or typed from/to dates.

Every report reads its period here, so the screens, exports, PDFs and the API agree on what "this month"
means: the business calendar (settings.services.business_timezone), from the first day of the week/month/quarter/year up to today.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.db_types import business_today
from app.errors import BusinessRuleError
from app.limits import parse_date
from app.settings.services import business_zone

PRESETS = {"today": _l("Today"), "week": _l("This week"), "month": _l("This month"), "quarter": _l("This quarter"),
           "year": _l("This year")}
MAX_DAYS = 3660  # ten years: longer ranges are typing mistakes, and a by-day table of them is unreadable


@dataclass(frozen=True)
class Period:
    """Business-calendar days, both ends included."""
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one (what "compared with" means in every report)."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime, datetime]:
        """The instants (aware) where the first day starts and the day after the last starts, for timestamp columns."""
        zone = business_zone()
        return (datetime.combine(self.start, time(), tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone))

    def args(self) -> dict[str, str]:
        """The query arguments that select exactly this period (for links that keep it)."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def preset(name: str, today: date | None = None) -> Period:
    """A named period up to today: today, week (from Monday), month, quarter or year."""
    today = today or business_today()
    if name == "today":
        return Period(today, today)
    if name == "week":
        return Period(today - timedelta(days=today.weekday()), today)
    if name == "month":
        return Period(today.replace(day=1), today)
    if name == "quarter":
        return Period(today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today)
    if name == "year":
        return Period(today.replace(month=1, day=1), today)
    raise BusinessRuleError(_("Unknown period %(name)s.", name=name), field="period")


def _parse(value: str, field: str) -> date:
    return parse_date(value, field)  # within 2000..2099: a period's neighbours must be dates too


def period_from_args(args, default: str = "month") -> Period:
    """The period a request asks for: `from`/`to` dates (either may be left out) win over `period=`, else `default`.

    A missing `to` means today, a missing `from` the first day of the default preset's period ending then.
    Bad dates, reversed ends and absurd lengths are BusinessRuleErrors (the screen shows them, the API answers 422).
    """
    start_text, end_text = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not start_text and not end_text:
        return preset(args.get("period") or default)
    end = _parse(end_text, "to") if end_text else business_today()
    start = _parse(start_text, "from") if start_text else preset(default, end).start
    if start > end:
        raise BusinessRuleError(_("The start date is after the end date."), field="from")
    if (end - start).days >= MAX_DAYS:
        raise BusinessRuleError(_("Choose a period of at most ten years."), field="from")
    return Period(start, end)


def preset_of(period: Period, asked: str | None = None) -> str | None:
    """The preset name that gives exactly this period today, if any (so the filter shows it selected): the one
    `asked` for when it does (on a Monday "this week" is today too, and the week was asked for)."""
    names = ([asked] if asked in PRESETS else []) + list(PRESETS)
    return next((name for name in names if preset(name) == period), None)


def template_context() -> dict:
    """What reports/_layout.html needs to draw the preset links (registered for the reports blueprint)."""
    return {"report_presets": PRESETS, "report_preset_of": preset_of}
