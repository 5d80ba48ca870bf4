"""The subscription and SMTP forms: input shape only (app.digests.services checks the values)."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from flask_wtf import FlaskForm

from app.digests.models import Frequency, Security

FREQUENCIES = {Frequency.DAILY: _l("Daily (yesterday's figures)"), Frequency.WEEKLY: _l("Weekly (last week's figures)")}
SECURITY = {Security.SSL: _l("SSL/TLS (usually port 465)"), Security.STARTTLS: _l("STARTTLS (usually port 587)"),
            Security.NONE: _l("None (only inside your own network)")}


def weekday_name(day: int) -> str:
    return get_locale().days["format"]["wide"][day]  # Babel: 0 = Monday, as datetime.weekday()


def weekday_choices() -> list[SelectChoice]:
    return [SelectChoice(str(day), weekday_name(day)) for day in range(7)]


class SubscriptionForm(FlaskForm):
    frequency = SelectField(_l("How often"), choices=[SelectChoice(k.value, v) for k, v in FREQUENCIES.items()],
                            validate_choice=False)
    weekday = SelectField(_l("Day of the week (weekly)"), validate_choice=False, default="0")
    hour = SelectField(_l("Time of day"), validate_choice=False, default="8",
                       choices=[SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24)])
    email = StringField(_l("Email address"), validators=[Length(max=254)],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    in_app = BooleanField(_l("In the app (the bell)"), default=True)
    wecom_url = StringField(_l("WeCom group robot webhook"), validators=[Length(max=500)],
                            render_kw={"inputmode": "url", "autocomplete": "off",
                                       "placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"})
    active = BooleanField(_l("On"), default=True)
    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = weekday_choices()
        self.weekday.data, self.hour.data = str(self.weekday.data or 0), str(self.hour.data or 0)

    def values(self) -> dict:
        return {name: self[name].data for name in ("frequency", "weekday", "hour", "email", "in_app", "wecom_url",
                                                   "active")}


class SmtpForm(FlaskForm):
    host = StringField(_l("SMTP server"), validators=[Length(max=200)],
                       render_kw={"autocomplete": "off", "placeholder": "smtp.exmail.qq.com"})
    port = StringField(_l("Port"), default="465", render_kw={"inputmode": "numeric"})
    security = SelectField(_l("Security"), choices=[SelectChoice(k.value, v) for k, v in SECURITY.items()],
                           validate_choice=False)
    username = StringField(_l("User name"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    # Never filled in from the stored one: the screen does not show the password back.
    password = PasswordField(_l("Password"), validators=[Length(max=500)], render_kw={"autocomplete": "new-password"})
    clear_password = BooleanField(_l("Remove the stored password"))
    sender = StringField(_l("From address"), validators=[Length(max=254)], render_kw={"inputmode": "email"})

    def values(self) -> dict:
        return {name: self[name].data for name in ("host", "port", "security", "username", "password",
                                                   "clear_password", "sender")}


class TestEmailForm(FlaskForm):
    to = StringField(_l("Send a test email to"), validators=[Length(max=254)], render_kw={"inputmode": "email"})
