"""Company settings form, and the profile fields the first-run setup asks too (app/setup/forms.py)."""
from datetime import datetime, timezone

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.settings.models import CURRENCIES, PAPER_A4, PAPER_CONTINUOUS
from app.settings.services import SLIP_PAPER_WIDTHS, business_timezone, known_timezones

# Offered first; any other IANA zone JXC_TIMEZONE names (or the settings keep) is added to the list.
COMMON_TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Singapore",
                    "Asia/Kuala_Lumpur", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Jakarta", "Asia/Manila",
                    "Asia/Tokyo", "Asia/Seoul", "Asia/Dubai", "Europe/London", "Europe/Berlin", "America/New_York",
                    "America/Los_Angeles", "Australia/Sydney", "UTC")


def timezone_choices(current: str) -> list[tuple[str, str]]:
    """Zones labelled with their offset now, e.g. "Asia/Shanghai (UTC+08:00)"."""
    from zoneinfo import ZoneInfo
    zones = list(COMMON_TIMEZONES) + ([current] if current in known_timezones() - set(COMMON_TIMEZONES) else [])
    now = datetime.now(timezone.utc)
    return [(zone, f"{zone} (UTC{now.astimezone(ZoneInfo(zone)).strftime('%z')[:3]}:"
                   f"{now.astimezone(ZoneInfo(zone)).strftime('%z')[3:]})") for zone in zones]


def month_choices() -> list[tuple[str, str]]:
    months = get_locale().months["format"]["wide"]
    return [(str(month), months[month]) for month in range(1, 13)]


class CompanyProfileForm(FlaskForm):
    """What prints on documents and sets the business's calendar and money."""

    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=50)], render_kw={"inputmode": "tel"})
    tax_number = StringField(_l("Tax number"), validators=[Length(max=50)])
    bank_name = StringField(_l("Bank"), validators=[Length(max=100)])
    bank_account = StringField(_l("Bank account"), validators=[Length(max=50)], render_kw={"inputmode": "numeric"})
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in CURRENCIES])
    default_tax_rate = StringField(_l("Default tax rate (%)"), validators=[DataRequired()], default="13",
                                   render_kw={"inputmode": "decimal"})
    timezone = SelectField(_l("Business time zone"))
    fiscal_year_start_month = SelectField(_l("Fiscal year starts in"))
    logo = FileField(_l("Logo"), validators=[FileAllowed(["png", "jpg", "jpeg", "webp"], _l("Upload a PNG, JPEG or WebP image."))],
                     render_kw={"accept": "image/png,image/jpeg,image/webp"})

    PROFILE_FIELDS = ("name", "name_en", "address", "phone", "tax_number", "bank_name", "bank_account", "currency",
                      "default_tax_rate", "timezone", "fiscal_year_start_month")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.timezone.data or business_timezone()
        self.timezone.choices = timezone_choices(current)
        if not self.timezone.data:
            self.timezone.data = business_timezone()
        self.fiscal_year_start_month.choices = month_choices()
        self.fiscal_year_start_month.data = str(self.fiscal_year_start_month.data or 1)

    def profile_values(self) -> dict:
        values = {name: self[name].data for name in self.PROFILE_FIELDS}
        values["logo"] = self.logo.data.read() if self.logo.data else None
        return values


class CompanyForm(CompanyProfileForm):
    max_sales_discount_pct = StringField(_l("Largest discount a salesperson may give (%)"), validators=[DataRequired()],
                                         render_kw={"inputmode": "decimal"})
    receipt_tolerance_pct = StringField(_l("Over-receipt allowed on purchase orders (%)"), validators=[DataRequired()],
                                        render_kw={"inputmode": "decimal"})
    auto_reorder = BooleanField(_l("Draft purchase orders from reorder suggestions every morning"))
    allow_negative_stock = BooleanField(_l("Allow negative stock"))
    remove_logo = BooleanField(_l("Remove the logo"))
    paper_layout = SelectField(_l("Paper for sales documents"), choices=[
        SelectChoice(PAPER_A4, _l("A4 sheets")),
        SelectChoice(PAPER_CONTINUOUS, _l("241 mm continuous, three-part (dot-matrix)"))], validate_choice=False)
    slip_paper_mm = SelectField(_l("Thermal printer paper"), choices=[
        SelectChoice(str(mm), _l("%(mm)s mm", mm=mm)) for mm in SLIP_PAPER_WIDTHS], validate_choice=False)
    # Both checked by settings.services.update_company, with their own messages.
    seal = FileField(_l("Company seal"), validators=[
        FileAllowed(["png", "jpg", "jpeg"], _l("Upload the seal as a PNG or JPEG image."))],
                     render_kw={"accept": "image/png,image/jpeg"})
    remove_seal = BooleanField(_l("Remove the seal"))

    PRINTING_FIELDS = ("paper_layout", "slip_paper_mm", "remove_seal")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slip_paper_mm.data = str(self.slip_paper_mm.data or 58)

    def printing_values(self) -> dict:
        return {**{name: self[name].data for name in self.PRINTING_FIELDS},
                "seal": self.seal.data.read() if self.seal.data else None}
