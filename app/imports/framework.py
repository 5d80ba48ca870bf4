"""One way to bring data in from a spreadsheet: read, check every row, preview, confirm all or nothing.

A *kind* of import (products, customers, suppliers, opening stock, users ...) declares its columns and how to
find and write its records; this module does the rest, the same for every kind: reading .xlsx / .csv with
bounded work (imports.reading), mapping headers in Chinese or English, parsing each cell with a typed parser,
problems in plain words (row, column, what is wrong, what is expected), keys unique within the file, re-import
updating by key, one audit entry per import. imports.routes gives every kind the screens /imports/<kind>
(upload → preview → confirm), its template (imports.workbooks.template_xlsx) and its error report.

How to add a kind: put a module in app/imports/kinds/ (every module there is imported on first use) that
subclasses Kind and registers an instance::

        from app.imports import framework as imp
    from app.auth.roles import Role

    class Pets(imp.Kind):
        name = "pets"                      # the URL (/imports/pets) and the audit action ("import.pets")
        title = _l("Pets")                 # the index and the page title
        description = _l("Each pet with its owner.")
        roles = frozenset({Role.OWNER})    # who may see, download and import this kind
        order = 90                         # place on /imports
        key = "code"                       # the column that finds the record to update (None: always new)
        columns = (
            imp.Column("code", ("code", "编码"), imp.code(32), help=_l("Leave empty for a new code.")),
            imp.Column("name", ("name", "名称", "宠物名"), imp.text(100), required=True, example="旺财"),
            imp.Column("owner", ("owner", "主人"), imp.choice(owners), choices=owner_names),
            imp.Column("born", ("born", "出生日期"), imp.day(), example="2025-01-31"),
        )

        def find(self, keys):              # existing records by key, lower-cased; rows get them as row.existing
            return {p.code.lower(): p for p in db.session.scalars(select(Pet).where(func.lower(Pet.code).in_(keys)))}

        def check_row(self, row, preview, options):   # rules beyond one cell: add problems, plan the write
            if row.values.get("born") and row.values["born"] > date.today():
                row.problem("born", _("The date is in the future. Expected today or earlier."))

        def write(self, actor, preview, options):     # in the caller's transaction; never commits
            written = imp.Written()
            for row in preview.rows:
                with preview.writing(row):   # a BusinessRuleError here becomes this row's problem, all rolled back
                    if row.existing: update_pet(actor, row.existing, row.changes()); written.updated += 1
                    else: create_pet(actor, row.changes()); written.created += 1
            return written

    imp.register(Pets())

Shared dropdowns (warehouses, salespeople, price levels, categories, units) are in imports.choices: pass one
to imp.choice() as the parser and its *_names twin as `choices=` for the template's list.
Options shown on the upload form (a warehouse, a checkbox) are WTForms fields on a subclass of
imports.forms.ImportForm named by `form`, turned into a dict by `options(form)`; every method receives it.
Parsers take the cell's text (never empty: empty cells are skipped, or "required") and return the value,
or raise ValueError with a message saying what is wrong and what is expected.
"""
import hashlib
import importlib
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from flask import g
from flask_babel import gettext as _

from app.audit import services as audit
from app.errors import BusinessRuleError
from app.imports import reading
from app.limits import FIRST_DAY, LAST_DAY, Limit, normalise_code, parse_decimal, unstorable

# --- parsers: text -> value, or ValueError(what is wrong and what is expected) ----------------------------------

Parser = Callable[[str], Any]


