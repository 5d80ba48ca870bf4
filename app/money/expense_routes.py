"""Expense and other income screens (费用/其他收支), with the receipt's photo."""
from datetime import date

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app.amounts import ZERO
from app.auth.roles import BOOKS, allow
from app.books.models import Expense, ExpenseCategory, MoneyDirection
from app.books.posting import voucher_of
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import created, form_write, new_key, refuse
from app.money import expenses, services
from app.money.forms import CategoryForm, ExpenseForm
from app.money.routes import bp
from app.paging import page_number, read_page
from app.partners.models import Supplier
from app.web import list_url, render

PER_PAGE = 30
SUPPLIER_CHOICES = 500
NONE = SelectChoice("", "—")


def _month(text: str | None) -> tuple[int, int] | None:
    """?month=2026-12 as (year, month), None when missing or malformed."""
    text = (text or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isascii() and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 2000 <= year <= 2099 and 1 <= month <= 12:
            return year, month
    return None


# Endpoint money.expenses: a function of that name would shadow the expenses module.
@bp.route("/expenses", endpoint="expenses")
@allow(BOOKS)
def expenses_list():
    """Expenses and other income, newest first, by month and category, with the month's totals."""
    query = select(Expense).options(selectinload(Expense.category), selectinload(Expense.money_account))
    month = _month(request.args.get("month"))
    if month:
        first = date(month[0], month[1], 1)
        following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
        query = query.where(Expense.spent_on >= first, Expense.spent_on < following)
    category_id = request.args.get("category", type=int)
    if category_id:
        query = query.where(Expense.category_id == category_id)
    sums = dict(db.session.execute(select(Expense.direction, func.sum(Expense.amount))
                                   .where(Expense.id.in_(query.with_only_columns(Expense.id)))
                                   .group_by(Expense.direction)).all())
    page = read_page(query.order_by(Expense.spent_on.desc(), Expense.id.desc()), page_number(), PER_PAGE, scalars=True)
    return render("money/expenses.html", "money/_expenses.html" if page.page == 1 else "money/_expense_rows.html",
                  items=page.items, page=page.page, has_next=page.has_next, args=request.args,
                  list_url=list_url("money.expenses"), categories=expenses.categories(),
                  spent=sums.get(MoneyDirection.EXPENSE, ZERO), received=sums.get(MoneyDirection.INCOME, ZERO))


def _choices(form: ExpenseForm, direction: MoneyDirection) -> None:
    form.category_id.choices = [NONE] + [SelectChoice(str(c.id), c.name) for c in expenses.categories(direction, True)]
    form.money_account_id.choices = [SelectChoice(str(i), name) for i, name in services.choices()]
    suppliers = db.session.execute(select(Supplier.id, Supplier.name).where(Supplier.active.is_(True))
                                   .order_by(Supplier.name).limit(SUPPLIER_CHOICES)).all()
    form.supplier_id.choices = [NONE] + [SelectChoice(str(i), name) for i, name in suppliers]


@bp.route("/expenses/new", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def expense_new():
    """Record an expense (or, with ?direction=income, other income), with a photo of its receipt."""
    direction = MoneyDirection.INCOME if request.values.get("direction") == "income" else MoneyDirection.EXPENSE
    form = ExpenseForm(idempotency_key=new_key(), spent_on=business_today())
    _choices(form, direction)
    if form.validate_on_submit():
        photo = form.photo.data.read(expenses.PHOTO_MAX_BYTES + 1) if form.photo.data else None
        if response := created(form, lambda: expenses.create_expense(g.user, form.values(), photo),
                               lambda expense: (url_for("money.expense_show", expense_id=expense.id),
                                                _("%(number)s was recorded.", number=expense.number))):
            return response
    return render("money/expense_new.html", form=form, direction=direction,
                  status=422 if request.method == "POST" else 200)


def _expense(expense_id) -> Expense:
    return db.session.get(Expense, expense_id) or abort(404)


@bp.route("/expenses/<int:expense_id>")
@allow(BOOKS)
def expense_show(expense_id):
    """One expense or other income: what, from which account, its voucher and its photo."""
    expense = _expense(expense_id)
    return render("money/expense_show.html", expense=expense, has_photo=expenses.has_photo(expense),
                  voucher=voucher_of(expenses.RULE[expense.direction], expense.id))


@bp.route("/expenses/<int:expense_id>/photo")
@allow(BOOKS)
def expense_photo(expense_id):
    """The stored JPEG; links carry ?v=photo_version, so a day of private caching is safe."""
    row = db.session.execute(select(Expense.photo, Expense.photo_version).where(Expense.id == expense_id)).first()
    if row is None or row.photo is None:
        abort(404)
    response = make_response(row.photo)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(f"expense-{expense_id}-{row.photo_version}")
    return response.make_conditional(request)


# --- categories ----------------------------------------------------------------------------------------------------

def _category_form(form: CategoryForm) -> CategoryForm:
    form.account_id.choices = [NONE] + [SelectChoice(str(a.id), str(a)) for a in expenses.category_accounts()]
    return form


@bp.route("/categories", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def categories():
    """The categories by direction, each with its account; the form adds one."""
    form = _category_form(CategoryForm(idempotency_key=new_key()))
    if form.validate_on_submit() and (response := created(
            form, lambda: expenses.create_category(g.user, form.values()),
            lambda category: (url_for("money.categories"), _("Category %(name)s was added.", name=category.name)))):
        return response
    return render("money/categories.html", form=form, categories=expenses.categories(),
                  status=422 if request.method == "POST" else 200)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@allow(BOOKS)
@form_write
def category_edit(category_id):
    """Rename a category, move it to another account, deactivate it."""
    category = db.session.get(ExpenseCategory, category_id) or abort(404)
    form = _category_form(CategoryForm(data={"name": category.name, "direction": category.direction.value,
                                             "account_id": str(category.account_id), "active": category.active}))
    if form.validate_on_submit():
        try:
            expenses.update_category(g.user, category, form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("money.categories"), 303)
    return render("money/category_edit.html", form=form, category=category,
                  status=422 if request.method == "POST" else 200)

