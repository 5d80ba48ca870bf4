"""Workbooks the import screens hand out: a kind's template to fill in, and a checked file's error report.

Text is always written as text, never as a formula (a name like =HYPERLINK(...) must not run when someone opens
the file): see catalog.export.cell.
"""
import io
from functools import cache
from types import SimpleNamespace

from flask_babel import gettext as _

from app.imports.framework import Kind, Preview, chinese

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CHOICES = 2000


@cache
def _styles() -> SimpleNamespace:
    """Fonts and fills, made with the first workbook: openpyxl (about 8 MB) is imported when a workbook is made,
    not by every worker at start."""
    from openpyxl.styles import Alignment, Font, PatternFill
    return SimpleNamespace(required=Font(bold=True, color="C00000"), bold=Font(bold=True),
                           problem=PatternFill("solid", fgColor="FFC7CE"),
                           wrapped=Alignment(wrap_text=True, vertical="top"))


def _text_cell(sheet, row: int, column: int, value):
    """Write `value` at (row, column) as data, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def template_xlsx(kind: Kind) -> bytes:
    """Headers in the user's language (required ones red and bold), one example row, dropdowns, notes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation
    styles = _styles()
    zh = chinese()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.title)[:31]
    lists = workbook.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_column = 0
    last_row = kind.max_rows + 1
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        head = _text_cell(sheet, 1, index, column.header(zh))
        head.font = styles.required if column.required else styles.bold
        if column.required:
            head.comment = Comment(_("Required"), "JXC")
        sheet.column_dimensions[letter].width = max(column.width, len(head.value) * 2 + 2)
        if column.as_text:  # typed codes keep their leading zeros
            for row in range(2, min(last_row, 501) + 1):
                sheet.cell(row=row, column=index).number_format = "@"
        if column.example:
            _text_cell(sheet, 2, index, column.example)
        if column.choices:
            choices = [str(c) for c in column.choices()][:MAX_CHOICES]
            if not choices:
                continue
            list_column += 1
            list_letter = get_column_letter(list_column)
            _text_cell(lists, 1, list_column, column.header(zh))
            for offset, value in enumerate(choices, start=2):
                _text_cell(lists, offset, list_column, value)
            source = f"={quote_sheetname('lists')}!${list_letter}$2:${list_letter}${len(choices) + 1}"
            validation = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False,
                                        errorStyle="warning", showErrorMessage=True)
            validation.error = _("Choose from the list, or type a value the import accepts (see the notes sheet).")
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    _notes(workbook.create_sheet(_("Instructions")), kind, zh)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _notes(sheet, kind: Kind, zh: bool) -> None:
    styles = _styles()
    sheet.append([_("How to fill in this workbook")])
    sheet["A1"].font = styles.bold
    for line in (_("One record per row on the first sheet; the first row names the columns (Chinese or English "
                   "headers are both understood). Columns in red are required; any other column may be left "
                   "empty or left out."),
                 _("Row 2 is an example: replace it with your own rows (left unchanged, it is not imported)."),
                 _("Importing the same file again updates the records it names instead of adding them twice."),
                 _("Nothing is saved until you confirm the preview, and then every row is saved or none.")):
        sheet.append([line])
    sheet.append([])
    header_row = sheet.max_row + 1
    for index, title in enumerate((_("Column"), _("Required"), _("What it means and what is expected"),
                                   _("Example")), start=1):
        _text_cell(sheet, header_row, index, title).font = styles.bold
    for offset, column in enumerate(kind.columns, start=1):
        row = header_row + offset
        _text_cell(sheet, row, 1, column.header(zh))
        _text_cell(sheet, row, 2, _("Yes") if column.required else _("No"))
        _text_cell(sheet, row, 3, str(column.help)).alignment = styles.wrapped
        _text_cell(sheet, row, 4, column.example)
    for letter, width in zip("ABCD", (18, 8, 80, 18)):
        sheet.column_dimensions[letter].width = width


def report_xlsx(preview: Preview) -> bytes:
    """The rows as read, with a problems column beside each (problem cells filled red), and every problem listed."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    styles = _styles()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rows")
    headers = list(preview.headers)
    problems_column = len(headers) + 1
    for index, header in enumerate(headers, start=1):
        _text_cell(sheet, 1, index, header).font = styles.bold
    _text_cell(sheet, 1, problems_column, _("Problems")).font = styles.required
    sheet.column_dimensions[get_column_letter(problems_column)].width = 60
    positions = {header: index for index, header in enumerate(headers, start=1) if header}
    for out_row, row in enumerate(preview.rows, start=2):
        for index, value in enumerate(row.cells[:len(headers)], start=1):
            _text_cell(sheet, out_row, index, value)
        found = preview.problems_in(row.number)
        for problem in found:
            if problem.column in positions:
                sheet.cell(row=out_row, column=positions[problem.column]).fill = styles.problem
        if found:
            cell = _text_cell(sheet, out_row, problems_column, "\n".join(
                _("%(where)s: %(message)s", where=p.column, message=p.message) if p.column else p.message
                for p in found))
            cell.alignment = styles.wrapped
            cell.fill = styles.problem
    every = workbook.create_sheet(_("All problems"))
    for index, title in enumerate((_("Row"), _("Column"), _("Problem")), start=1):
        _text_cell(every, 1, index, title).font = styles.bold
    for out_row, problem in enumerate(preview.problems, start=2):
        _text_cell(every, out_row, 1, problem.row or "")
        _text_cell(every, out_row, 2, problem.column or "")
        _text_cell(every, out_row, 3, problem.message)
    every.column_dimensions["C"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
