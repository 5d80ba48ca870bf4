"""Declared request and response shapes, each declared once: it validates input, writes the OpenAPI document and
dumps the JSON of a response (with the keys the viewer's role may not see left out)."""
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from app.db_types import to_decimal
from app.errors import BusinessRuleError
from app.limits import MAX_ID, MAX_MAGNITUDE, MAX_NUMBER_TEXT, MIN_INT, Limit, parse_date, unstorable

# YYYY-MM-DD from 2000-01-01 to 2099-12-31, the dates app.limits.parse_date accepts (reports step beyond the
# dates they are given); `format: date` then rules out 2026-02-30.
DATE_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}


class ValidationFailed(BusinessRuleError):
    """Several fields failed; `errors` maps each to its messages."""

    def __init__(self, errors: dict):
        super().__init__(_("Some fields are not valid."))
        self._errors = errors

    @property
    def errors(self):
        return self._errors


class Field:
    """One value of a shape.

    For a response: `source` is where dump() reads it (an attribute or key name, a dotted path through relations,
    or a function of the object; by default the field's own name), `visible` a function of the viewer (the user)
    saying whether their role sees it at all (sees_cost, sees_sale_price), and `when` a function of the object
    saying whether it has it (else the key is left out, as for a role that may not see it).
    """
    openapi: dict = {}

    def __init__(self, required=False, nullable=False, description="", source: str | Callable | None = None,
                 visible: Callable | None = None, when: Callable | None = None):
        self.required = required
        self.nullable = nullable
        self.description = description
        self.source, self.visible, self.when = source, visible, when

    def parse(self, value):
        return value

    def out(self, value, viewer=None):
        """The value as JSON: dates and times in ISO 8601, the rest as they are."""
        return value.isoformat() if isinstance(value, (date, datetime)) else value

    def schema(self, incoming: bool = False) -> dict:
        """The field's JSON Schema for a value (null aside: see document()); `incoming` for what a request may send."""
        schema = dict(self.openapi)
        if self.description:
            schema["description"] = self.description
        return schema

    def document(self, incoming: bool = False) -> dict:
        """schema(), with null allowed for a nullable field (3.1 has no `nullable`: null is one of the types)."""
        schema = self.schema(incoming)
        return or_null(schema) if self.nullable else schema


class String(Field):
    def __init__(self, min_length=0, max_length=None, **kw):
        super().__init__(**kw)
        self.min_length, self.max_length = min_length, max_length

    def parse(self, value):
        if not isinstance(value, str):
            raise ValueError(_("Must be text."))
        if unstorable(value):  # NUL, control characters, lone surrogates ("\ud800"): no database stores them
            raise ValueError(_("Contains characters that cannot be stored (control characters or a broken character)."))
        value = value.strip()
        if len(value) < self.min_length:
            raise ValueError(_("Use at least %(n)d characters.", n=self.min_length) if self.min_length > 1
                             else _("Required."))
        if self.max_length and len(value) > self.max_length:
            raise ValueError(_("At most %(n)d characters.", n=self.max_length))
        return value

    def schema(self, incoming=False):
        schema = {"type": "string", **super().schema(incoming)}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length:
            schema["maxLength"] = self.max_length
        if incoming:  # no control characters; blanks around are trimmed, so a required text needs one non-blank
            schema["pattern"] = TEXT_PATTERN if self.min_length else OPTIONAL_TEXT_PATTERN
        return schema


