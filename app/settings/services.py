"""Company settings: read everywhere, changed by the owner."""
import io
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import exists, inspect, select

from app.audit import services as audit
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory.models import StockMove
from app.limits import PERCENT, parse_int, parse_number
from app.reports.models import SalesFact
from app.settings.models import CURRENCIES, PAPER_A4, PAPER_LAYOUTS, CompanySettings

SETTINGS_ID = 1
DEFAULT_TAX_RATE = Decimal("13.00")
DEFAULT_MAX_DISCOUNT = Decimal("10.00")
SLIP_PAPER_WIDTHS = (58, 80)  # mm: the thermal printers' rolls
SEAL_MAX_PX = 400  # a 40 mm seal at 250 dpi: sharp on paper, light in the PDF
SEAL_FORMATS = ("PNG", "JPEG")
PAPER_WHITE = 225  # lighter than this (on all of R, G, B) is the paper a seal was photographed on


def company() -> CompanySettings:
    """The settings row, or unsaved defaults before the owner first saves; one read per request.

    Kept on `g` because every money amount on a page asks for the currency; re-read if the object
    was left behind by an ended session (a CLI command or test reusing the app context).
    """
    settings = g.get("company")
    if settings is None or inspect(settings).detached:
        settings = g.company = db.session.get(CompanySettings, SETTINGS_ID) or CompanySettings(
            id=SETTINGS_ID, name="", name_en="", address="", phone="", tax_number="", bank_name="", bank_account="",
            currency="CNY", default_tax_rate=DEFAULT_TAX_RATE, allow_negative_stock=False,
            max_sales_discount_pct=DEFAULT_MAX_DISCOUNT, receipt_tolerance_pct=Decimal("0"), auto_reorder=False,
            timezone="", fiscal_year_start_month=1, is_demo=False, checklist_hidden=False,
            opening_balances_done=False, paper_layout=PAPER_A4, slip_paper_mm=SLIP_PAPER_WIDTHS[0])
    return settings


def business_timezone() -> str:
    """The business's calendar (an IANA zone name): the company setting, else JXC_TIMEZONE.

    The one place that answers it: invoice and due dates, overdue, report periods and the ledger's month and year
    totals all ask here, so they can never disagree.
    """
    settings = g.get("company")
    if settings is not None and not inspect(settings).detached:
        zone = settings.timezone
    else:
        # A stock or money write needs only this of the settings: one column, read once a transaction (loading the
        # whole row through the ORM was 6 % of a stock adjustment). A page that loaded the row answers from it.
        read = g.get("timezone_read")  # (the transaction it was read in, the zone)
        if read is not None and read[0] is db.session().get_transaction():
            zone = read[1]
        else:
            zone = db.session.scalar(_TIMEZONE) or ""
            g.timezone_read = (db.session().get_transaction(), zone)
    return zone or current_app.config["TIMEZONE"]


_TIMEZONE = select(CompanySettings.timezone).where(CompanySettings.id == SETTINGS_ID)


def business_zone() -> ZoneInfo:
    return ZoneInfo(business_timezone())


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def calendar_in_use() -> bool:
    """Whether stored figures already follow the business calendar: ledger totals by month and year, and sales
    facts by business day. Then the time zone may no longer change (their days would be off by the difference)."""
    return bool(db.session.scalar(select(exists().where(StockMove.id.isnot(None)))) or
                db.session.scalar(select(exists().where(SalesFact.id.isnot(None)))))


TEXT_FIELDS = {"name": 200, "name_en": 200, "address": 300, "phone": 50, "tax_number": 50,
               "bank_name": 100, "bank_account": 50}


def update_company(actor, values: dict) -> CompanySettings:
    """Apply edited settings; the logo, if given, as uploaded image bytes."""
    settings = company()
    db.session.add(settings)
    values = dict(values)
    if values.get("currency") not in CURRENCIES:
        raise BusinessRuleError(_("Choose a currency."), "currency")
    values["default_tax_rate"] = parse_number(values["default_tax_rate"], PERCENT, "default_tax_rate")
    for field in ("max_sales_discount_pct", "receipt_tolerance_pct"):
        if field in values:
            values[field] = parse_number(values[field], PERCENT, field)
    if not (values.get("name") or "").strip():
        raise BusinessRuleError(_("Enter the company name."), "name")
    for field, longest in TEXT_FIELDS.items():
        if len((values.get(field) or "").strip()) > longest:
            raise BusinessRuleError(_("At most %(n)d characters.", n=longest), field)
    if "timezone" in values:
        values["timezone"] = check_timezone(values["timezone"])
    if "fiscal_year_start_month" in values:
        try:
            values["fiscal_year_start_month"] = parse_int(str(values["fiscal_year_start_month"]), 1, 12)
        except ValueError:
            raise BusinessRuleError(_("Choose a month."), "fiscal_year_start_month") from None
    logo = values.pop("logo", None)
    if logo:
        values["logo_png"] = shrink_logo(logo)
    if values.pop("remove_logo", False):
        values["logo_png"] = None
    _printing_values(values)
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if changes := audit.apply_changes(settings, values):
        audit.record(actor, "settings.update", settings, changes)
    return settings


