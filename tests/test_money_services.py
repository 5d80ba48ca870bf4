"""Money accounts, transfers, expenses and other income: their vouchers to the cent, statements with running
balances, and refusals that say why and change nothing."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.books import balances, chart, periods
from app.books.models import Account, Expense, ExpenseCategory, MoneyAccount, MoneyTransfer, Voucher
from app.books.posting import voucher_of
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.money import expenses, services
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def world(app):
    """The seeded books, a new bank account holding 1,000.00 since last month and the seeded till."""
    owner = factories.user("owner")
    chart.ensure()
    bank = services.create_account(owner, {"name": "工商银行基本户", "kind": "bank", "opening_balance": "1000.00",
                                           "opened_on": business_today().replace(day=1) - timedelta(days=10)})
    cash = db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == "现金"))
    db.session.commit()
    return SimpleNamespace(owner=owner, bank=bank, cash=cash, today=business_today())


def lines(voucher) -> list[tuple[str, D, D]]:
    """(account code, debit, credit) of each line, by code."""
    return sorted((line.account.code, line.debit, line.credit) for line in voucher.lines)


def category(name) -> ExpenseCategory:
    return db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == name))


def counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (MoneyAccount, MoneyTransfer, Expense, Voucher, Account))


def test_a_new_account_has_its_own_leaf_and_its_opening_voucher(world):
    leaf = world.bank.account
    assert (leaf.code, leaf.name) == ("100202", "工商银行基本户")  # 100201 is the seeded bank account
    assert lines(voucher_of("opening_money", world.bank.id)) == [("100202", D("1000.00"), D("0")),
                                                                ("310401", D("0"), D("1000.00"))]
    wechat = services.create_account(world.owner, {"name": "店铺微信", "kind": "wechat"})
    assert wechat.account.code == "101203" and voucher_of("opening_money", wechat.id) is None
    assert services.create_account(world.owner, {"name": "保险柜", "kind": "cash"}).account.code == "100102"
    rows, total = services.with_balances()
    assert dict((account.name, balance) for account, balance in rows)["工商银行基本户"] == D("1000.00")
    assert total == D("1000.00")
    assert run_all() == []


def test_an_opening_balance_is_restated_and_withdrawn_at_zero(world):
    services.update_account(world.owner, world.bank, {"name": "工行", "opening_balance": "1200.50",
                                                      "opened_on": world.bank.opened_on, "active": True})
    assert world.bank.account.name == "工行"
    assert lines(voucher_of("opening_money", world.bank.id))[0] == ("100202", D("1200.50"), D("0"))
    services.update_account(world.owner, world.bank, {"name": "工行", "opening_balance": "0",
                                                      "opened_on": world.bank.opened_on, "active": True})
    assert voucher_of("opening_money", world.bank.id) is None
    assert balances.balance(world.bank.account) == 0
    assert run_all() == []


@pytest.mark.parametrize("values, field, message", [
    ({"name": "", "kind": "bank"}, "name", "Enter a name."),
    ({"name": "现金", "kind": "cash"}, "name", "There is already a money account named 现金."),
    ({"name": "X", "kind": "gold"}, "kind", "Choose what kind of account it is."),
    ({"name": "X", "kind": "bank", "opening_balance": "-5"}, "opening_balance", "Cannot be negative."),
    ({"name": "X", "kind": "bank", "opening_balance": "1e400"}, "opening_balance", "Enter a number."),
])
def test_account_refusals_change_nothing(world, values, field, message):
    before = counts()
    with pytest.raises(BusinessRuleError) as refused:
        services.create_account(world.owner, values)
    assert (refused.value.field, str(refused.value.message)) == (field, message)
    db.session.rollback()
    assert counts() == before


def test_an_account_holding_money_cannot_be_deactivated(world):
    with pytest.raises(BusinessRuleError, match="still holds ¥1,000.00"):
        services.update_account(world.owner, world.bank, {"name": world.bank.name, "opening_balance": "1000",
                                                          "opened_on": world.bank.opened_on, "active": False})


def test_a_transfer_debits_the_target_and_credits_the_source(world):
    transfer = services.create_transfer(world.owner, world.bank.id, str(world.cash.id), "300.00", world.today, "备用金")
    assert transfer.number.startswith("MT-")
    assert lines(voucher_of("money_transfer", transfer.id)) == [("100101", D("300.00"), D("0")),
                                                               ("100202", D("0"), D("300.00"))]
    assert balances.balance(world.bank.account) == D("700.00")
    assert balances.balance(world.cash.account) == D("300.00")
    assert run_all() == []


def _closed_last_month(world):
    last_month = world.today.replace(day=1) - timedelta(days=1)
    for voucher in db.session.scalars(select(Voucher)):  # the opening voucher may be in that month: move it out
        assert voucher.period >= last_month.strftime("%Y-%m")
    earlier = db.session.scalar(select(func.min(Voucher.period)))
    while earlier and earlier < last_month.strftime("%Y-%m"):
        periods.close(world.owner, earlier)
        earlier = db.session.scalar(select(func.min(Voucher.period)).where(Voucher.period > earlier))
    periods.close(world.owner, last_month.strftime("%Y-%m"))
    db.session.commit()
    return last_month


@pytest.mark.parametrize("case, field, message", [
    ("same", "to_account_id", "Choose two different accounts."),
    ("zero", "amount", "Enter an amount above zero."),
    ("negative", "amount", "Cannot be negative."),
    ("inactive", "to_account_id", "旧账户 is inactive: choose an active account."),
    ("closed", "moved_on", "is closed: nothing can be dated in it any more"),
])
def test_transfer_refusals_change_nothing(world, case, field, message):
    to, amount, day = world.cash.id, "10.00", world.today
    if case == "same":
        to = world.bank.id
    elif case == "zero":
        amount = "0"
    elif case == "negative":
        amount = "-3"
    elif case == "inactive":
        to = services.create_account(world.owner, {"name": "旧账户", "kind": "bank", "active": False}).id
    elif case == "closed":
        day = _closed_last_month(world)
    db.session.commit()
    before = counts()
    with pytest.raises(BusinessRuleError) as refused:
        services.create_transfer(world.owner, world.bank.id, to, amount, day)
    assert refused.value.field == field and message in str(refused.value.message)
    db.session.rollback()
    assert counts() == before
    assert run_all() == []


def test_an_expense_posts_net_to_its_category_and_the_tax_to_input_vat(world):
    supplier = factories.supplier("物业公司")
    expense = expenses.create_expense(world.owner, {"category_id": category("房租").id, "money_account_id": world.bank.id,
                                                    "amount": "113.00", "tax": "13.00", "spent_on": world.today,
                                                    "supplier_id": str(supplier.id), "notes": "十二月房租"})
    assert expense.number.startswith("EX-") and expense.supplier == supplier
    assert lines(voucher_of("expense", expense.id)) == [("100202", D("0"), D("113.00")),
                                                       ("22210101", D("13.00"), D("0")),
                                                       ("560201", D("100.00"), D("0"))]
    assert balances.balance(world.bank.account) == D("887.00")
    assert run_all() == []


def test_other_income_debits_the_money_account(world):
    income = expenses.create_expense(world.owner, {"category_id": category("其他收入").id, "amount": "50.00",
                                                   "money_account_id": world.cash.id, "spent_on": world.today})
    assert income.number.startswith("OI-") and income.direction.value == "income"
    assert lines(voucher_of("other_income", income.id)) == [("100101", D("50.00"), D("0")),
                                                           ("5301", D("0"), D("50.00"))]
    assert run_all() == []


@pytest.mark.parametrize("change, field, message", [
    ({"amount": "0"}, "amount", "Enter an amount above zero."),
    ({"amount": "abc"}, "amount", "Enter a number."),
    ({"tax": "100.00"}, "tax", "The deductible tax must be less than the amount."),
    ({"category_id": "999999"}, "category_id", "Choose an active category."),
    ({"money_account_id": "99999999999999999999"}, "money_account_id", "Choose a money account."),
    ({"supplier_id": "424242"}, "supplier_id", "No such supplier."),
    ({"future": True}, "spent_on", "It cannot be dated in the future."),
    ({"closed": True}, "spent_on", "is closed"),
    ({"income_tax": True}, "tax", "Other income has no deductible tax."),
])
def test_expense_refusals_change_nothing(world, change, field, message):
    values = {"category_id": str(category("运费").id), "money_account_id": str(world.cash.id), "amount": "100.00",
              "tax": "0", "spent_on": world.today}
    if change.pop("future", False):
        values["spent_on"] = world.today + timedelta(days=1)
    if change.pop("closed", False):
        values["spent_on"] = _closed_last_month(world)
    if change.pop("income_tax", False):
        values.update(category_id=str(category("其他收入").id), tax="1.00")
    values.update(change)
    before = counts()
    with pytest.raises(BusinessRuleError) as refused:
        expenses.create_expense(world.owner, values)
    assert refused.value.field == field and message in str(refused.value.message)
    db.session.rollback()
    assert counts() == before


def test_an_inactive_category_is_refused_and_categories_post_to_profit_and_loss_leaves(world):
    freight = category("运费")
    with pytest.raises(BusinessRuleError, match="income or expense account without sub-accounts"):
        expenses.update_category(world.owner, freight, {"name": "运费", "account_id": freight.account_id + 10_000})
    cash_leaf = db.session.scalar(select(Account).where(Account.code == "100101"))
    with pytest.raises(BusinessRuleError, match="income or expense account without sub-accounts"):
        expenses.update_category(world.owner, freight, {"name": "运费", "account_id": str(cash_leaf.id)})
    five_six = db.session.scalar(select(Account).where(Account.code == "5601"))  # has sub-accounts
    with pytest.raises(BusinessRuleError):
        expenses.update_category(world.owner, freight, {"name": "运费", "account_id": str(five_six.id)})
    expenses.update_category(world.owner, freight, {"name": "快递运费", "account_id": str(freight.account_id),
                                                    "active": False})
    with pytest.raises(BusinessRuleError, match="Choose an active category."):
        expenses.create_expense(world.owner, {"category_id": freight.id, "money_account_id": world.cash.id,
                                              "amount": "5"})
    fees = expenses.create_category(world.owner, {"name": "快递费", "direction": "expense",
                                                  "account_id": str(freight.account_id)})
    assert fees.account.code == "560101"
    with pytest.raises(BusinessRuleError, match="already a category named 快递费"):
        expenses.create_category(world.owner, {"name": "快递费", "direction": "expense",
                                               "account_id": str(freight.account_id)})


def test_the_statement_runs_a_balance_over_the_chosen_days(world):
    day = world.today
    opened = world.bank.opened_on
    services.create_transfer(world.owner, world.bank.id, world.cash.id, "200.00", opened + timedelta(days=1))
    expenses.create_expense(world.owner, {"category_id": category("运费").id, "money_account_id": world.bank.id,
                                          "amount": "30.50", "spent_on": opened + timedelta(days=5)})
    services.create_transfer(world.owner, world.cash.id, world.bank.id, "50.00", opened + timedelta(days=6))
    everything = services.statement(world.bank, opened, day)
    assert everything.opening == 0
    assert [(row.money_in, row.money_out, row.balance) for row in everything.rows] == [
        (D("1000.00"), D("0"), D("1000.00")), (D("0"), D("200.00"), D("800.00")),
        (D("0"), D("30.50"), D("769.50")), (D("50.00"), D("0"), D("819.50"))]
    assert everything.closing == D("819.50") == balances.balance(world.bank.account)
    later = services.statement(world.bank, opened + timedelta(days=2), day)
    assert later.opening == D("800.00") and [row.balance for row in later.rows] == [D("769.50"), D("819.50")]
    assert later.rows[0].voucher.source_type == "expense"
    assert run_all() == []


def test_an_opening_balance_dated_in_a_closed_month_is_refused(world):
    last_month = _closed_last_month(world)
    before = counts()
    with pytest.raises(BusinessRuleError) as refused:
        services.create_account(world.owner, {"name": "邮储银行", "kind": "bank", "opening_balance": "10",
                                              "opened_on": last_month})
    assert refused.value.field == "opened_on" and "is closed" in str(refused.value.message)
    db.session.rollback()
    assert counts() == before
    with pytest.raises(BusinessRuleError, match="is closed"):  # its voucher is in the closed month
        services.update_account(world.owner, world.bank, {"name": world.bank.name, "opening_balance": "0",
                                                          "opened_on": world.bank.opened_on, "active": True})
    db.session.rollback()
    services.update_account(world.owner, world.bank, {"name": "工行新名", "opening_balance": "1000.00",
                                                      "opened_on": world.bank.opened_on, "active": True})
    assert world.bank.account.name == "工行新名"  # a rename leaves the closed month's voucher alone
    assert run_all() == []
