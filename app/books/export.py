"""Vouchers out to the bookkeeper: a period's vouchers as the .xlsx that 金蝶 or 用友 imports, or as a beancount file.

The layouts, and where they come from (check them against the template your version offers; both programs let the
bookkeeper pick the columns of an import, so extra or reordered columns are a setting, not a wall):

- 金蝶 KIS 专业版 / 精斗云 (and K/3), 凭证引入 from Excel: the 37 columns of the voucher sheet KIS itself exports and
  imports, in this order, one row per entry (分录): 凭证日期 ... 核算项目, 过账, 机制凭证, 现金流量. Followed: the
  column list used by two public voucher-export tools for KIS/K3 (GitHub code "DownloadVoucherHandler.K3_ALL_CAPTIONS"
  and a POI example writing the same sheet, whose 核算项目 cell reads "类别---代码---名称", several joined by "||",
  and whose 分录序号 counts from 0), and the KIS 凭证引入 field list (FDATE, FPERIOD, FGROUP, FNUM, FENTRYID from 0,
  FEXP, FACCTID, FCLSNAME/FOBJID/FOBJNAME per 核算项目, FCYID, FEXCHRATE, FDEBIT, FCREDIT, FPREPARE ...) published on
  blog.csdn.net. 币别代码 RMB / 人民币 is KIS's own base currency.
- 用友 T3 / T+ (and U8), 凭证引入 through 总账工具: one row per entry, [制单日期 + 凭证类别字 + 凭证号] identifying a
  voucher, 附单据数 0 when none, exactly one of 借方 and 贷方 non-zero (100ksw.com, "用友U8凭证导入工具的使用方法");
  then the optional part of the same format (数量, 外币, 汇率, 制单人, 结算方式, 票号, 发生日期, 部门编码, 个人编码,
  客户编码, 供应商编码, 业务员, 项目编码), whose names follow gl_accvouch (csign 凭证类别字, ino_id 凭证编号, dbill_date
  制单日期, idoc 附单据数, cbill 制单人). The optional columns' order is from the 用友 text format as commonly
  documented, not from a file we could check; the bookkeeper maps them by name in the import screen.

Account codes go out through the target's mapping (app.books.mapping): our code unless the bookkeeper set another.
Vouchers without lines (a document whose figures were all zero) are left out: neither program takes an empty voucher.
"""
import io
import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import pinyin
from app.amounts import ZERO
from app.books import chart, mapping
from app.books.models import Account, AccountMonth, AccountType, Voucher, VoucherLine
from app.books.posting import VOUCHER_COUNTER, period_of
from app.reports.export import cell
from app.errors import BusinessRuleError
from app.extensions import db
from app.settings.services import company

FORMATS = ("kingdee", "yonyou", "beancount")
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120  # ten years in one file: more is a typing mistake

KINGDEE_COLUMNS = ("凭证日期", "会计年度", "会计期间", "凭证字", "凭证号", "科目代码", "科目名称", "币别代码", "币别名称",
                   "原币金额", "借方", "贷方", "制单", "审核", "核准", "出纳", "经办", "结算方式", "结算号", "凭证摘要",
                   "数量", "数量单位", "单价", "参考信息", "业务日期", "往来业务编号", "附件数", "序号", "系统模块",
                   "业务描述", "汇率类型", "汇率", "分录序号", "核算项目", "过账", "机制凭证", "现金流量")
YONYOU_COLUMNS = ("制单日期", "凭证类别字", "凭证号", "附单据数", "摘要", "科目编码", "借方", "贷方", "数量", "外币", "汇率",
                  "制单人", "结算方式", "票号", "发生日期", "部门编码", "个人编码", "客户编码", "供应商编码", "业务员",
                  "项目编码")


@dataclass(frozen=True)
class Span:
    """The days an export covers, whole months from the screen, any days from the API."""
    first: date
    last: date

    @property
    def label(self) -> str:
        shape = "%Y%m" if self.first.day == 1 else "%Y%m%d"
        return f"{self.first.strftime(shape)}-{self.last.strftime(shape)}"


def months(first: str, last: str) -> Span:
    """The months `first`..`last` ("2026-11", "2026-12") as days, or a refusal naming the field at fault."""
    days = []
    for field, text in (("from", first), ("to", last)):
        found = MONTH.match((text or "").strip())
        if found is None:
            raise BusinessRuleError(_("Give a month as YYYY-MM, for example 2026-12."), field)
        days.append((int(found[1]), int(found[2])))
    (year_a, month_a), (year_b, month_b) = days
    return span(date(year_a, month_a, 1), date(year_b, month_b, monthrange(year_b, month_b)[1]))