def _printing_values(values: dict) -> None:
    """The paper layout, the slip width and the seal (uploaded image bytes, or removed) checked in `values`."""
    if "paper_layout" in values and values["paper_layout"] not in PAPER_LAYOUTS:
        raise BusinessRuleError(_("Choose the paper documents print on."), "paper_layout")
    if "slip_paper_mm" in values:
        try:
            values["slip_paper_mm"] = int(values["slip_paper_mm"])
        except (TypeError, ValueError):
            values["slip_paper_mm"] = None
        if values["slip_paper_mm"] not in SLIP_PAPER_WIDTHS:
            raise BusinessRuleError(_("Choose 58 mm or 80 mm."), "slip_paper_mm")
    seal = values.pop("seal", None)
    if seal:
        values["seal_png"] = shrink_seal(seal)
    if values.pop("remove_seal", False):
        values["seal_png"] = None


def check_timezone(zone) -> str:
    """A known IANA zone; a change refused once the ledger or the sales facts follow the current one."""
    zone = (zone or "").strip()
    if zone not in known_timezones():
        raise BusinessRuleError(_("Choose a time zone."), "timezone")
    if zone != business_timezone() and calendar_in_use():
        raise BusinessRuleError(_("The time zone cannot change once stock has moved: the ledger's months and "
                                  "the sales reports' days follow it."), "timezone")
    return zone


def set_checklist_hidden(actor, hidden: bool) -> None:
    settings = company()
    db.session.add(settings)
    if changes := audit.apply_changes(settings, {"checklist_hidden": hidden}):
        audit.record(actor, "settings.update", settings, changes)


def set_opening_balances_done(actor, done: bool) -> None:
    settings = company()
    db.session.add(settings)
    if changes := audit.apply_changes(settings, {"opening_balances_done": done}):
        audit.record(actor, "settings.update", settings, changes)


def shrink_logo(data: bytes) -> bytes:
    """The logo as a PNG no larger than LOGO_MAX_PX, so pages and PDFs stay light."""
    from PIL import Image, UnidentifiedImageError  # Pillow loads with the first upload, not at start
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.width * image.height > 40_000_000:
                raise BusinessRuleError(_("The image is too large."), "logo")
            image = image.convert("RGBA")
            size = current_app.config["LOGO_MAX_PX"]
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise BusinessRuleError(_("Upload a PNG, JPEG or WebP image."), "logo") from None


def shrink_seal(data: bytes) -> bytes:
    """The seal as a PNG no larger than SEAL_MAX_PX with the paper around it transparent, so stamped over the
    company's name and the signature line it hides nothing, as a real stamp would not. PNG or JPEG only."""
    from PIL import Image, ImageChops, UnidentifiedImageError  # Pillow loads with the first upload, not at start
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in SEAL_FORMATS:
                raise BusinessRuleError(_("Upload the seal as a PNG or JPEG image."), "seal")
            if image.width * image.height > 40_000_000:
                raise BusinessRuleError(_("The image is too large."), "seal")
            image.load()
            image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise BusinessRuleError(_("Upload the seal as a PNG or JPEG image."), "seal") from None
    image.thumbnail((SEAL_MAX_PX, SEAL_MAX_PX))
    paper = Image.eval(image.convert("RGB"), lambda v: 255 if v > PAPER_WHITE else 0).convert("L")
    paper = Image.eval(paper, lambda v: 0 if v == 255 else 255)  # the mask: 0 where all three were light
    red, green, blue, alpha = image.split()
    alpha = ImageChops.multiply(alpha, paper)
    image = Image.merge("RGBA", (red, green, blue, alpha))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
