"""What every request brings in, bounded before any view reads it: path ids, query and form values, JSON bodies.

Each class of bad input is stopped here once, not in the 110 places that read an id or a page:
- <int:...> in a path beyond an id's INTEGER column (2**31, 2**63, 10**30) is a 404, like any id that does not exist, and so
  is a path segment with NUL or another control character;
- `request.args.get(name, type=int)` and `request.form.get(..., type=int)` read plain ASCII digits only
  ('1_000' and '١٢' are not numbers), and a number beyond an id's range (limits.MAX_ID) is refused (422 naming the field);
  `page` is at most MAX_PAGE, so page x per_page is an OFFSET the database takes;
- query and form values lose NUL and the other characters no database stores;
- a JSON body nested deeper than MAX_JSON_DEPTH is not JSON to the app (400), never a RecursionError.
"""
import json
import re

from flask import Request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property
from werkzeug.routing import IntegerConverter, Rule, UnicodeConverter, ValidationError

from app.errors import BusinessRuleError
from app.limits import MAX_ID, MAX_PAGE, MIN_INT, clean_text, parse_int, unstorable

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)
MAX_JSON_DEPTH = 32  # the API's deepest body is three levels (an order, its lines, a line)


def digits_at_most(limit: int) -> str:
    """A regex of the ASCII whole numbers from 0 to `limit` (leading zeros allowed): the shorter numbers, then,
    digit by digit, those of the same length below `limit`, then `limit` itself."""
    text = str(limit)
    shorter = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    same_length = [f"{text[:place]}[0-{int(digit) - 1}][0-9]{{{len(text) - place - 1}}}"
                   for place, digit in enumerate(text) if digit != "0"]
    return "(?:" + "|".join(shorter + same_length + [text]) + ")"


class IdConverter(IntegerConverter):
    """<int:...> in plain ASCII digits, at most MAX_ID: beyond it the URL matches nothing (404).

    The bound is in the regex itself: a value the converter refused after matching made werkzeug answer
    405 for the other methods of the same path (PATCH /customers/9223372036854775808: 405, not 404).
    """

    regex = digits_at_most(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """<name> in a path without NUL or other control characters (PostgreSQL refuses NUL in text): 404 otherwise."""

    def to_python(self, value):
        if unstorable(value):
            raise ValidationError()  # this rule does not match: 404
        return value


class OutOfRange(BusinessRuleError):
    """A query or form value that is a whole number, but one no id or count can be."""


class CleanArgs(ImmutableMultiDict):
    """Query and form values without unstorable characters; `type=int` reads bounded ASCII whole numbers."""

    def __init__(self, mapping=None):
        if mapping is not None:  # pairs, a dict (of lists) or a MultiDict: every value of every key, cleaned
            mapping = [(key, clean_text(value) if isinstance(value, str) else value)
                       for key, value in MultiDict(mapping).items(multi=True)]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):
        if type is not int:
            return super().get(key, default=default, type=type)
        text = super().get(key)
        if text is None:
            return default
        text = text.strip()
        if not WHOLE_NUMBER.fullmatch(text):
            return default  # not a number at all: as before, the filter is left out
        if key == "page":  # every list's page number: past MAX_PAGE is past the end (an OFFSET must stay sane)
            return min(int(text), MAX_PAGE)
        try:
            return parse_int(text, MIN_INT, MAX_ID)
        except ValueError:
            raise OutOfRange(_("Must be a whole number from %(low)d to %(high)d.", low=MIN_INT, high=MAX_ID),
                             key) from None


class CleanValues(CombinedMultiDict):
    """request.values: args then form, each read through CleanArgs.get (werkzeug's own calls type() itself)."""

    def get(self, key, default=None, type=None):
        for values in self.dicts:
            if key in values:
                found = values.get(key, type=type)
                if found is not None:
                    return found
        return default


class JxcRequest(Request):
    parameter_storage_class = CleanArgs

    @cached_property
    def values(self) -> CleanValues:
        sources = [self.args] + ([self.form] if self.method != "GET" else [])
        return CleanValues(sources)


def _depth(data) -> int:
    """How deep a parsed JSON value nests (without recursion, so any depth can be measured)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return deepest


class JSONProvider(DefaultJSONProvider):
    """Reads JSON bodies at most MAX_JSON_DEPTH deep: deeper ones fail as malformed JSON does (a 400)."""

    def loads(self, s, **kwargs):
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return data


class LazyRule(Rule):
    """werkzeug's rule, with its two URL builders compiled on first use rather than when the rule is added.

    Compiling both builders of each of the app's 230 rules was nine tenths of create_app (130 ms of every start,
    and of every test's app), while a process builds URLs for few of them.
    """

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build(rule, *args, **kwargs):
            compiled = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, attribute, compiled)
            return compiled(*args, **kwargs)
        return build


def init_app(app) -> None:
    """Before any blueprint adds its rules: the converter is read when a rule is made."""
    app.url_rule_class = LazyRule
    app.request_class = JxcRequest
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.json = JSONProvider(app)
