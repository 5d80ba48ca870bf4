"""Barcode labels as a PDF: label sizes, barcode images and the page layout.

Bars are drawn from python-barcode's module pattern into a one-pixel-per-module PNG (after our own
check-digit validation: python-barcode would silently "fix" a wrong one) and embedded as <img>,
which WeasyPrint lays out several times faster than inline SVG. The PNG is scaled to a whole
number of printer dots per module, so thermal printers do not print uneven bars.
"""
import base64
import io
import math
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog import barcodes
from app.catalog.models import Product
from app.documents import render_pdf
from app.errors import BusinessRuleError

MM_PER_INCH = 25.4
MAX_LABELS = 500  # about 4 s of WeasyPrint on one core; a print run larger than that is split
MAX_PER_LINE = 500
# Quiet zones (light margins) in modules, left and right, per GS1 / ISO 15417.
QUIET_ZONES = {"ean13": (11, 7), "ean8": (7, 7), "upca": (9, 9), "code128": (10, 10)}
# Bars no wider than twice the EAN nominal 0.33 mm: wider ones only waste label.
MAX_MODULE_MM = 0.66
BARS_EDGE_MM = 0.5  # keep the quiet zones this far from a label's cut edge


@dataclass(frozen=True)
class LabelSize:
    key: str
    title: object
    page_mm: tuple[float, float]  # width, height
    label_mm: tuple[float, float]
    columns: int = 1
    rows: int = 1
    margin_mm: tuple[float, float] = (0, 0)  # top, left of the first label
    pitch_mm: tuple[float, float] | None = None  # x, y distance between label origins
    dpi: int = 203  # the printer's resolution: bars are whole dots wide
    min_module_mm: float = 0.25
    padding_mm: float = 1.5
    name_pt: float = 8
    name_lines: int = 2
    bar_mm: float = 10
    text_pt: float = 6.5
    price_pt: float = 9

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Left and top (mm) of the index-th label on its page: where the label stock is cut."""
        pitch_x, pitch_y = self.pitch_mm or self.label_mm
        row, column = divmod(index % self.per_page, self.columns)
        return self.margin_mm[1] + column * pitch_x, self.margin_mm[0] + row * pitch_y


SIZES = {size.key: size for size in (
    LabelSize("roll-50x30", _l("Roll, 50 × 30 mm"), (50, 30), (50, 30), bar_mm=12),
    LabelSize("roll-40x30", _l("Roll, 40 × 30 mm"), (40, 30), (40, 30),
              padding_mm=1.2, name_pt=7.5, price_pt=8.5, bar_mm=12),
    LabelSize("a4-3x8", _l("A4 sheet, 24 of 70 × 37 mm"), (210, 297), (70, 37), columns=3, rows=8,
              margin_mm=(0.5, 0), dpi=600, min_module_mm=0.19, padding_mm=3, name_pt=10, bar_mm=13,
              text_pt=8, price_pt=12),
    LabelSize("a4-5x13", _l("A4 sheet, 65 of 38 × 21 mm"), (210, 297), (38.1, 21.2), columns=5, rows=13,
              margin_mm=(10.7, 4.65), pitch_mm=(40.6, 21.2), dpi=600, min_module_mm=0.19, padding_mm=1,
              name_pt=6.5, name_lines=1, bar_mm=9, text_pt=5.5, price_pt=7),
)}
DEFAULT_SIZE = "roll-50x30"


class MissingBarcodes(BusinessRuleError):
    """Some chosen products have no barcode to print; `products` says which."""

    def __init__(self, products: list[Product]):
        names = "、".join(f"{p.name} ({p.sku})" for p in products)
        super().__init__(_("These products have no barcode: %(names)s. Open each one and generate a barcode "
                           "first.", names=names), "lines")
        self.products = products


@dataclass(frozen=True)
class Bars:
    """One code's image and its printed size."""

    code: str
    text: str  # human-readable line under the bars
    data_uri: str
    width_mm: float


@dataclass(frozen=True)
class Label:
    product: Product
    bars: Bars


def human_readable(code: str, kind: str) -> str:
    """The digits under the bars, grouped as printed on retail packs: 6 901234 567892."""
    if kind == "ean13":
        return f"{code[0]} {code[1:7]} {code[7:]}"
    if kind == "ean8":
        return f"{code[:4]} {code[4:]}"
    if kind == "upca":
        return f"{code[0]} {code[1:6]} {code[6:11]} {code[11]}"
    return code


def modules(code: str, kind: str) -> str:
    """The bar pattern ('1' dark, '0' light), quiet zones included."""
    import barcode as python_barcode  # python-barcode and Pillow load with the first label, not at start
    symbol = python_barcode.get_barcode_class(kind)(code)
    if kind != "code128" and symbol.get_fullcode() != code:  # never print a silently "corrected" code
        raise BusinessRuleError(_("The barcode %(code)s cannot be printed.", code=code), "lines")
    left, right = QUIET_ZONES[kind]
    return "0" * left + "".join(symbol.build()) + "0" * right


def bars_png(pattern: str) -> bytes:
    """A one-pixel-high, one-pixel-per-module black and white PNG; the PDF stretches it."""
    from PIL import Image
    image = Image.new("1", (len(pattern), 1), 1)
    image.putdata([0 if bit == "1" else 1 for bit in pattern])
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def make_bars(code: str, size: LabelSize, product: Product) -> Bars:
    """Validate `code`, draw it, and size it to whole printer dots per module within the label."""
    kind = barcodes.symbology(code)
    pattern = modules(code, kind)
    dot = MM_PER_INCH / size.dpi
    room = size.label_mm[0] - 2 * BARS_EDGE_MM  # the quiet zones may use the label's padding: both are blank
    module = min(math.floor(room / len(pattern) / dot) * dot, MAX_MODULE_MM)
    if module < size.min_module_mm:
        raise BusinessRuleError(_("The barcode of %(name)s (%(code)s) is too long to print on “%(size)s”; choose "
                                  "a larger label size.", name=product.name, code=code, size=size.title), "size")
    uri = "data:image/png;base64," + base64.b64encode(bars_png(pattern)).decode()
    return Bars(code, human_readable(code, kind), uri, round(module * len(pattern), 3))


def layout(lines: list[tuple[Product, int]], size: LabelSize) -> list[list[Label]]:
    """Labels placed on pages; each distinct code is drawn once (many labels of one product share it)."""
    missing = [product for product, _qty in lines if not product.barcode]
    if missing:
        raise MissingBarcodes(missing)
    total = sum(qty for _product, qty in lines)
    if total < 1:
        raise BusinessRuleError(_("Choose at least one product and how many labels to print."), "lines")
    if total > MAX_LABELS:
        raise BusinessRuleError(_("At most %(max)s labels at a time.", max=MAX_LABELS), "lines")
    drawn: dict[str, Bars] = {}
    pages: list[list[Label]] = []
    index = 0
    for product, qty in lines:
        code = product.barcode
        if code not in drawn:
            drawn[code] = make_bars(code, size, product)
        for _copy in range(qty):
            if index % size.per_page == 0:
                pages.append([])
            pages[-1].append(Label(product, drawn[code]))
            index += 1
    return pages


def labels_pdf(lines: list[tuple[Product, int]], size_key: str, show_price: bool) -> bytes:
    """The label PDF for (product, copies) lines; prices only if `show_price`."""
    size = SIZES.get(size_key)
    if size is None:
        raise BusinessRuleError(_("Choose a label size."), "size")
    pages = layout(lines, size)
    return render_pdf("documents/labels.html", size=size, pages=pages, show_price=show_price)
