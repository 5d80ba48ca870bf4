"""Pinyin by pypinyin over our compact phrase table (app/pinyin.py): the same readings as pypinyin's full table, at a
fifth of its memory."""
import json

from app import pinyin

pypinyin = pinyin.loaded()  # before pypinyin's data modules below: importing pypinyin first would load its own table
from pypinyin.phrases_dict import phrases_dict  # noqa: E402
from pypinyin.pinyin_dict import pinyin_dict  # noqa: E402


def test_the_table_is_made_from_the_installed_pypinyin():
    """A pypinyin with other tables fails here: `python -m app.pinyin` makes app/pinyin_phrases.json again."""
    assert json.loads(pinyin.TABLE.read_text(encoding="utf-8")) == pinyin.phrases_that_matter(phrases_dict,
                                                                                                pinyin_dict)


def test_only_our_table_is_loaded():
    assert len(pypinyin.constants.PHRASES_DICT) == len(json.loads(pinyin.TABLE.read_text(encoding="utf-8")))
    assert len(pypinyin.constants.PHRASES_DICT) < len(phrases_dict) / 10


def test_every_phrase_of_the_full_table_reads_as_it_does_there():
    wrong = {phrase: pinyin.syllables(phrase) for phrase, readings in phrases_dict.items()
             if pinyin.syllables(phrase) != [pinyin.toneless(reading[0]) for reading in readings]}
    assert not wrong, list(wrong.items())[:10]


def test_names_read_as_a_chinese_user_says_them():
    assert pinyin.syllables("重庆银行") == ["chong", "qing", "yin", "hang"]
    assert pinyin.syllables("长沙市长") == ["chang", "sha", "shi", "zhang"]
    assert pinyin.syllables("人行道") == ["ren", "xing", "dao"]  # holds 人行 (renhang, the central bank), reads alone
    assert pinyin.syllables("绿林好汉") == ["lu", "lin", "hao", "han"] and pinyin.syllables("绿茶") == ["lv", "cha"]
    assert pinyin.initials("深圳果果贸易有限公司") == list("szggmyyxgs")
    assert pinyin.syllables("Tom 王") == ["Tom ", "wang"] and pinyin.syllables("Tom 王", keep_others=False) == ["wang"]
