"""First-run and demo-clearing forms: input shape only."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.services import MIN_PASSWORD
from app.settings.forms import CompanyProfileForm


class SetupForm(CompanyProfileForm):
    warehouse_name = StringField(_l("First warehouse"), validators=[DataRequired(), Length(max=100)])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[Length(max=100)],
                               render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})

    def values(self) -> dict:
        return self.profile_values() | {name: self[name].data for name in (
            "warehouse_name", "username", "display_name", "password")}


class ClearDemoForm(FlaskForm):
    company_name = StringField(_l("Type the company name to confirm"), validators=[DataRequired(), Length(max=200)],
                               render_kw={"autocomplete": "off"})