def text(max_length: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(_("%(count)s characters is too long. Expected at most %(max)s characters.",
                               count=len(value), max=max_length))
        return value
    return parse


def code(max_length: int = 32) -> Parser:
    """A code as stored and compared: full-width letters and digits made plain, zero-width characters dropped."""
    def parse(value: str) -> str:
        cleaned = normalise_code(value)
        if len(cleaned) > max_length:
            raise ValueError(_("%(count)s characters is too long. Expected at most %(max)s characters.",
                               count=len(cleaned), max=max_length))
        if any(char.isspace() for char in cleaned):
            raise ValueError(_("“%(text)s” contains a space. Expected a code without spaces.", text=value))
        return cleaned
    return parse


def number(limit: Limit) -> Parser:
    """A number within `limit` (app.limits) with no more places than it keeps; ¥ signs and thousands commas as
    Excel shows them are allowed."""
    def parse(value: str) -> Decimal:
        cleaned = unicodedata.normalize("NFKC", value).replace(",", "").replace("¥", "").strip()
        try:
            found = parse_decimal(cleaned)
        except (TypeError, ValueError):
            raise ValueError(_("“%(text)s” is not a number. Expected a number such as %(example)s.", text=value,
                               example=f"{Decimal(12):.{limit.places}f}")) from None
        if found < limit.low:
            if limit.low == 0:
                raise ValueError(_("Cannot be negative. Expected 0 or more."))
            raise ValueError(_("“%(text)s” is too small. Expected at least %(low)s.", text=value, low=limit.minimum))
        if found > limit.high:
            raise ValueError(_("“%(text)s” is too large. Expected at most %(high)s.", text=value, high=limit.maximum))
        if found != found.quantize(Decimal(1).scaleb(-limit.places)):
            raise ValueError(_("At most %(places)s decimal places. “%(text)s” has more.", places=limit.places,
                               text=value))
        return limit.parse(found)
    return parse


def whole(low: int, high: int) -> Parser:
    def parse(value: str) -> int:
        cleaned = unicodedata.normalize("NFKC", value).strip()
        if not re.fullmatch(r"-?[0-9]{1,9}", cleaned) or not low <= int(cleaned) <= high:
            raise ValueError(_("“%(text)s” is not allowed. Expected a whole number from %(low)s to %(high)s.",
                               text=value, low=low, high=high))
        return int(cleaned)
    return parse


def day() -> Parser:
    """A date as YYYY-MM-DD (or YYYY/MM/DD, or an Excel date cell)."""
    def parse(value: str) -> date:
        cleaned = unicodedata.normalize("NFKC", value).strip().replace("/", "-").replace(".", "-")[:10]
        try:
            year, month, day_ = (int(part) for part in cleaned.split("-"))
            found = date(year, month, day_)
        except ValueError:
            found = None
        if found is None or not FIRST_DAY <= found <= LAST_DAY:
            raise ValueError(_("“%(text)s” is not a date. Expected a date such as 2026-01-31.", text=value))
        return found
    return parse


def choice(options: Callable[[], dict[str, Any]]) -> Parser:
    """One of `options()` ({label or alias: value}), compared without case and spaces; the labels are listed."""
    def parse(value: str) -> Any:
        known = g.setdefault(f"import_choices_{id(parse)}", None)  # read once per request, not once per row
        if known is None:
            known = options()
            setattr(g, f"import_choices_{id(parse)}", known)
        wanted = normal(value)
        for label, result in known.items():
            if normal(label) == wanted:
                return result
        shown = "、".join(list(dict.fromkeys(known))[:12])
        raise ValueError(_("“%(text)s” is not one of the choices. Expected one of: %(choices)s.", text=value,
                           choices=shown))
    return parse


YES = ("1", "yes", "y", "true", "是", "有", "启用", "√", "✓")
NO = ("0", "no", "n", "false", "否", "无", "停用", "×")


def yes_no() -> Parser:
    def parse(value: str) -> bool:
        wanted = normal(value)
        if wanted in YES:
            return True
        if wanted in NO:
            return False
        raise ValueError(_("“%(text)s” is not yes or no. Expected 是 or 否 (yes or no).", text=value))
    return parse


def normal(text_: str) -> str:
    """A header or choice as compared: NFKC, lower case, no spaces, dashes or underscores, no required mark."""
    return re.sub(r"[\s_\-*＊]+", "", unicodedata.normalize("NFKC", text_ or "").lower())


# --- the declaration of a kind --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # the field the kind reads in row.values
    headers: tuple[str, ...]  # (English header, Chinese header, other accepted aliases ...)
    parse: Parser = field(default_factory=lambda: text(200))
    required: bool = False
    help: Any = ""  # what the column means and what it expects: the template's notes sheet
    example: str = ""  # the template's example row
    choices: Callable[[], list[str]] | None = None  # the template's dropdown
    width: int = 14
    as_text: bool = False  # the template formats the column as text, so codes keep their leading zeros

    def header(self, chinese: bool) -> str:
        return self.headers[1] if chinese and len(self.headers) > 1 else self.headers[0]


@dataclass(frozen=True)
class Problem:
    row: int | None  # the spreadsheet's row number (the header is row 1); None for the whole file
    column: str | None  # the header as written in the file
    message: str

    def __str__(self):
        where = [_("Row %(row)s", row=self.row)] if self.row else []
        where += [self.column] if self.column else []
        return _("%(where)s: %(message)s", where=" · ".join(where), message=self.message) if where else self.message


@dataclass
class Row:
    number: int  # in the spreadsheet
    raw: dict[str, str]  # column name -> the cell's text
    cells: list = field(default_factory=list, repr=False)  # the row as read, for the error report
    values: dict[str, Any] = field(default_factory=dict)  # column name -> parsed value, for filled cells
    existing: Any = None  # the record the key found: this row updates it
    plan: dict[str, Any] = field(default_factory=dict)  # what the kind worked out in check_row, for write
    preview: "Preview | None" = field(default=None, repr=False)

    def problem(self, column: str | None, message: str) -> None:
        self.preview.add(self.number, column, message)

    @property
    def ok(self) -> bool:
        return not self.preview.problems_in(self.number)

    def changes(self, *names: str) -> dict:
        """The parsed values of the filled cells (of `names`, if given): an update leaves empty cells alone."""
        return {k: v for k, v in self.values.items() if not names or k in names}


@dataclass
class Preview:
    kind: "Kind"
    filename: str
    headers: list[str] = field(default_factory=list)  # the file's first row
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    column_names: dict[str, str] = field(default_factory=dict)  # column name -> its header in the file
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things to know before confirming (new categories ...)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def new_rows(self) -> list[Row]:
        return [row for row in self.rows if row.existing is None]

    @property
    def updated_rows(self) -> list[Row]:
        return [row for row in self.rows if row.existing is not None]

    def problems_in(self, row: int) -> list[Problem]:
        return [p for p in self.problems if p.row == row]

    def column(self, name: str) -> str:
        """The header the file uses for a column (or the column's header in the user's language)."""
        if name in self.column_names:
            return self.column_names[name]
        found = self.kind.column(name)
        return found.header(chinese()) if found else name

    def add(self, row: int | None, name: str | None, message: str) -> None:
        self.problems.append(Problem(row, self.column(name) if name else None, str(message)))

    @property
    def digest(self) -> str:
        """Which rows create and which update what: confirm refuses when this changed since the preview."""
        plan = ";".join(f"{row.number}:{getattr(row.existing, 'id', '')}" for row in self.rows)
        return hashlib.sha256(plan.encode()).hexdigest()[:16]

    @contextmanager
    def writing(self, row: Row):
        """Turn a service's refusal while writing `row` into ImportFailed naming the row and column."""
        try:
            yield
        except ImportFailed:
            raise
        except BusinessRuleError as error:
            name = error.field if error.field and self.kind.column(error.field) else None
            raise ImportFailed([Problem(row.number, self.column(name) if name else None,
                                        str(error.message))]) from None


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    note: str = ""  # a sentence for the confirmation message (e.g. the opening stock's document number)
    details: dict = field(default_factory=dict)  # more for the audit entry


class ImportFailed(BusinessRuleError):
    """The file cannot be imported; `problems` says why, row by row; `preview` is the check confirm made."""

    def __init__(self, problems: list[Problem], preview: "Preview | None" = None):
        super().__init__("; ".join(map(str, problems[:5])), "file")
        self.problems = problems
        self.preview = preview


class Kind:
    """What one kind of import declares; see the module docstring."""

    name: str = ""
    title: Any = ""
    description: Any = ""
    roles: frozenset = frozenset()
    order: int = 100
    key: str | None = None
    columns: tuple[Column, ...] = ()
    form = None  # an imports.forms.ImportForm subclass with this kind's options; None for the plain one
    max_rows: int = reading.MAX_ROWS

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def allows(self, user) -> bool:
        return user is not None and user.role in self.roles

    def options(self, form) -> dict:
        """The upload form's options as the other methods take them."""
        return {}

    def find(self, keys: list[str]) -> dict[str, Any]:
        """The existing records whose key (lower-cased) is in `keys`, by lower-cased key."""
        return {}

    def check_row(self, row: Row, preview: Preview, options: dict) -> None:
        """Rules beyond a single cell; add problems with row.problem(column, message)."""

    def check(self, preview: Preview, options: dict) -> None:
        """Rules across rows or with the options, after every row was checked."""

    def write(self, actor, preview: Preview, options: dict) -> Written:
        raise NotImplementedError


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def _registered() -> dict[str, Kind]:
    """Every kind by name: the modules of app/imports/kinds register theirs when that package is first imported,
    here on first use (the kinds read the areas' services, which must not load the import screens)."""
    importlib.import_module("app.imports.kinds")
    return _KINDS


def kind(name: str) -> Kind | None:
    return _registered().get(name)


def kinds_for(user) -> list[Kind]:
    return sorted((k for k in _registered().values() if k.allows(user)), key=lambda k: (k.order, k.name))


def chinese() -> bool:
    from flask_babel import get_locale
    locale = get_locale()
    return locale is None or locale.language == "zh"


# --- preview and confirm --------------------------------------------------------------------------------------

def preview(kind: Kind, filename: str, data: bytes, options: dict | None = None) -> Preview:
    """Read and check every row against the file itself and the database; writes nothing."""
    options = options or {}
    for cached in [key for key in g if key.startswith("import_choices_")]:  # choices as they are now
        g.pop(cached)
    result = Preview(kind, filename)
    try:
        headers, rows = reading.read_table(filename, data, kind.max_rows)
    except BusinessRuleError as error:
        result.problems.append(Problem(None, None, str(error.message)))
        return result
    result.headers = headers
    columns = _map_columns(kind, headers, result)
    result.column_names = {name: headers[index] for name, index in columns.items()}
    if result.problems:
        return result
    example = {c.name: c.example for c in kind.columns if c.example and c.name in columns}
    for number, cells in rows:
        raw = {name: reading.cell_text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        if example and all(raw.get(name) == value for name, value in example.items()):
            result.notes.append(_("Row %(row)s is the template's example and was left out.", row=number))
            continue
        row = Row(number, raw, cells, preview=result)
        _parse_row(kind, row)
        result.rows.append(row)
    if not result.rows:
        result.problems.append(Problem(None, None, _("The file has a header row but no rows below it.")))
        return result
    _match_keys(kind, result)
    for row in result.rows:
        kind.check_row(row, result, options)
    kind.check(result, options)
    result.problems.sort(key=lambda p: p.row or 0)
    return result


def _map_columns(kind: Kind, headers: list[str], result: Preview) -> dict[str, int]:
    aliases = {normal(alias): column.name for column in kind.columns for alias in column.headers}
    columns = {}
    for index, header in enumerate(headers):
        name = aliases.get(normal(header))
        if name is None:
            if header:
                result.ignored_columns.append(header)
        elif name in columns:
            result.problems.append(Problem(None, header, _("This column appears twice. Expected each column once.")))
        else:
            columns[name] = index
    for column in kind.columns:
        if column.required and column.name not in columns:
            result.problems.append(Problem(None, None, _(
                "The first row must name the columns; the column “%(english)s” (or “%(chinese)s”) is missing.",
                english=column.headers[0], chinese=column.header(True))))
    return columns


def _parse_row(kind: Kind, row: Row) -> None:
    for column in kind.columns:
        if column.name not in row.raw:
            continue
        value = row.raw[column.name]
        if unstorable(value) or any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
            row.problem(column.name, _("Contains a character that cannot be saved (a NUL or another control "
                                       "character). Remove it and upload the file again."))
        elif not value:
            if column.required:
                row.problem(column.name, _("This is required. Expected a value in this column."))
        else:
            try:
                row.values[column.name] = column.parse(value)
            except ValueError as error:
                row.problem(column.name, str(error))


def _match_keys(kind: Kind, result: Preview) -> None:
    """Keys are unique within the file; a key that exists already makes its row an update."""
    if not kind.key:
        return
    first: dict[str, int] = {}
    for row in result.rows:
        value = row.values.get(kind.key)
        if not value:
            continue
        if value.lower() in first:
            row.problem(kind.key, _("%(value)s also appears in row %(row)s. Expected each code once per file.",
                                    value=value, row=first[value.lower()]))
        else:
            first[value.lower()] = row.number
    keys = list(first)
    found = {}
    for start in range(0, len(keys), 500):
        found.update(kind.find(keys[start:start + 500]))
    for row in result.rows:
        value = row.values.get(kind.key)
        if value and first.get(value.lower()) == row.number:
            row.existing = found.get(value.lower())


class ImportRun:
    """What the import's audit entry points at: the file (imports have no table of their own)."""

    id = None

    def __init__(self, kind: Kind, filename: str):
        self.name = filename[:200]
        self.kind = kind


def confirm(kind: Kind, actor, filename: str, data: bytes, options: dict | None = None,
            digest: str | None = None) -> tuple[Preview, Written]:
    """Check the file again and write every row, in the caller's transaction; ImportFailed writes nothing.

    `digest` is the preview's: when rows would now create or update other records than the preview showed
    (someone added a record meanwhile), nothing is written and the person checks the new preview.
    """
    options = options or {}
    checked = preview(kind, filename, data, options)
    if not checked.ok:
        checked.problems = checked.problems or [Problem(None, None, _("The file has no rows to import."))]
        raise ImportFailed(checked.problems, checked)
    if digest and digest != checked.digest:
        checked.problems = [Problem(None, None, _(
            "Records were added or changed since the preview, so some rows would now do something else. Check the "
            "preview below again, then confirm."))]
        raise ImportFailed(checked.problems, checked)
    try:
        written = kind.write(actor, checked, options)
    except ImportFailed as error:
        checked.problems = error.problems
        error.preview = checked
        raise
    audit.record(actor, f"import.{kind.name}", ImportRun(kind, filename), {
        "file": (None, filename), "rows": (None, len(checked.rows)), "created": (None, written.created),
        "updated": (None, written.updated), **{k: (None, v) for k, v in written.details.items()}})
    return checked, written

