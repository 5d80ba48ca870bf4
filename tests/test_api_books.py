"""The books on the API: accounts, vouchers with their lines, the trial balance and the exports, for owner and finance
only; every other role is refused all of it (403), as cost prices are kept from them."""
from decimal import Decimal

import pytest

from tests.test_books_export import books  # noqa: F401  (the hand-worked books)

BOOKS_PATHS = ("/accounts", "/vouchers", "/reports/trial-balance",
               "/vouchers/export?from=2026-12-01&to=2026-12-31&format=beancount")


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing"])
def test_other_roles_get_403_for_all_of_the_books(books, api, role):  # noqa: F811
    caller = api(role)
    for path in BOOKS_PATHS:
        response = caller.get(path)
        assert response.status_code == 403, path
        assert response.json["type"] == "forbidden"
        assert "1122" not in response.get_data(as_text=True)


def test_vouchers_of_some_days_with_their_lines(books, api):  # noqa: F811
    response = api("finance").get("/vouchers?from=2026-12-01&to=2026-12-31")
    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 50)  # the empty voucher is a voucher too
    sale, purchase, empty = body["items"]
    assert (sale["id"], sale["number"], sale["period"], sale["date"]) == (
        books["sale"].id, books["sale"].number, "2026-12", "2026-12-03")
    assert sale["memo"] == "销售 华强电子" and sale["source_type"] == "manual" and sale["source_id"] is None
    assert sale["lines"][0] == {"account_code": "1122", "account_name": "应收账款", "memo": "", "debit": "1130.00",
                                "credit": "0.00", "customer_id": books["buyer"].id}
    assert "customer_id" not in sale["lines"][1] and "supplier_id" not in sale["lines"][1]
    assert purchase["lines"][2]["supplier_id"] == books["maker"].id
    for voucher in (sale, purchase):
        assert sum(Decimal(line["debit"]) for line in voucher["lines"]) == sum(
            Decimal(line["credit"]) for line in voucher["lines"])
    assert empty["lines"] == []
    november = api("owner").get("/vouchers?to=2026-11-30&per_page=1").json
    assert november["total"] == 1 and november["items"][0]["lines"][0]["account_code"] == "100201"


def test_accounts_with_balances_parents_summing_children(books, api):  # noqa: F811
    body = api("owner").get("/accounts").json
    accounts = {item["code"]: item for item in body["items"]}
    assert body["total"] == len(accounts) and body["per_page"] == 200
    assert accounts["1122"] == {"id": accounts["1122"]["id"], "code": "1122", "name": "应收账款", "kind": "asset",
                                "parent_code": None, "debit_normal": "debit", "active": True, "balance": "1130.00"}
    assert accounts["22210102"]["parent_code"] == "222101" and accounts["22210102"]["balance"] == "-130.00"
    assert accounts["2221"]["balance"] == "-65.00"  # input VAT 65 less output VAT 130
    assert accounts["100201"]["balance"] == "10000.00" and accounts["5001"]["kind"] == "profit_loss"


def test_trial_balance_for_months(books, api):  # noqa: F811
    body = api("finance").get("/reports/trial-balance?from=2026-11&to=2026-12").json
    assert (body["from"], body["to"]) == ("2026-11", "2026-12")
    rows = {row["code"]: row for row in body["rows"]}
    assert rows["1122"] == {"code": "1122", "name": "应收账款", "parent_code": None, "opening": "0.00",
                            "debit": "1130.00", "credit": "0.00", "closing": "1130.00"}
    assert rows["3001"]["closing"] == "-10000.00"
    assert sum(Decimal(row["closing"]) for row in body["rows"] if row["parent_code"] is None) == 0


def test_trial_balance_brings_earlier_months_forward(books, api):  # noqa: F811
    body = api("finance").get("/reports/trial-balance?from=2026-12&to=2026-12").json
    rows = {row["code"]: row for row in body["rows"]}
    assert (rows["100201"]["opening"], rows["100201"]["closing"]) == ("10000.00", "10000.00")


@pytest.mark.parametrize("path,field", [("/reports/trial-balance?from=2026-13", "from"),
                                        ("/reports/trial-balance?from=2026-12&to=2026-1", "to"),
                                        ("/reports/trial-balance?from=2026-12&to=2026-11", "to"),
                                        ("/vouchers?from=2026-02-30", "from"),
                                        ("/vouchers?from=2026-12-31&to=2026-12-01", "to"),
                                        ("/vouchers/export?from=2026-12-01&to=2026-12-31&format=excel", "format"),
                                        ("/vouchers/export?from=2026-12-01&format=beancount", "to"),
                                        ("/vouchers/export?from=2016-01-01&to=2026-12-31&format=yonyou", "to")])
def test_bad_parameters_are_refused_naming_the_field(books, api, path, field):  # noqa: F811
    response = api("owner").get(path)
    assert response.status_code == 422 and response.json["type"] == "validation-error"
    assert list(response.json["errors"]) == [field] and response.json["errors"][field][0]


def test_the_exports_download(books, api):  # noqa: F811
    owner = api("owner")
    ledger = owner.get("/vouchers/export?from=2026-12-01&to=2026-12-31&format=beancount")
    assert ledger.status_code == 200 and ledger.mimetype == "text/plain"
    assert "vouchers-202612-202612.beancount" in ledger.headers["Content-Disposition"]
    assert "Assets:1122-YingShouZhangKuan  1130.00 CNY" in ledger.get_data(as_text=True)
    sheet = owner.get("/vouchers/export?from=2026-12-04&to=2026-12-31&format=yonyou")
    assert sheet.status_code == 200 and "vouchers-yonyou-20261204-20261231.xlsx" in sheet.headers[
        "Content-Disposition"]


def test_the_books_are_in_the_openapi_document(api):
    document = api("owner").get("/openapi.json").json
    paths = document["paths"]
    for path in ("/accounts", "/vouchers", "/reports/trial-balance", "/vouchers/export"):
        assert "403" in paths[path]["get"]["responses"], path
    vouchers = {p["name"]: p for p in paths["/vouchers"]["get"]["parameters"]}
    assert vouchers["from"]["schema"]["format"] == "date" and "page" in vouchers
    months = {p["name"]: p for p in paths["/reports/trial-balance"]["get"]["parameters"]}
    assert months["from"]["schema"]["pattern"].startswith("^20")
    schemas = document["components"]["schemas"]
    assert set(schemas["Voucher"]["properties"]) >= {"id", "number", "date", "document", "lines"}
    line = schemas["Voucher"]["properties"]["lines"]["items"]["properties"]
    assert line["debit"]["type"] == "string" and line["customer_id"]["type"] == "integer"
    assert set(schemas["TrialBalance"]["properties"]["rows"]["items"]["properties"]) == {"code", "name", "parent_code", "opening", "debit",
                                                                                    "credit", "closing"}
