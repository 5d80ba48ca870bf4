"""Sign-in and account forms: input shape only."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.roles import ROLE_LABELS
from app.auth.services import LANGUAGES, MIN_PASSWORD


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    # Off unless ticked: a remember-me cookie outlives the browser session, which a shared phone should not.
    remember = BooleanField(_l("Remember me on this device"), default=False)
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. finance software")})
    idempotency_key = HiddenField()


class CodeForm(FlaskForm):
    """The sign-in's second step: a 6-digit code or a recovery code."""
    code = StringField(lazy_pgettext("sign-in", "Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none",
                                  "autofocus": True})
    trust = BooleanField(_l("Trust this device for 30 days"), default=False)


class EnableTwoFactorForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class DisableTwoFactorForm(ConfirmPasswordForm):
    code = StringField(_l("Code from the app or a recovery code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none"})


class SecurityPolicyForm(FlaskForm):
    """Which roles must use two-step sign-in: one checkbox per role (templates/auth/security_policy.html)."""
    roles = SelectMultipleField(_l("Roles that must use two-step sign-in"), widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput(),
                                choices=lambda: [SelectChoice(role.value, label)
                                                 for role, label in ROLE_LABELS.items()])
