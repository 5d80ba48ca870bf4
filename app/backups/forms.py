"""Backup screen forms: the schedule and destination, and the password asked before the key is shown."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp

from app.backups.models import FOLDER, S3

VALUES = ("enabled", "time_of_day", "keep_days", "keep_copies", "destination", "folder", "s3_endpoint", "s3_region",
          "s3_bucket", "s3_prefix", "s3_access_key", "s3_secret_key")


class BackupSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Back up every day"))
    time_of_day = StringField(_l("Backup time"), validators=[
        DataRequired(), Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("A time such as 02:30."))],
        render_kw={"type": "time"})
    keep_days = IntegerField(_l("Keep for (days)"), validators=[NumberRange(0, 3650)], render_kw={"inputmode": "numeric"})
    keep_copies = IntegerField(_l("Keep at most (copies)"), validators=[NumberRange(0, 1000)],
                               render_kw={"inputmode": "numeric"})
    destination = SelectField(_l("Where to keep them"), choices=[
        SelectChoice(FOLDER, _l("A folder on the server")), SelectChoice(S3, _l("An S3-compatible bucket"))])
    folder = StringField(_l("Folder"), validators=[Length(max=500)])
    s3_endpoint = StringField(_l("Endpoint URL"), validators=[Optional(), URL(require_tld=False), Length(max=300)])
    s3_region = StringField(_l("Region"), validators=[Length(max=50)])
    s3_bucket = StringField(lazy_pgettext("storage", "Bucket"), validators=[Length(max=100)])
    s3_prefix = StringField(_l("Prefix"), validators=[Length(max=200)])
    s3_access_key = StringField(_l("Access key ID"), validators=[Length(max=200)],
                                render_kw={"autocomplete": "off"})
    s3_secret_key = PasswordField(_l("Secret access key"), validators=[Length(max=200)],
                                  render_kw={"autocomplete": "new-password"})

    def values(self) -> dict:
        return {name: self[name].data.strip() if isinstance(self[name].data, str) else self[name].data
                for name in VALUES}


class RevealKeyForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
