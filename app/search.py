"""Search as you type the way Chinese users search: by text, codes, full pinyin and initials (pgsjk, pingguo)."""
from sqlalchemy import and_


def haystack(name: str, *others: str) -> str:
    """One lower-case string holding `name`, its pinyin (joined and spaced) and initials, and `others`."""
    # pypinyin's tables are about 55 MB and 0.6 s to load: a worker loads them when it first saves a name,
    # not at start (searching compares stored haystacks and never needs them).
    from pypinyin import Style, lazy_pinyin
    syllables = lazy_pinyin(name or "", errors="ignore")
    initials = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="ignore")
    parts = [name, "".join(syllables), " ".join(syllables), "".join(initials), *others]
    return " ".join(p for p in parts if p).lower()


def narrow(query, column, text: str):
    """Keep rows whose haystack `column` holds every word of `text`."""
    words = (text or "").strip().lower().split()
    return query.where(and_(*[column.contains(word, autoescape=True) for word in words])) if words else query
