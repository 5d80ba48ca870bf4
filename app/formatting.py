"""Locale-aware display of money, numbers and dates: one filter for each."""
from decimal import Decimal

from flask_babel import format_datetime, format_decimal, get_locale

CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€", "JPY": "¥"}


def money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    from app.settings.services import company
    code = currency or company().currency
    symbol = CURRENCY_SYMBOLS.get(code, code + " ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{format_decimal(abs(value), format='#,##0.00')}"


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.###")


def datetime_(value, format: str = "short") -> str:
    return "" if value is None else format_datetime(value, format)


def html_lang() -> str:
    """zh-CN or en: language and territory, without Babel's script subtag (zh_Hans_CN)."""
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def register_filters(app):
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(datetime_, "datetime")
    app.add_template_global(html_lang)
