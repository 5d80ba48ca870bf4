"""Users (found again by username): name, role and phone. New users are made pending, to be invited.

Passwords never travel in a spreadsheet: a new user sets theirs through an invitation link the owner hands out
from the Users page (users.services), and re-importing changes name, role and phone only.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth import services as auth
from app.auth.models import User
from app.auth.roles import ROLE_LABELS, Role
from app.extensions import db
from app.imports import framework as imp
from app.users import services as people


def _roles() -> dict:
    """Every way a file may name a role: its label in either language and its code."""
    from flask_babel import force_locale
    names = {str(label): role for role, label in ROLE_LABELS.items()}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            names.update({str(label): role for role, label in ROLE_LABELS.items()})
    names.update({role.value: role for role in Role})
    return names


def _role_choices() -> list[str]:
    return [str(label) for label in ROLE_LABELS.values()]


def _username(value: str) -> str:
    if not auth.USERNAME.match(value):
        raise ValueError(_("“%(text)s” is not a username. Expected 2 to 64 letters, digits, dots, dashes or "
                           "underscores.", text=value))
    return value


def _phone(value: str) -> str:
    if not auth.PHONE.fullmatch(value):
        raise ValueError(_("“%(text)s” is not a phone number. Expected digits, spaces or dashes, an optional + "
                           "at the start.", text=value))
    return value


COLUMNS = (
    imp.Column("username", ("username", "用户名", "账号"), _username, example="wangxiaoming", width=18, as_text=True,
               help=_l("What the user signs in with. A username that exists updates that user; left empty, one is "
                       "made from the name in pinyin.")),
    imp.Column("name", ("name", "姓名", "名字"), imp.text(100), required=True, example="王小明", width=14,
               help=_l("The user's name, as shown on screens and documents.")),
    imp.Column("role", ("role", "角色"), imp.choice(_roles), example=str(ROLE_LABELS[Role.SALES]), width=10,
               choices=_role_choices, help=_l("What the user may do and see. Required for a new user.")),
    imp.Column("phone", ("phone", "手机号", "电话"), _phone, example="13800138000", width=16, as_text=True,
               help=_l("Optional.")),
)


class Users(imp.Kind):
    name = "users"
    title = _l("Users")
    description = _l("Employees with their roles. New users are invited: each sets a password through a link "
                     "you hand out from the Users page.")
    roles = frozenset({Role.OWNER})
    order = 80
    key = "username"
    columns = COLUMNS

    def find(self, keys):
        return {user.username.lower(): user for user in db.session.scalars(
            select(User).where(func.lower(User.username).in_(keys)))}

    def check_row(self, row, preview, options):
        if row.existing is None and "role" not in row.values and "role" not in {
                p.column for p in preview.problems_in(row.number)}:
            row.problem("role", _("A new user needs a role. Expected one of: %(choices)s.",
                                  choices="、".join(_role_choices())))

    def check(self, preview, options):
        """Usernames for rows without one, unique within the file as well as in the database."""
        taken = {row.values["username"].lower() for row in preview.rows if row.values.get("username")}
        for row in preview.rows:
            if row.values.get("username") or not row.values.get("name"):
                continue
            proposal = people.propose_username(row.values["name"], row.values.get("phone", ""))
            base, number = proposal, 1
            while proposal and (proposal.lower() in taken or auth.find_user(proposal)):
                number += 1
                proposal = f"{base}{number}"
            if not proposal:
                row.problem("username", _("No username can be made from this name. Expected a username."))
                continue
            taken.add(proposal.lower())
            row.plan["username"] = proposal
        if new := [row for row in preview.new_rows if row.ok]:
            preview.notes.append(_("New users are made waiting for their invitation: after the import, hand out "
                                   "their links and QR codes from the Users page.") + " " +
                                 "、".join(row.values.get("username") or row.plan.get("username", "") for row in new))

    def write(self, actor, preview, options):
        written = imp.Written()
        for row in preview.rows:
            with preview.writing(row):
                values = row.values
                if row.existing is not None:
                    auth.update_user(actor, row.existing, role=values.get("role"),
                                     display_name=values.get("name"), phone=values.get("phone"))
                    written.updated += 1
                else:
                    people.add_pending_user(actor, values.get("username") or row.plan["username"],
                                            values["name"], values["role"], values.get("phone", ""))
                    written.created += 1
        if written.created:
            written.note = _("The new users wait for their invitation under “Waiting for the invited” on the Users "
                             "page.")
        return written


imp.register(Users())
