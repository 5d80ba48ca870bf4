"""The Chinese a user reads: English words with several meanings carry a message context (pgettext), so each
screen says what it means (issue 13: "Received" read 退回日期 on receiving, 收款 headed the goods receipts, the new
count asked for a person's 姓名 ...), and the catalog translates every string the code and templates use."""
import ast
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.lines import QtyInput
from app.partners import suppliers
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.sales import fulfilment
from app.stocktake import services as stocktakes
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def page(client, url) -> str:
    response = client.get(url, headers=ZH)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def badge(html: str, status: str) -> str:
    """The text of the status badge of that status value (how every document shows its state)."""
    return re.search(rf'class="badge status status-{status}">([^<]+)<', html).group(1)


@pytest.fixture
def shop(app):
    owner = factories.user("owner")
    warehouse = factories.warehouse(name="主仓", is_default=True)
    case = factories.product(name="手机壳", barcode="6901234567892")
    factories.stock(case, warehouse, 40, "10.00")
    return owner, warehouse, case


def purchase_order(owner, product, qty=30):
    supplier = suppliers.create_supplier(None, {"name": "深圳华强电子"})
    order = purchasing.create_order(owner, supplier, lines=[purchasing.LineInput(product.id, qty, "10.00")])
    purchasing.confirm_order(owner, order)
    db.session.commit()
    return order


def receive(owner, order, qty):
    receiving.receive(owner, order, [QtyInput(order.lines[0].id, Decimal(qty))])
    db.session.commit()


# Purchasing: receiving, a fully received order, the goods receipts, supplier invoices.

def test_the_receiving_screen_says_how_much_was_received_not_a_return_date(client, login, shop):
    owner, _warehouse, case = shop
    order = purchase_order(owner, case)
    receive(owner, order, 10)
    login("warehouse")
    html = page(client, f"/purchase-orders/{order.id}/receive")
    assert "<dt>已收</dt>" in html and "退回日期" not in html
    assert "<dt>收货单</dt>" not in html and "<h2>收货单</h2>" in html and "<h2>收款</h2>" not in html
    assert badge(html, "partially_received") == "部分收货"


def test_a_fully_received_purchase_order_reads_received(client, login, shop):
    owner, _warehouse, case = shop
    order = purchase_order(owner, case)
    receive(owner, order, 30)
    login("owner")
    html = page(client, f"/purchase-orders/{order.id}")
    assert badge(html, "received") == "已收货"
    assert "退回日期" not in html
    # The order's goods receipts are 收货单, not money received (收款).
    assert "<h2>收货单</h2>" in html and "<h2>收款</h2>" not in html
    listing = page(client, "/purchase-orders")
    assert badge(listing, "received") == "已收货" and "退回日期" not in listing


def test_a_supplier_invoice_is_settled_not_received_money(client, login, shop):
    """Purchase and sales invoices share their statuses: the words name the settlement (结清), not who pays."""
    owner, _warehouse, case = shop
    order = purchase_order(owner, case)
    receive(owner, order, 30)
    receiving.invoice_order(owner, order)
    db.session.commit()
    login("owner")
    html = page(client, f"/purchase-orders/{order.id}")
    assert badge(html, "invoiced") == "已收票"
    assert '<span class="badge">未结清</span>' in html and "未收款" not in html


def test_the_suppliers_history_heads_goods_receipts_and_payments_apart(client, login, shop):
    owner, _warehouse, case = shop
    order = purchase_order(owner, case)
    receive(owner, order, 30)
    login("owner")
    html = page(client, f"/suppliers/{order.supplier_id}")
    assert "<h2>收货单</h2>" in html and "<h2>收款</h2>" not in html


# Sales: a return says when it came back.

def test_a_sales_return_says_when_the_goods_came_back(client, login, shop):
    owner, warehouse, case = shop
    customer = factories.customer()
    order = factories.order(customer, [(case, 5)], actor=owner, warehouse=warehouse, confirm=True)
    fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, Decimal(5))])
    sales_return = fulfilment.return_goods(owner, order, [QtyInput(order.lines[0].id, Decimal(2))], reason="破损")
    db.session.commit()
    login("owner")
    html = page(client, f"/returns/{sales_return.id}")
    assert "退货时间" in html and "退回日期" not in html


# Stocktake: the new count's name, the count's title, the review's book quantity, a posted count.

def test_the_new_count_asks_for_the_counts_name_not_a_persons(client, login, shop):
    login("warehouse")
    html = page(client, "/stocktakes/new")
    assert "盘点名称" in html and "姓名" not in html


def test_the_counting_screen_is_titled_as_a_count_not_a_quantity(client, login, shop):
    owner, warehouse, _case = shop
    stocktake = stocktakes.open_stocktake(owner, warehouse.id, name="月底盘点")
    db.session.commit()
    login("warehouse")
    html = page(client, f"/stocktakes/{stocktake.id}")
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert title.startswith("盘点 月底盘点") and "数量" not in title


