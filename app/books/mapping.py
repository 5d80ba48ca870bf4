"""Account codes in the bookkeeper's software (科目对照): where 金蝶 or 用友 knows an account by another code than ours.

Most 代账 bookkeepers keep the 小企业会计准则 codes, so an account without a mapping is exported under its own code;
a mapping is only the exceptions (our 100201 is their 1002.01, a sub-account they split differently...).
"""
import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.books.models import Account
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import clean_text

# The finance software an export is laid out for: one mapping each (beancount needs none: it takes our codes).
TARGETS = {"kingdee": _l("Kingdee (KIS / Jingdouyun)"), "yonyou": _l("Yonyou (T3 / T+)")}
MAX_CODE = 40
# What 金蝶 and 用友 account codes are made of: digits, and in 金蝶 a dot between levels (1002.01).
CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


class AccountMapping(db.Model):
    """Our account's code in one target's chart, where it is not the same as ours."""

    __table_args__ = (UniqueConstraint("target", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(MAX_CODE))

    account: Mapped[Account] = relationship()


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise BusinessRuleError(_("Choose Kingdee or Yonyou."), "target")
    return target


def codes(target: str) -> dict[int, str]:
    """{account id: its code in `target`} for the mapped accounts; the others keep their own code."""
    check_target(target)
    return dict(db.session.execute(select(AccountMapping.account_id, AccountMapping.code)
                                   .where(AccountMapping.target == target)).all())


def save(target: str, wanted: dict[int, str]) -> None:
    """Set `target`'s codes ({account id: code}); a blank code, or our own, removes the mapping. Every code is
    checked before anything changes, and two accounts may not share one code (the import would merge them)."""
    check_target(target)
    accounts = {account.id: account for account in db.session.scalars(
        select(Account).where(Account.id.in_(list(wanted))))}
    cleaned: dict[int, str] = {}
    for account_id, text in wanted.items():
        account = accounts.get(account_id)
        if account is None:
            raise BusinessRuleError(_("That account no longer exists. Reload the page."), "codes")
        code = unicodedata.normalize("NFKC", clean_text(text or "")).strip()
        if code and (len(code) > MAX_CODE or not CODE.match(code)):
            raise BusinessRuleError(_("%(account)s: use digits and letters, with dots or dashes between levels, at "
                                      "most %(n)d characters.", account=str(account), n=MAX_CODE), "codes")
        cleaned[account_id] = code or account.code
    stored = {row.account_id: row for row in db.session.scalars(
        select(AccountMapping).where(AccountMapping.target == target))}
    final = {account_id: row.code for account_id, row in stored.items()}  # what the mapping will be afterwards
    for account_id, code in cleaned.items():
        if code == accounts[account_id].code:
            final.pop(account_id, None)
        else:
            final[account_id] = code
    taken = _shared(final)
    if taken:
        raise BusinessRuleError(_("Code %(code)s is given to two accounts; each account needs its own.", code=taken),
                                "codes")
    for account_id, code in cleaned.items():
        row = stored.get(account_id)
        if code == accounts[account_id].code:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(AccountMapping(target=target, account_id=account_id, code=code))
        else:
            row.code = code
    db.session.flush()


def _shared(mapped: dict[int, str]) -> str | None:
    """A code two accounts would export under (mapped ones, and unmapped ones under their own code), or None."""
    seen: dict[str, int] = {}
    for account_id, code in db.session.execute(select(Account.id, Account.code)).all():
        code = mapped.get(account_id, code)
        if code in seen:
            return code
        seen[code] = account_id
    return None
