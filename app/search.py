"""Search as you type the way Chinese users search: by text, codes, full pinyin and initials (pgsjk, pingguo)."""
from sqlalchemy import and_

from app import pinyin


def haystack(name: str, *others: str) -> str:
    """One lower-case string holding `name`, its pinyin (joined and spaced) and initials, and `others`."""
    syllables = pinyin.syllables(name or "", keep_others=False)
    initials = pinyin.initials(name or "")
    parts = [name, "".join(syllables), " ".join(syllables), "".join(initials), *others]
    return " ".join(p for p in parts if p).lower()


def narrow(query, column, text: str):
    """Keep rows whose haystack `column` holds every word of `text`."""
    words = (text or "").strip().lower().split()
    return query.where(and_(*[column.contains(word, autoescape=True) for word in words])) if words else query
