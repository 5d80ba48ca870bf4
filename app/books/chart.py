"""The chart of accounts of 小企业会计准则 (2013), the money accounts and the expense categories a new company
starts with, seeded on first use.

Names are the standard's Chinese names: they are what the bookkeeper and 金蝶/用友 know them by. The owner and finance
may rename them and add sub-accounts; an account a role points to cannot be deleted.
"""
from sqlalchemy import bindparam, func, select, text

from app import database
from app.books.models import Account, AccountType, ExpenseCategory, MoneyAccount, MoneyDirection, MoneyKind
from app.db_types import UTCDateTime, utcnow
from app.extensions import db

A, L, E, C, P = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY, AccountType.COST,
                 AccountType.PROFIT_LOSS)

# (code, name, type, debit-normal, role): the roles are what app.books.rules posts to.
CHART = (
    ("1001", "库存现金", A, True, None),
    ("100101", "现金", A, True, None),
    ("1002", "银行存款", A, True, None),
    ("100201", "基本存款账户", A, True, None),
    ("1012", "其他货币资金", A, True, None),
    ("101201", "微信", A, True, None),
    ("101202", "支付宝", A, True, None),
    ("1101", "短期投资", A, True, None),
    ("1121", "应收票据", A, True, None),
    ("1122", "应收账款", A, True, "receivables"),
    ("1123", "预付账款", A, True, None),
    ("1131", "应收股利", A, True, None),
    ("1132", "应收利息", A, True, None),
    ("1221", "其他应收款", A, True, None),
    ("1401", "材料采购", A, True, None),
    ("1402", "在途物资", A, True, None),
    ("1403", "原材料", A, True, None),
    ("1405", "库存商品", A, True, "stock"),
    ("1406", "发出商品", A, True, "goods_shipped"),
    ("1411", "周转材料", A, True, None),
    ("1501", "长期债券投资", A, True, None),
    ("1511", "长期股权投资", A, True, None),
    ("1601", "固定资产", A, True, None),
    ("1602", "累计折旧", A, False, None),
    ("1604", "在建工程", A, True, None),
    ("1701", "无形资产", A, True, None),
    ("1702", "累计摊销", A, False, None),
    ("1801", "长期待摊费用", A, True, None),
    ("1901", "待处理财产损溢", A, True, "stock_differences"),
    ("2001", "短期借款", L, False, None),
    ("2201", "应付票据", L, False, None),
    ("2202", "应付账款", L, False, None),
    ("220201", "应付货款", L, False, "payables"),
    ("220202", "暂估应付款", L, False, "received_not_invoiced"),
    ("2203", "预收账款", L, False, None),
    ("2211", "应付职工薪酬", L, False, None),
    ("2221", "应交税费", L, False, None),
    ("222101", "应交增值税", L, False, None),
    ("22210101", "进项税额", L, False, "input_vat"),
    ("22210102", "销项税额", L, False, "output_vat"),
    ("222102", "未交增值税", L, False, None),
    ("2231", "应付利息", L, False, None),
    ("2232", "应付利润", L, False, None),
    ("2241", "其他应付款", L, False, None),
    ("2401", "递延收益", L, False, None),
    ("2501", "长期借款", L, False, None),
    ("2701", "长期应付款", L, False, None),
    ("3001", "实收资本", E, False, None),
    ("3002", "资本公积", E, False, None),
    ("3101", "盈余公积", E, False, None),
    ("3103", "本年利润", E, False, None),
    ("3104", "利润分配", E, False, None),
    ("310401", "未分配利润", E, False, "opening_equity"),
    ("4001", "生产成本", C, True, None),
    ("4101", "制造费用", C, True, None),
    ("5001", "主营业务收入", P, False, "revenue"),
    ("5051", "其他业务收入", P, False, None),
    ("5111", "投资收益", P, False, None),
    ("5301", "营业外收入", P, False, None),
    ("5401", "主营业务成本", P, True, "cost_of_sales"),
    ("5402", "其他业务成本", P, True, None),
    ("5403", "税金及附加", P, True, None),
    ("5601", "销售费用", P, True, None),
    ("560101", "运输费", P, True, None),
    ("560102", "广告费和业务宣传费", P, True, None),
    ("560103", "销售人员薪酬", P, True, None),
    ("5602", "管理费用", P, True, None),
    ("560201", "租金", P, True, None),
    ("560202", "水电费", P, True, None),
    ("560203", "管理人员薪酬", P, True, None),
    ("560204", "办公费", P, True, None),
    ("560205", "业务招待费", P, True, None),
    ("5603", "财务费用", P, True, None),
    ("560301", "手续费", P, True, None),
    ("560302", "利息", P, True, None),
    ("5711", "营业外支出", P, True, None),
    ("5801", "所得税费用", P, True, None),
)

