"""Bounds on the work of reading an uploaded spreadsheet: by cells, XML elements and time, not only bytes.

A 93 KB .xlsx can hold one row of 3 million empty cells: openpyxl builds a whole row in memory before
it hands back the first column (33 s of CPU and 1.5 GB, seen in the field), and reads every row of a
sheet without a <dimension> while opening it. So before openpyxl sees a workbook, every XML part in it
is streamed through expat, which builds nothing: cells and elements are counted, and the scan stops at
the first one past the budget. Document type declarations (the door to entity expansion: "billion
laughs", external entities) are refused there too; openpyxl parses through defusedxml as well.
"""
import time
import zipfile
from xml.parsers import expat

from flask_babel import gettext as _

from app.errors import BusinessRuleError

MAX_CELLS = 120_000  # 3,000 rows of 40 columns: far more than a 1,000-row file holds
MAX_ELEMENTS = 1_000_000  # every XML element of the workbook: cells, values, rows, strings, styles
SECONDS = 10  # reading one upload, scan and rows together
CHUNK = 64 * 1024
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CELL = f"{SPREADSHEET_NS} c"


class TooMuchWork(BusinessRuleError):
    """The file would cost more to read than any real list; `counted` says how far the scan got."""

    def __init__(self, message: str, counted: dict):
        super().__init__(message, "file")
        self.counted = counted


class Budget:
    """What reading one upload may still spend."""

    def __init__(self, seconds: float = SECONDS):
        self.deadline = time.monotonic() + seconds
        self.counted = {"cells": 0, "elements": 0}

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TooMuchWork(_("Reading this file takes too long. Keep only the rows and columns to import, "
                                "or split it into smaller files."), self.counted)


def scan_workbook(archive: zipfile.ZipFile, budget: Budget) -> None:
    """Stream every XML part of an .xlsx through expat: refuse DTDs and count cells and elements."""
    for item in archive.infolist():
        if item.filename.lower().endswith((".xml", ".rels")):
            with archive.open(item) as stream:
                _scan(stream, budget)


def _scan(stream, budget: Budget) -> None:
    counted = budget.counted
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name, _attributes):
        counted["elements"] += 1
        if name == CELL:
            counted["cells"] += 1
            if counted["cells"] > MAX_CELLS:
                raise TooMuchWork(_("This workbook has more than %(max)s cells. Keep only the rows and "
                                    "columns to import in the first sheet, or split it into smaller files.",
                                    max=f"{MAX_CELLS:,}"), counted)
        if counted["elements"] > MAX_ELEMENTS:
            raise TooMuchWork(_("This workbook is too complex to import. Keep only the rows and columns to import "
                                "in the first sheet, or split it into smaller files."), counted)

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        while chunk := stream.read(CHUNK):
            budget.check_time()
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise BusinessRuleError(_("This file is not an Excel workbook (.xlsx) that can be read."), "file") from None


def refuse_doctype(*_args):
    raise BusinessRuleError(_("This workbook contains a document type declaration, which Excel never writes; it is "
                              "refused for safety. Save it again from Excel or WPS."), "file")