def test_the_review_shows_the_book_quantity_and_a_posted_count_reads_posted(client, login, shop):
    owner, warehouse, _case = shop
    stocktake = stocktakes.open_stocktake(owner, warehouse.id, name="月底盘点")
    db.session.commit()
    login("owner")
    html = page(client, f"/stocktakes/{stocktake.id}/review")
    # the book at opening, beside the book at the time each product was counted
    assert re.search(r'<th scope="col" class="num">\s*初始账面\s*</th>', html) and "预计到货" not in html
    stocktakes.post_stocktake(owner, stocktake, stocktakes.UNCOUNTED_KEEP)
    db.session.commit()
    html = page(client, f"/stocktakes/{stocktake.id}/review")
    assert badge(html, "posted") == "已过账"
    assert badge(page(client, "/stocktakes/"), "posted") == "已过账"


# Reports: the ABC class next to the category filter.

def test_the_abc_report_names_the_abc_class_apart_from_the_category(client, login, shop):
    login("owner")
    html = page(client, "/reports/inventory/abc")
    assert re.search(r'<th[^>]*>ABC 分类</th>', html) and "类别" not in html
    assert "分类" in html  # the category filter keeps its own word


# Roles and people.

def test_the_warehouse_role_is_a_job_and_a_users_name_is_a_persons(client, login, shop):
    factories.user("warehouse", display_name="王库管")
    login("owner")
    assert "仓管" in page(client, "/users")
    assert "姓名" in page(client, "/users/new")
    assert "仓库名称" in page(client, "/warehouses/new")


# The catalog itself.

def _blocks(text: str):
    """(msgctxt, msgid, msgstr, flags) of each live entry of a .po file, read as written (duplicates included)."""
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().split("\n") if line and not line.startswith("#~")]
        parts, current, flags = {}, None, ""
        for line in lines:
            if line.startswith("#,"):
                flags += line
            elif line.startswith('"') and current:
                parts[current] += ast.literal_eval(line)
            elif not line.startswith("#"):
                current, _, value = line.partition(" ")
                parts[current] = ast.literal_eval(value)
        if "msgid" in parts and parts["msgid"]:
            yield parts.get("msgctxt"), parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", "")), flags


def test_the_catalog_has_no_untranslated_fuzzy_duplicate_or_broken_entry():
    entries = list(_blocks(CATALOG.read_text(encoding="utf-8")))
    keys = [(ctx, msgid) for ctx, msgid, _s, _f in entries]
    assert [key for key in set(keys) if keys.count(key) > 1] == []
    assert [(ctx, msgid) for ctx, msgid, string, _f in entries if not string] == []
    assert [(ctx, msgid) for ctx, msgid, _s, flags in entries if "fuzzy" in flags] == []
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    # Babel's own checks: the placeholders of each translation match its msgid's.
    assert [(message.context, message.id, [str(e) for e in errors]) for message, errors in catalog.check()] == []


def _extract_keywords() -> list[str]:
    """The -k flags of the Makefile's messages target, so this test extracts what `make messages` would."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    flags = re.search(r"^BABEL_KEYWORDS\s*=\s*(.+)$", makefile, re.M).group(1).split()
    assert "pgettext:1c,2" in flags and "lazy_pgettext:1c,2" in flags
    return flags


def test_every_string_the_code_and_templates_use_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    *_extract_keywords(), "--ignore-dirs=.venv", "--ignore-dirs=node_modules",
                    "-o", str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as file:
        used = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(file) if m.id}
    translated = {(ctx, msgid) for ctx, msgid, string, _f in _blocks(CATALOG.read_text(encoding="utf-8"))
                  if string}
    assert any(ctx for ctx, _id in used), "pgettext contexts were not extracted"
    assert sorted(used - translated, key=str) == []


# The audit log: codes are stored, people read words.

def test_the_audit_log_reads_in_words_not_codes(client, login, shop):
    owner, warehouse, case = shop
    customer = factories.customer()
    factories.order(customer, [(case, 5)], actor=owner, warehouse=warehouse, confirm=True)
    login("owner")
    html = page(client, "/audit")
    assert "确认订单" in html and "销售订单" in html and "单价" in html and "已确认" in html
    assert ">sales_order.confirm<" not in html and ">SalesOrder<" not in html and "<dt>unit_price</dt>" not in html
    assert 'data-action="sales_order.confirm"' in html  # the stored code stays, for filters and support
    english = client.get("/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Order confirmed" in english and "Sales order" in english


def test_labels_end_in_the_colon_of_the_page_language(client, login):
    """业务员：张三 on a Chinese page (full width, no space), Salesperson: Zhang on an English one; and no template
    writes an ASCII colon after a translated label itself."""
    written = [f"{path}:{number}" for path in Path("templates").rglob("*.html")
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"""_\((?:'[^']*'|"[^"]*")\) \}\}\s?:""", line)]
    assert not written, written
    seller = factories.user("sales", display_name="张三")
    buyer = factories.customer(name="华强电子", salesperson=seller)
    login("owner")
    chinese = client.get(f"/customers/{buyer.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get(f"/customers/{buyer.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "业务员：张三" in chinese
    assert "Salesperson: 张三" in english
