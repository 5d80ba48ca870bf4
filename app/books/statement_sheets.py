"""The statements and ledgers as spreadsheet rows: (columns, rows) for app.reports.export.xlsx_response.

Balances are written on their side (借/贷 and the amount), as the screens and the bookkeeper's software show them.
"""
from flask_babel import gettext as _

from app.amounts import ZERO


def side(signed) -> tuple[str, object]:
    """(借, amount) for a debit balance, (贷, amount) for a credit one, (平, 0) for none."""
    if signed > 0:
        return _("Dr"), signed
    if signed < 0:
        return _("Cr"), -signed
    return _("Nil"), ZERO


def _statement(rows, columns) -> list[dict]:
    out = []
    for row in rows:
        cells = {"label": ("    " if row.item.sub else "") + str(row.item.label), "number": row.number}
        cells.update({f"c{n}": amount for n, amount in enumerate(row.amounts)})
        out.append(cells)
    return out


def income_rows(report):
    labels = [_("This period (%(label)s)", label=report.columns[0].label),
              _("Period before (%(label)s)", label=report.columns[1].label)]
    if len(report.columns) > 2:
        labels.append(_("Year to date"))
    columns = [("label", _("Item")), ("number", _("Line"))] + [(f"c{n}", text) for n, text in enumerate(labels)]
    return columns, _statement(report.rows, report.columns)


def balance_sheet_rows(report):
    ends = [("c0", _("End of period (%(month)s)", month=report.columns[0])),
            ("c1", _("End of period before (%(month)s)", month=report.columns[1]))]
    columns = [("label", _("Item")), ("number", _("Line"))] + ends
    rows = ([{"label": _("Assets")}] + _statement(report.assets, report.columns)
            + [{"label": _("Liabilities and owner's equity")}] + _statement(report.liabilities, report.columns))
    return columns, rows


def _balance_cells(prefix: str, signed) -> dict:
    direction, amount = side(signed)
    return {f"{prefix}_side": direction, prefix: amount}


def trial_rows(rows, totals):
    columns = [("code", _("Code")), ("name", _("Account")), ("opening_debit", _("Opening debit")),
               ("opening_credit", _("Opening credit")), ("debit", _("Debits")), ("credit", _("Credits")),
               ("closing_debit", _("Closing debit")), ("closing_credit", _("Closing credit"))]
    out = []
    for row in rows + [totals]:
        opening, closing = row.sides(row.opening), row.sides(row.closing)
        out.append({"code": row.account.code if row.account else "", "name": row.account.name if row.account
                    else _("Total"), "opening_debit": opening[0], "opening_credit": opening[1], "debit": row.debit,
                    "credit": row.credit, "closing_debit": closing[0], "closing_credit": closing[1]})
    return columns, out


def general_ledger_rows(accounts):
    columns = [("code", _("Code")), ("name", _("Account")), ("period", _("Month")), ("summary", _("Memo")),
               ("debit", _("Debits")), ("credit", _("Credits")), ("balance_side", _("Dr/Cr")),
               ("balance", _("Balance"))]
    out = []
    for ledger in accounts:
        head = {"code": ledger.account.code, "name": ledger.account.name}
        out.append({**head, "summary": _("Opening balance"), **_balance_cells("balance", ledger.opening)})
        for month in ledger.months:
            out.append({**head, "period": month.period, "summary": _("Month total"), "debit": month.debit,
                        "credit": month.credit, **_balance_cells("balance", month.balance)})
    return columns, out


def account_ledger_rows(ledger):
    columns = [("day", _("Date")), ("voucher", _("Voucher")), ("summary", _("Memo")), ("document", _("Document")),
               ("debit", _("Debits")), ("credit", _("Credits")), ("balance_side", _("Dr/Cr")),
               ("balance", _("Balance"))]
    out = [{"summary": _("Opening balance"), **_balance_cells("balance", ledger.opening)}]
    for entry in ledger.entries:
        out.append({"day": entry.line.booked_on, "voucher": f"{entry.voucher.period} {entry.voucher.number}",
                    "summary": entry.line.memo or entry.voucher.memo, "document": entry.voucher.source_number,
                    "debit": entry.line.debit or None, "credit": entry.line.credit or None,
                    **_balance_cells("balance", entry.balance)})
    out.append({"summary": _("Period total"), "debit": ledger.debit, "credit": ledger.credit,
                **_balance_cells("balance", ledger.closing)})
    return columns, out


def cash_rows(report):
    columns = [("code", _("Code")), ("name", _("Account")), ("opening", _("Opening balance")),
               ("money_in", _("Money in")), ("money_out", _("Money out")), ("closing", _("Closing balance"))]
    out = [{"code": a.account.code, "name": a.name, "opening": a.opening, "money_in": a.money_in,
            "money_out": a.money_out, "closing": a.closing} for a in report.accounts]
    out.append({"name": _("Total"), "opening": report.opening, "money_in": report.money_in,
                "money_out": report.money_out, "closing": report.closing})
    out.append({})
    out.append({"name": _("By where it came from or went")})
    out += [{"code": c.account.code, "name": " · ".join([c.account.name] + c.categories), "money_in": c.money_in,
             "money_out": c.money_out} for c in report.counters]
    if report.moved_in or report.moved_out:
        out.append({"name": _("Between our own money accounts"), "money_in": report.moved_in,
                    "money_out": report.moved_out})
    return columns, out
