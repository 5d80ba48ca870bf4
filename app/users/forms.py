"""User management forms (owner only)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.roles import ROLE_LABELS
from app.auth.services import MIN_PASSWORD


def role_choices():
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)],
                           render_kw={"autocapitalize": "none", "autocomplete": "off"})
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    idempotency_key = HiddenField()


class UserEditForm(FlaskForm):
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices)
    phone = StringField(_l("Mobile phone"), validators=[Length(max=30)], render_kw={"inputmode": "tel", "autocomplete": "off"})


class InviteForm(FlaskForm):
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=100)],
                               render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), choices=role_choices)
    phone = StringField(_l("Mobile phone"), validators=[Length(max=30)], render_kw={"inputmode": "tel", "autocomplete": "off"})
    username = StringField(_l("Username"), validators=[Optional(), Length(min=2, max=64)],
                           render_kw={"autocapitalize": "none", "autocomplete": "off", "data-username-auto": ""})
    idempotency_key = HiddenField()


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ReassignForm(FlaskForm):
    to_user_id = SelectField(_l("Give to"), coerce=int, validate_choice=False)
    scope = SelectField(_l("Which customers"), choices=[SelectChoice("all", _l("All of them")),
                                                        SelectChoice("chosen", _l("Those ticked below"))])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