class Integer(Field):
    """A whole number; by default an id's range (limits.MAX_ID), so 2**31, 2**63 and 10**30 never reach a query.

    `minimum`/`maximum` are the bounds parse() keeps to, for the OpenAPI document to show.
    """
    openapi = {"type": "integer"}

    def __init__(self, minimum: int = MIN_INT, maximum: int = MAX_ID, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def schema(self, incoming=False):
        schema = super().schema(incoming)
        for bound in ("minimum", "maximum"):  # the range parse() keeps to, where the field has one
            if getattr(self, bound, None) is not None:
                schema[bound] = getattr(self, bound)
        return schema

    def parse(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("Must be a whole number."))
        if not self.minimum <= value <= self.maximum:
            raise ValueError(_("Must be a whole number from %(low)d to %(high)d.", low=self.minimum, high=self.maximum))
        return value


class Boolean(Field):
    openapi = {"type": "boolean"}

    def parse(self, value):
        if not isinstance(value, bool):
            raise ValueError(_("Must be true or false."))
        return value


class Choice(Field):
    def __init__(self, values, **kw):
        super().__init__(**kw)
        self.values = [getattr(v, "value", v) for v in values]

    def parse(self, value):
        if value not in self.values:
            raise ValueError(_("Must be one of: %(values)s.", values=", ".join(self.values)))
        return value

    def out(self, value, viewer=None):
        return getattr(value, "value", value)  # an enum member goes out as its value

    def schema(self, incoming=False):
        return {"type": "string", "enum": self.values, **super().schema(incoming)}


class DecimalString(Field):
    """Money or quantity: a decimal string out; a string or JSON number in, never via float.

    With a `limit` (app.limits: PRICE, QUANTITY, AMOUNT, PERCENT...) input is kept to its range, and
    `minimum`/`maximum` (decimal strings) say so for the OpenAPI document; the services check the same bounds.
    """

    def __init__(self, places: int, limit: Limit | None = None, **kw):
        super().__init__(**kw)
        self.places, self.limit = places, limit
        self.minimum = limit.minimum if limit else None
        self.maximum = limit.maximum if limit else None

    def out(self, value, viewer=None):
        return decimal_str(value, self.places)

    def parse(self, value):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValueError(_("Must be a number."))
        if self.limit is not None:
            return self.limit.parse(value)
        try:
            return to_decimal(value, self.places)
        except (TypeError, ValueError):
            raise ValueError(_("Must be a number.")) from None

    def schema(self, incoming=False):
        """Out: a decimal string with exactly `places` places. In: such a string or a JSON number, within
        the field's bounds (more places are rounded)."""
        if not incoming:
            return {"type": "string", "format": "decimal", "pattern": rf"^-?[0-9]+\.[0-9]{{{self.places}}}$",
                    "examples": ["1." + "0" * self.places], **super().schema()}
        if self.limit is not None:  # app.limits: within [low, high], both included
            low, high = self.limit.low, self.limit.high
            bounds = {"minimum": _json_number(low), "maximum": _json_number(high)}
        else:  # any number app.limits.parse_decimal reads: below MAX_MAGNITUDE either way
            low, high = -Decimal(MAX_MAGNITUDE), Decimal(MAX_MAGNITUDE)
            bounds = {"exclusiveMinimum": -MAX_MAGNITUDE, "exclusiveMaximum": MAX_MAGNITUDE}
        digits = len(str(int(max(abs(low), abs(high))))) - 1 or 1  # whole digits that always stay within bounds
        sign = "[+-]?" if low < 0 else "[+]?"
        return {"type": ["string", "number"], "format": "decimal",
                "pattern": rf"^{sign}(?:[0-9]{{1,{digits}}}(?:\.[0-9]*)?|\.[0-9]+)$", "maxLength": MAX_NUMBER_TEXT,
                **bounds, "examples": ["1." + "0" * self.places], **super().schema(incoming)}


# What the document promises a request may send (the parsers keep to the same, and more leniently):
OPTIONAL_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # no control characters but tab and newlines
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*[^\s\x00-\x1f][^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # and one non-blank


def _json_number(value: Decimal):
    """A bound as a JSON number (the document is JSON: a Decimal would go out as a string)."""
    return int(value) if value == value.to_integral_value() else float(value)


def or_null(schema: dict) -> dict:
    """A JSON Schema that also accepts null: "type" becomes a list with "null" (and an enum gains None)."""
    schema = dict(schema)
    kinds = schema.get("type")
    if kinds is None:
        return {"anyOf": [schema, {"type": "null"}]}
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    schema["type"] = kinds + ["null"] if "null" not in kinds else kinds
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def decimal_str(value, places: int) -> str | None:
    """How money (2 places), quantities (3) and costs (4) leave the API: exact strings, fixed places."""
    if value is None:
        return None
    if isinstance(value, Decimal):  # stored figures go out as they are, even one beyond today's bounds
        return str(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    return str(to_decimal(value, places))


class DateTime(Field):
    openapi = {"type": "string", "format": "date-time"}


def updated(source=None) -> "DateTime":
    """An object's `updated_at`: when it last changed, the order of its list's feed (app.api.feed)."""
    if source is None:
        return DateTime(description="When it last changed (anything this API shows of it); a feed's order")
    return DateTime(source=source, description="Never changes once made: when it was made")


class Date(Field):
    openapi = {"type": "string", "format": "date"}

    def schema(self, incoming=False):
        return {**super().schema(incoming), **(DATE if incoming else {})}

    def parse(self, value):
        try:
            return parse_date(value, "date")
        except BusinessRuleError as error:
            raise ValueError(str(error.message)) from None


class Schema:
    """An object shape: named fields, nothing else allowed.

    `sparse`: dump() leaves out the keys a mapping does not have (results that carry a problem or a count).
    """

    def __init__(self, name: str, fields: dict[str, Field], exactly_one: tuple = (), sparse: bool = False):
        self.name = name
        self.fields = fields
        self.exactly_one = exactly_one  # of these fields, a body sends exactly one (checked by its view)
        self.sparse = sparse

    def dump(self, obj, viewer=None, **values) -> dict:
        """The JSON of `obj` (an object or a mapping) as `viewer` may see it: each field read from its source and
        written in its format; a field the viewer's role may not see, or the object does not have, is left out.
        `values` are given rather than read (a balance summed for a whole page)."""
        data = {}
        for name, field in self.fields.items():
            if field.visible is not None and not field.visible(viewer):
                continue
            if name in values:
                value = values[name]
            else:
                source = field.source or name
                if callable(source):
                    value = source(obj)
                elif isinstance(obj, Mapping):
                    if self.sparse and source not in obj:
                        continue
                    value = obj[source]
                else:
                    value = _attribute(obj, source)
            if field.when is not None and not field.when(obj):
                continue
            data[name] = field.out(value, viewer)
        return data

    def parse(self, data, partial: bool = False) -> dict:
        """Validate a request body; unknown fields and bad values raise ValidationFailed."""
        if not isinstance(data, dict):
            raise BusinessRuleError(_("The body must be a JSON object."), problem="bad-request")
        errors = {name: [_("Unknown field.")] for name in data if name not in self.fields}
        values = {}
        for name, field in self.fields.items():
            if name not in data:
                if field.required and not partial:
                    errors[name] = [_("Required.")]
                continue
            if data[name] is None and field.nullable:
                values[name] = None
                continue
            try:
                values[name] = field.parse(data[name])
            except ValidationFailed as nested:
                errors.update({f"{name}.{key}": messages for key, messages in nested.errors.items()})
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationFailed(errors)
        return values

    def openapi(self, partial: bool = False, incoming: bool = False) -> dict:
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {name: field.document(incoming) for name, field in self.fields.items()}}
        required = [name for name, field in self.fields.items() if field.required and not partial]
        if required:
            schema["required"] = required
        if self.exactly_one:
            schema["oneOf"] = [{"required": [name]} for name in self.exactly_one]
        return schema


def _attribute(obj, path: str):
    """obj.a.b for "a.b"; None when a step on the way is None (an optional relation)."""
    for name in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


class Nested(Field):
    """An object of a declared shape inside a body."""

    def __init__(self, schema: "Schema", **kw):
        super().__init__(**kw)
        self.schema_ = schema

    def parse(self, value):
        return self.schema_.parse(value)

    def out(self, value, viewer=None):
        return None if value is None else self.schema_.dump(value, viewer)

    def schema(self, incoming=False):
        return {**self.schema_.openapi(incoming=incoming), **super().schema(incoming)}


class ListOf(Field):
    """A JSON array of one kind of item; item errors are reported as field[i].name."""

    def __init__(self, item: Field, min_items: int = 0, max_items: int = 1000, **kw):
        super().__init__(**kw)
        self.item, self.min_items, self.max_items = item, min_items, max_items

    def parse(self, value):
        if not isinstance(value, list):
            raise ValueError(_("Must be a list."))
        if not self.min_items <= len(value) <= self.max_items:
            raise ValueError(_("Give between %(low)d and %(high)d items.", low=self.min_items, high=self.max_items))
        parsed, errors = [], {}
        for index, entry in enumerate(value):
            try:
                parsed.append(self.item.parse(entry))
            except ValidationFailed as nested:
                errors.update({f"{index}.{key}": messages for key, messages in nested.errors.items()})
            except BusinessRuleError as wrong:
                errors[str(index)] = [str(wrong.message)]
            except ValueError as error:
                errors[str(index)] = [str(error)]
        if errors:
            raise ValidationFailed(errors)
        return parsed

    def out(self, value, viewer=None):
        return [self.item.out(entry, viewer) for entry in value]

    def schema(self, incoming=False):
        return {"type": "array", "items": self.item.document(incoming), "minItems": self.min_items,
                "maxItems": self.max_items, **super().schema(incoming)}
