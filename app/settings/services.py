"""Company settings: read everywhere, changed by the owner."""
import io
from decimal import Decimal

from flask import current_app, g
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import inspect

from app.audit import services as audit
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import PERCENT, parse_number
from app.settings.models import CURRENCIES, CompanySettings

SETTINGS_ID = 1
DEFAULT_TAX_RATE = Decimal("13.00")
DEFAULT_MAX_DISCOUNT = Decimal("10.00")


def company() -> CompanySettings:
    """The settings row, or unsaved defaults before the owner first saves; one read per request.

    Kept on `g` because every money amount on a page asks for the currency; re-read if the object
    was left behind by an ended session (a CLI command or test reusing the app context).
    """
    settings = g.get("company")
    if settings is None or inspect(settings).detached:
        settings = g.company = db.session.get(CompanySettings, SETTINGS_ID) or CompanySettings(
            id=SETTINGS_ID, name="", address="", phone="", tax_number="", currency="CNY",
            default_tax_rate=DEFAULT_TAX_RATE, allow_negative_stock=False, max_sales_discount_pct=DEFAULT_MAX_DISCOUNT,
            receipt_tolerance_pct=Decimal("0"), auto_reorder=False)
    return settings


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
    logo = values.pop("logo", None)
    if logo:
        values["logo_png"] = shrink_logo(logo)
    if values.pop("remove_logo", False):
        values["logo_png"] = None
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if changes := audit.apply_changes(settings, values):
        audit.record(actor, "settings.update", settings, changes)
    return settings


def shrink_logo(data: bytes) -> bytes:
    """The logo as a PNG no larger than LOGO_MAX_PX, so pages and PDFs stay light."""
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