def span(first: date, last: date) -> Span:
    if last < first:
        raise BusinessRuleError(_("The end comes before the start."), "to")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise BusinessRuleError(_("Export at most %(n)d months at a time.", n=MAX_MONTHS), "to")
    return Span(first, last)


def vouchers(period: Span) -> list[Voucher]:
    """The period's vouchers that have lines, in number order, lines, accounts and partners loaded."""
    return db.session.scalars(
        select(Voucher).where(Voucher.booked_on.between(period.first, period.last),
                              Voucher.lines.any())
        .options(selectinload(Voucher.lines).selectinload(VoucherLine.account),
                 selectinload(Voucher.lines).selectinload(VoucherLine.customer),
                 selectinload(Voucher.lines).selectinload(VoucherLine.supplier), selectinload(Voucher.user))
        .order_by(Voucher.period, Voucher.seq)).all()


# 金蝶 and 用友 --------------------------------------------------------------------------------------------------------

def _maker(voucher: Voucher) -> str:
    return voucher.user.display_name if voucher.user is not None else ""


def _summary(voucher: Voucher, line: VoucherLine) -> str:
    return line.memo or voucher.memo


def _partner_item(line: VoucherLine) -> str:
    """金蝶's 核算项目 cell: 类别---代码---名称."""
    if line.customer is not None:
        return f"客户---{line.customer.code}---{line.customer.name}"
    if line.supplier is not None:
        return f"供应商---{line.supplier.code}---{line.supplier.name}"
    return ""


def kingdee_rows(period: Span) -> list[tuple]:
    codes = mapping.codes("kingdee")
    currency = company().currency
    currency_code, currency_name = ("RMB", "人民币") if currency == "CNY" else (currency, currency)
    rows = []
    for serial, voucher in enumerate(vouchers(period), start=1):
        for entry, line in enumerate(voucher.lines):
            rows.append((voucher.booked_on, voucher.booked_on.year, voucher.booked_on.month, VOUCHER_COUNTER,
                         voucher.seq, codes.get(line.account_id, line.account.code), line.account.name,
                         currency_code, currency_name, line.debit or line.credit, line.debit, line.credit,
                         _maker(voucher), "", "", "", "", "", "", _summary(voucher, line), None, "", None,
                         voucher.source_number, voucher.booked_on, "", 0, serial, "", "", "公司汇率", 1, entry,
                         _partner_item(line), 0, "", ""))
    return rows


def yonyou_rows(period: Span) -> list[tuple]:
    codes = mapping.codes("yonyou")
    rows = []
    for voucher in vouchers(period):
        for line in voucher.lines:
            customer = line.customer.code if line.customer is not None else ""
            supplier = line.supplier.code if line.supplier is not None else ""
            rows.append((voucher.booked_on, VOUCHER_COUNTER, voucher.seq, 0, _summary(voucher, line),
                         codes.get(line.account_id, line.account.code), line.debit, line.credit, None, None, None,
                         _maker(voucher), "", "", voucher.booked_on if customer or supplier else None, "", "",
                         customer, supplier, "", ""))
    return rows


LAYOUTS = {"kingdee": (KINGDEE_COLUMNS, kingdee_rows), "yonyou": (YONYOU_COLUMNS, yonyou_rows)}