# (name, kind, leaf account code): one money account per way of paying, each on its own leaf.
MONEY_ACCOUNTS = (("现金", MoneyKind.CASH, "100101"), ("银行存款", MoneyKind.BANK, "100201"),
                  ("微信", MoneyKind.WECHAT, "101201"), ("支付宝", MoneyKind.ALIPAY, "101202"))

# (name, direction, account code)
EXPENSE_CATEGORIES = (
    ("房租", MoneyDirection.EXPENSE, "560201"), ("工资", MoneyDirection.EXPENSE, "560203"),
    ("运费", MoneyDirection.EXPENSE, "560101"), ("水电费", MoneyDirection.EXPENSE, "560202"),
    ("办公用品", MoneyDirection.EXPENSE, "560204"), ("广告宣传", MoneyDirection.EXPENSE, "560102"),
    ("业务招待", MoneyDirection.EXPENSE, "560205"), ("银行手续费", MoneyDirection.EXPENSE, "560301"),
    ("其他支出", MoneyDirection.EXPENSE, "5711"),
    ("利息收入", MoneyDirection.INCOME, "560302"), ("其他收入", MoneyDirection.INCOME, "5301"),
)


def ensure() -> None:
    """Seed the chart, the money accounts and the expense categories when the books are empty.

    A page (a read request) seeds them in a write transaction of its own, committed at once (database.written_apart):
    two pages opened at once on a new company's first dashboard had one of them fail on SQLite. Safe when two first
    postings race too: the account rows go in with ON CONFLICT DO NOTHING on their unique code, and the rest only
    when the chart was new to this transaction."""
    if _seeded():
        return
    with database.written_apart():
        if not _seeded():  # another request may have seeded it while this one waited for the write lock
            _seed()


def _seeded() -> bool:
    return db.session.scalar(select(Account.id).limit(1)) is not None


def _seed() -> None:
    inserted = 0
    for code, name, kind, debit_normal, role in CHART:
        inserted += db.session.execute(_INSERT, {"code": code, "name": name, "type": kind.value,
                                                 "debit_normal": debit_normal, "role": role,
                                                 "active": True, "created_at": utcnow()}).rowcount or 0
    if inserted != len(CHART):
        return  # another transaction seeded it first and will add the rest
    ids = dict(db.session.execute(select(Account.code, Account.id)).all())
    for name, kind, code in MONEY_ACCOUNTS:
        db.session.add(MoneyAccount(name=name, kind=kind, account_id=ids[code]))
    for name, direction, code in EXPENSE_CATEGORIES:
        db.session.add(ExpenseCategory(name=name, direction=direction, account_id=ids[code]))
    db.session.flush()


_INSERT = text(f"INSERT INTO {Account.__tablename__} (code, name, type, debit_normal, role, active, created_at) "
               "VALUES (:code, :name, :type, :debit_normal, :role, :active, :created_at) "
               "ON CONFLICT (code) DO NOTHING").bindparams(bindparam("created_at", type_=UTCDateTime))


def by_role() -> dict[str, Account]:
    """{role: account} for the accounts the posting rules address."""
    ensure()
    return {account.role: account for account in db.session.scalars(select(Account).where(Account.role.is_not(None)))}


def role_ids() -> dict[str, int]:
    """{role: account id} for the posting rules (`by_role` without loading the accounts)."""
    found = dict(db.session.execute(_ROLE_IDS).all())
    if not found:  # a new database: the chart is seeded on first use
        ensure()
        found = dict(db.session.execute(_ROLE_IDS).all())
    return found


_ROLE_IDS = select(Account.role, Account.id).where(Account.role.is_not(None))


def leaves() -> list[Account]:
    """The accounts postings may go to (no sub-accounts), by code."""
    ensure()
    accounts = db.session.scalars(select(Account).order_by(Account.code)).all()
    parents = {account.parent_code for account in accounts}
    return [account for account in accounts if account.code not in parents]


def has_children(code: str) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Account)
                                  .where(Account.code.like(f"{code}__", escape="\\"))))
