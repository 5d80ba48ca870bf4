"""Pinyin of names (search haystacks, proposed usernames, the bookkeeper's account names), by pypinyin with a compact
phrase table.

pypinyin's own phrase table (47,000 phrases) and the copies it keeps cost a worker 55 MB the first time it saves a
name. Most phrases read as their characters do one by one; what the table is for are the 3,400 that read otherwise
(重庆 chongqing, 银行 yinhang), plus the 100 longer ones holding one of those (人行道 renxingdao, not ren hang dao:
segmenting must still find them first). pinyin_phrases.json holds just these, made from the installed pypinyin's
tables by `python -m app.pinyin`; over the character table alone they cost 13 MB and read every phrase of the full
table as it does (tests/test_pinyin.py checks both, so a new pypinyin that changes its tables fails there).
"""
import json
import os
import unicodedata
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("pinyin_phrases.json")


@cache
def loaded():
    """pypinyin over its character table and ours, set up on first use: searching compares stored haystacks and
    never needs it, so a worker that saves no name never loads it."""
    # Read by pypinyin when it is imported: no phrase table of its own, and no copy of the character table.
    os.environ["PYPINYIN_NO_PHRASES"] = "true"
    os.environ["PYPINYIN_NO_DICT_COPY"] = "true"
    import pypinyin
    pypinyin.load_phrases_dict(json.loads(TABLE.read_text(encoding="utf-8")))
    return pypinyin


def syllables(text: str, keep_others: bool = True) -> list[str]:
    """One syllable per Chinese character, without tones (重庆银行 -> chong qing yin hang); runs of anything else as
    they are, or dropped without `keep_others`."""
    return loaded().lazy_pinyin(text, errors="default" if keep_others else "ignore")


def initials(text: str) -> list[str]:
    """The first letter of each syllable (重庆银行 -> c q y h); anything else dropped."""
    pypinyin = loaded()
    return pypinyin.lazy_pinyin(text, style=pypinyin.Style.FIRST_LETTER, errors="ignore")


def toneless(reading: str) -> str:
    """A reading as pypinyin's default style gives it: no tone marks, ü as v (lǜ -> lv)."""
    reading = reading.translate(str.maketrans("üǖǘǚǜ", "vvvvv"))
    return "".join(c for c in unicodedata.normalize("NFD", reading) if unicodedata.category(c) != "Mn")


def phrases_that_matter(phrases: dict[str, list[list[str]]], characters: dict[int, str]) -> dict:
    """Of pypinyin's phrase table, the phrases read otherwise than their characters' first readings (tones aside),
    and the longer phrases holding one of those."""
    def alone(character):
        reading = characters.get(ord(character))
        return toneless(reading.split(",")[0]) if reading else None

    differing = {phrase: readings for phrase, readings in phrases.items()
                 if [toneless(r[0]) for r in readings] != [alone(c) for c in phrase]}
    lengths = {len(phrase) for phrase in differing}
    holding = {phrase: readings for phrase, readings in phrases.items() if phrase not in differing
               and any(phrase[i:i + n] in differing for n in lengths if n < len(phrase)
                       for i in range(len(phrase) - n + 1))}
    return dict(sorted({**differing, **holding}.items()))


if __name__ == "__main__":  # python -m app.pinyin: pinyin_phrases.json again, from the installed pypinyin's tables
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict
    kept = phrases_that_matter(phrases_dict, pinyin_dict)
    TABLE.write_text(json.dumps(kept, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TABLE}: {len(kept)} of {len(phrases_dict)} phrases")
