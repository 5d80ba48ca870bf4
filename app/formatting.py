"""Locale-aware display of money, numbers and dates: one filter for each; and 大写 amounts for documents."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.settings.services import company

CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€", "JPY": "¥"}


def money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    code = currency or company().currency
    symbol = CURRENCY_SYMBOLS.get(code, code + " ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{format_decimal(abs(value), format='#,##0.00')}"


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.###")


def plain(value: Decimal | None) -> str:
    """A number as an input's value, the way people type it: 5 not 5.000, 12.5 not 1.25E+1."""
    return "" if value is None else f"{value.normalize():f}"


def datetime_(value, format: str = "short") -> str:
    return "" if value is None else format_datetime(value, format)


def date_(value: date | None, format: str = "medium") -> str:
    """A calendar date (an invoice's due date): no time zone conversion, unlike `datetime`."""
    return "" if value is None else format_date(value, format)


DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
WAN, YI = 10 ** 4, 10 ** 8


def _below_wan(n: int) -> str:
    """1-9999 in capitals; inner zeros collapse to one 零, trailing ones are dropped (壹仟零伍, 壹仟伍佰)."""
    out, zero = [], False
    for digit, place in zip(f"{n:04d}", PLACES):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[int(digit)] + place)
    return "".join(out)


def _integer_words(n: int) -> str:
    """A positive whole number in capitals, grouped by 万 and 亿: 壹万亿零壹万, 壹亿零壹, 贰拾万零伍."""
    for size, unit in ((YI, "亿"), (WAN, "万")):
        if n >= size:
            high, low = divmod(n, size)
            # A lower group that does not fill its top place is read after a 零: 壹万零伍佰, not 壹万伍佰.
            gap = "零" if 0 < low < size // 10 else ""
            return _integer_words(high) + unit + gap + (_integer_words(low) if low else "")
    return _below_wan(n)


def amount_in_words_zh(value: Decimal | None) -> str:
    """An amount in 人民币 capitals (大写金额) by the banks' rules: 1005.07 -> 壹仟零伍元零柒分, 100 -> 壹佰元整.

    Rounded to the fen; 整 only after 元; 零 before a 分 that follows whole 元 without 角.
    """
    if value is None:
        return ""
    cents = int(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP) * 100)
    if abs(cents) >= 10 ** 18:  # past 9999万亿 the banks' units run out
        raise ValueError(f"amount too large for capitals: {value}")
    sign = "负" if cents < 0 else ""
    yuan, rest = divmod(abs(cents), 100)
    jiao, fen = divmod(rest, 10)
    if not yuan and not rest:
        return "零元整"
    words = _integer_words(yuan) + "元" if yuan else ""
    if not rest:
        return sign + words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return sign + words


def html_lang() -> str:
    """zh-CN or en: language and territory, without Babel's script subtag (zh_Hans_CN)."""
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def colon(label) -> str:
    """A label followed by its language's colon: 客户：(full width, no space) or Customer: ."""
    locale = get_locale()
    return f"{label}：" if locale is None or locale.language == "zh" else f"{label}: "


def register_filters(app):
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(datetime_, "datetime")
    app.add_template_global(plain)
    app.add_template_filter(date_, "date")
    app.add_template_filter(amount_in_words_zh, "amount_words")
    app.add_template_global(html_lang)
    app.add_template_filter(colon, "colon")