def xlsx(target: str, period: Span) -> bytes:
    """The import sheet: the header on row 1 (where both importers look for it), one row per entry."""
    from openpyxl import Workbook  # loaded by the first spreadsheet, not by every worker at start
    columns, rows = LAYOUTS[mapping.check_target(target)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("凭证")
    sheet.append([cell(sheet, name, bold=True) for name in columns])
    for row in rows(period):
        sheet.append([cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# beancount ----------------------------------------------------------------------------------------------------------

ROOTS = {AccountType.ASSET: "Assets", AccountType.COST: "Assets", AccountType.LIABILITY: "Liabilities",
         AccountType.EQUITY: "Equity"}  # 成本类 (生产成本) is work in progress: stock, on the balance sheet


def _root(top: Account) -> str:
    """The beancount root of an account's tree, from its first-level account (损益类 by its normal side)."""
    if top.type == AccountType.PROFIT_LOSS:
        return "Expenses" if top.debit_normal else "Income"
    return ROOTS[top.type]


def ascii_name(name: str) -> str:
    """A Chinese account name in ASCII for a beancount account name: pinyin, each syllable capitalised
    (应收账款 → YingShouZhangKuan); letters and digits kept, anything else dropped."""
    words = []
    for chunk in pinyin.syllables(unicodedata.normalize("NFKC", name)):
        words += [word[0].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", chunk)]
    return "".join(words)[:40]


def account_names(accounts: list[Account]) -> dict[str, str]:
    """{code: beancount account name}: the root, then one component per level, "1002-YinHangCunKuan:100201-...".
    Components start with a digit (the code) and hold only ASCII letters, digits and dashes, which every version of
    beancount accepts; the Chinese name goes in the Open directive's metadata."""
    by_code = {account.code: account for account in accounts}
    names = {}
    for account in accounts:
        levels = [code for code in (account.code[:n] for n in range(4, len(account.code) + 1, 2)) if code in by_code]
        levels = levels or [account.code]
        parts = []
        for code in levels:
            safe = re.sub(r"[^A-Za-z0-9]", "", code).upper() or "X"
            readable = ascii_name(by_code[code].name) if code in by_code else ""
            parts.append(f"{safe}-{readable}" if readable else safe)
        names[account.code] = ":".join([_root(by_code.get(levels[0], account)), *parts])
    return names


def _text(value: str) -> str:
    """A beancount string literal."""
    return '"' + " ".join((value or "").split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def openings(first: date) -> dict[int, Decimal]:
    """{account id: signed balance (debit +) just before `first`}, each account on its own (not its sub-accounts):
    the months before off the month totals, the days of `first`'s month before it off the lines."""
    # Each column summed on its own keeps its type (money, not the scaled integer a difference of two would give).
    balances: dict[int, Decimal] = {}
    rows = db.session.execute(
        select(AccountMonth.account_id, func.sum(AccountMonth.debit), func.sum(AccountMonth.credit))
        .where(AccountMonth.period < period_of(first)).group_by(AccountMonth.account_id)).all()
    if first.day > 1:
        rows += db.session.execute(
            select(VoucherLine.account_id, func.sum(VoucherLine.debit), func.sum(VoucherLine.credit))
            .where(VoucherLine.booked_on >= first.replace(day=1), VoucherLine.booked_on < first)
            .group_by(VoucherLine.account_id)).all()
    for account_id, debit, credit in rows:
        balances[account_id] = balances.get(account_id, ZERO) + (debit or ZERO) - (credit or ZERO)
    return {account_id: amount for account_id, amount in balances.items() if amount}


def beancount_text(period: Span) -> str:
    """The period as a beancount ledger: every account opened on the first day, the balances brought forward as one
    transaction that day, then each voucher as a transaction with its number, memo and document."""
    chart.ensure()
    settings = company()
    currency = settings.currency
    accounts = db.session.scalars(select(Account).order_by(Account.code)).all()
    names = account_names(accounts)
    by_id = {account.id: account for account in accounts}
    out = [f"; JXC vouchers {period.first.isoformat()} .. {period.last.isoformat()}",
           f"option \"title\" {_text(settings.name or 'JXC')}", f"option \"operating_currency\" \"{currency}\"", ""]
    for account in accounts:
        out += [f"{period.first.isoformat()} open {names[account.code]} {currency}",
                f"  code: {_text(account.code)}", f"  name: {_text(account.name)}"]
    brought = openings(period.first)
    if brought:
        out += ["", f"{period.first.isoformat()} * {_text('期初余额')}", "  voucher: \"opening\""]
        for account_id in sorted(brought, key=lambda account_id: by_id[account_id].code):
            out.append(f"  {names[by_id[account_id].code]}  {brought[account_id]:.2f} {currency}")
    for voucher in vouchers(period):
        out += ["", f"{voucher.booked_on.isoformat()} * {_text(voucher.memo or voucher.number)}",
                f"  voucher: {_text(f'{voucher.period} {voucher.number}')}"]
        if voucher.source_number:
            out.append(f"  document: {_text(voucher.source_number)}")
        for line in voucher.lines:
            out.append(f"  {names[line.account.code]}  {line.debit - line.credit:.2f} {currency}")
            partner = line.customer or line.supplier
            if partner is not None:
                out.append(f"    {'customer' if line.customer is not None else 'supplier'}: "
                           f"{_text(f'{partner.code} {partner.name}')}")
    return "\n".join(out) + "\n"


def export(kind: str, period: Span) -> tuple[bytes, str, str]:
    """(content, file name, media type) of an export of `kind` (one of FORMATS)."""
    if kind == "beancount":
        return beancount_text(period).encode(), f"vouchers-{period.label}.beancount", "text/plain; charset=utf-8"
    if kind not in LAYOUTS:
        raise BusinessRuleError(_("Choose Kingdee, Yonyou or beancount."), "format")
    return (xlsx(kind, period), f"vouchers-{kind}-{period.label}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def attachment(content: bytes, filename: str, mimetype: str) -> Response:
    """A download; HTTP headers are Latin-1, so an ASCII name for old clients and the UTF-8 one (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})
