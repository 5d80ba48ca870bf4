"""Expenses (费用) and other income (其他收入): paid from or into a money account, posted to their category's
account, with the receipt's or fapiao's photo; and the categories themselves."""
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.books import chart, posting
from app.books.models import Account, AccountType, Expense, ExpenseCategory, MoneyDirection
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import AMOUNT, MAX_ID, clean_text, parse_int, parse_number
from app.money.services import active_account
from app.numbering import next_number
from app.partners.models import Supplier

PHOTO_MAX_PX = 1600  # long side: a fapiao's small print stays legible
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # what a phone camera sends, well within the app's request limit
PHOTO_MAX_PIXELS = 50_000_000
PREFIX = {MoneyDirection.EXPENSE: "EX", MoneyDirection.INCOME: "OI"}
RULE = {MoneyDirection.EXPENSE: "expense", MoneyDirection.INCOME: "other_income"}


def _id(value) -> int | None:
    try:
        return parse_int(value, 1, MAX_ID)
    except ValueError:
        return None


# --- categories ----------------------------------------------------------------------------------------------------

def categories(direction: MoneyDirection | None = None, active_only: bool = False) -> list[ExpenseCategory]:
    chart.ensure()
    query = select(ExpenseCategory).order_by(ExpenseCategory.direction, ExpenseCategory.active.desc(),
                                             ExpenseCategory.id)
    if direction is not None:
        query = query.where(ExpenseCategory.direction == direction)
    if active_only:
        query = query.where(ExpenseCategory.active.is_(True))
    return db.session.scalars(query).all()


def category_accounts() -> list[Account]:
    """The accounts a category may post to: active leaves of the profit and loss class."""
    return [account for account in chart.leaves() if account.type == AccountType.PROFIT_LOSS and account.active]


def _category_values(values: dict, category: ExpenseCategory | None = None) -> tuple[str, MoneyDirection, Account]:
    name = clean_text(str(values.get("name") or "")).strip()
    if not name:
        raise BusinessRuleError(_("Enter a name."), "name")
    if len(name) > 60:
        raise BusinessRuleError(_("At most %(max)s characters.", max=60), "name")
    try:
        direction = MoneyDirection(values.get("direction") or (category.direction if category else None))
    except ValueError:
        raise BusinessRuleError(_("Choose expense or other income."), "direction") from None
    taken = db.session.scalar(select(ExpenseCategory.id).where(ExpenseCategory.direction == direction,
                                                               func.lower(ExpenseCategory.name) == name.lower()))
    if taken is not None and (category is None or taken != category.id):
        raise BusinessRuleError(_("There is already a category named %(name)s.", name=name), "name")
    account_id = _id(values.get("account_id"))
    account = next((account for account in category_accounts() if account.id == account_id), None)
    if account is None:
        raise BusinessRuleError(_("Choose an income or expense account without sub-accounts."), "account_id")
    return name, direction, account


def create_category(actor, values: dict) -> ExpenseCategory:
    name, direction, account = _category_values(values)
    category = ExpenseCategory(name=name, direction=direction, account=account, active=True)
    db.session.add(category)
    audit.record(actor, "expense_category.create", category, {"name": (None, name), "account": (None, str(account))})
    return category


def update_category(actor, category: ExpenseCategory, values: dict) -> ExpenseCategory:
    """Rename, move to another account (later expenses post there; vouchers already written stay), (de)activate."""
    name, _direction, account = _category_values({**values, "direction": category.direction}, category)
    changes = audit.apply_changes(category, {"name": name, "account_id": account.id,
                                             "active": bool(values.get("active", category.active))})
    if changes:
        audit.record(actor, "expense_category.update", category, changes)
    return category


# --- expenses and other income -------------------------------------------------------------------------------------

def resized_photo(data: bytes) -> bytes:
    """The photo as a JPEG no longer than PHOTO_MAX_PX on its long side, turned upright as the camera held it."""
    if len(data) > PHOTO_MAX_BYTES:
        raise BusinessRuleError(_("The photo is larger than %(max)s MB.", max=PHOTO_MAX_BYTES // 2 ** 20), "photo")
    from PIL import Image, ImageOps, UnidentifiedImageError  # Pillow loads with the first upload, not at start
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise BusinessRuleError(_("The image is too large."), "photo")
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise BusinessRuleError(_("Upload a PNG, JPEG or WebP image."), "photo") from None
    return out.getvalue()


def create_expense(actor, values: dict, photo: bytes | None = None) -> Expense:
    """Record money paid for an expense, or received as other income, and write its voucher (last)."""
    category = db.session.get(ExpenseCategory, _id(values.get("category_id")) or 0)
    if category is None or not category.active:
        raise BusinessRuleError(_("Choose an active category."), "category_id")
    account = active_account(values.get("money_account_id"), "money_account_id")
    amount = parse_number(values.get("amount") or "", AMOUNT, "amount")
    if amount <= 0:
        raise BusinessRuleError(_("Enter an amount above zero."), "amount")
    tax = parse_number(values.get("tax") or "0", AMOUNT, "tax")
    if tax and category.direction == MoneyDirection.INCOME:
        raise BusinessRuleError(_("Other income has no deductible tax."), "tax")
    if tax >= amount and tax:
        raise BusinessRuleError(_("The deductible tax must be less than the amount."), "tax")
    supplier = None
    if values.get("supplier_id") not in (None, ""):
        supplier = db.session.get(Supplier, _id(values.get("supplier_id")) or 0)
        if supplier is None:
            raise BusinessRuleError(_("No such supplier."), "supplier_id")
    spent_on: date = values.get("spent_on") or business_today()
    if spent_on > business_today():
        raise BusinessRuleError(_("It cannot be dated in the future."), "spent_on")
    posting.check_open(spent_on, "spent_on")
    expense = Expense(number=next_number(PREFIX[category.direction]), direction=category.direction,
                      category=category, money_account=account, supplier=supplier, amount=amount, tax=tax,
                      spent_on=spent_on, notes=clean_text(str(values.get("notes") or "")).strip()[:200],
                      user_id=getattr(actor, "id", None))
    if photo:
        expense.photo, expense.photo_version = resized_photo(photo), 1
    db.session.add(expense)
    audit.record(actor, f"{RULE[category.direction]}.create", expense,
                 {"category": (None, category.name), "amount": (None, amount), "money_account": (None, account.name)})
    posting.post(actor, RULE[category.direction], expense)
    return expense


def has_photo(expense: Expense) -> bool:
    return bool(db.session.scalar(select(Expense.photo.is_not(None)).where(Expense.id == expense.id)))
