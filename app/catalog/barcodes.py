"""Barcode rules: EAN-13, EAN-8 and UPC-A check digits validated; Code 128 for anything else.

python-barcode silently "corrects" a wrong EAN check digit, so the check digit is verified here
before any code is stored or printed.
"""
import re

from flask_babel import gettext as _

from app.errors import BusinessRuleError
from app.limits import normalise_code

# GS1 reserves prefixes 20-29 for in-store numbering: internal codes never clash with a real EAN.
INTERNAL_PREFIX = "29"
_CODE128 = re.compile(r"^[\x20-\x7e]{1,64}$")


def gtin_check_digit(body: str) -> str:
    """The GS1 check digit for the digits before it (EAN-8, UPC-A, EAN-13 alike)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def symbology(code: str) -> str:
    """ean13, ean8 or upca for valid GTINs of those lengths; code128 for other printable codes.

    Raises BusinessRuleError for a GTIN-length number with a wrong check digit, or unprintable input.
    """
    if code.isdigit() and len(code) in (8, 12, 13):
        if gtin_check_digit(code[:-1]) != code[-1]:
            raise BusinessRuleError(_("The check digit of %(code)s is wrong; with the right one it reads %(fixed)s.",
                                      code=code, fixed=code[:-1] + gtin_check_digit(code[:-1])), "barcode")
        return {8: "ean8", 12: "upca", 13: "ean13"}[len(code)]
    if not _CODE128.match(code):
        raise BusinessRuleError(_("A barcode is 1 to 64 letters, digits or symbols, without spaces at the ends."),
                                "barcode")
    return "code128"


def normalise(code: str) -> str:
    """A code as stored and looked up: NFKC, no zero-width characters (limits.normalise_code), so a code that
    differs from another only by width or an invisible character is the same code."""
    return normalise_code(code)


def internal_code(sequence: int) -> str:
    """An EAN-13 in the in-store range for products that have no barcode of their own."""
    body = f"{INTERNAL_PREFIX}{sequence:010d}"
    if len(body) != 12:
        raise ValueError("internal barcode sequence exhausted")
    return body + gtin_check_digit(body)
