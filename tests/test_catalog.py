"""Products: the rules the screens rely on, then the screens (list, page, forms, photos, scan, categories)."""
import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.catalog import barcodes
from app.catalog import services as catalog
from app.catalog.models import Barcode, Category, Product
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.services import LineInput
from tests import factories

EN = {"Accept-Language": "en"}
FRAGMENT = {"HX-Request": "true", **EN}


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers=EN)


def html(response) -> str:
    return response.get_data(as_text=True)


def invalid(page: str, field: str) -> bool:
    """Whether the input named `field` is marked invalid."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', page).group(0)
    return 'aria-invalid="true"' in tag


def product_count(**where) -> int:
    return len(db.session.scalars(select(Product).filter_by(**where)).all())


# --- service rules the screens rely on ---------------------------------------------------------

@pytest.mark.parametrize("text", ["pgsjk", "pingguo", "苹果", "PGSJK", "ping guo", "case-1", "6901234567892", "red"])
def test_search_finds_by_name_pinyin_initials_sku_barcode_and_spec(app, text):
    wanted = factories.product(sku="CASE-1", name="苹果手机壳", spec="Red", barcode="6901234567892")
    factories.product(sku="BAN-1", name="香蕉")
    found = db.session.scalars(catalog.search(select(Product), text)).all()
    assert found == [wanted]


def test_wrong_ean_check_digit_is_refused_with_the_right_digit():
    with pytest.raises(BusinessRuleError) as refused:
        barcodes.symbology("6901234567891")
    assert refused.value.field == "barcode"
    assert "6901234567891" in str(refused.value.message) and "check digit" in str(refused.value.message)
    assert barcodes.symbology("6901234567892") == "ean13"


def test_sku_and_barcode_are_unique(app):
    factories.product(sku="CASE-1", barcode="6901234567892")
    with pytest.raises(Duplicate) as sku:
        catalog.create_product(None, {"sku": "case-1", "name": "壳"})
    with pytest.raises(Duplicate) as code:
        catalog.create_product(None, {"sku": "CASE-2", "name": "壳"}, barcode="6901234567892")
    assert (sku.value.field, code.value.field) == ("sku", "barcode")


def test_generated_barcode_is_an_internal_ean13_and_only_once(app):
    product = factories.product()
    code = catalog.generate_barcode(None, product).code
    assert code.startswith("29") and len(code) == 13 and barcodes.symbology(code) == "ean13"
    with pytest.raises(BusinessRuleError):
        catalog.generate_barcode(None, product)


# --- the product list --------------------------------------------------------------------------

def test_list_is_a_page_or_a_fragment(client, login):
    login("sales", locale="en")
    factories.product(name="苹果手机壳")
    page, fragment = client.get("/products"), client.get("/products", headers=FRAGMENT)
    boosted = client.get("/products", headers={**FRAGMENT, "HX-Boosted": "true"})
    assert "<html" in html(page) and "<html" in html(boosted)
    assert html(fragment).lstrip().startswith('<ul class="product-cards" id="product-list"')
    assert "苹果手机壳" in html(fragment)
    assert "HX-Request" in page.headers["Vary"] and fragment.headers["Cache-Control"] == "no-store"


def test_list_has_live_search_and_a_scan_form_that_works_without_javascript(client, login):
    login("warehouse")
    page = html(client.get("/products"))
    search = re.search(r'<input type="search" name="q"[^>]*>', page, re.S).group(0)
    assert 'hx-get="/products"' in search and 'hx-trigger="input changed delay:250ms, search"' in search
    assert 'hx-push-url="true"' in search and 'hx-target="#product-list"' in search
    scan = re.search(r'<form[^>]*data-scanbox[^>]*>.*?</form>', page, re.S).group(0)
    assert 'action="/products/scan"' in scan and 'method="get"' in scan
    assert re.search(r'<input[^>]*name="code"[^>]*autocomplete="off"', scan)


def test_card_shows_total_on_hand_across_warehouses(client, login):
    login("warehouse", locale="en")
    product = factories.product(name="苹果手机壳", unit="个")
    factories.stock(product, factories.warehouse(), 3)
    factories.stock(product, factories.warehouse(), 4)
    assert "7 个" in html(client.get("/products", headers=FRAGMENT))


@pytest.mark.parametrize("query", ["pgsjk", "pingguo"])
def test_search_as_you_type_finds_by_pinyin(client, login, query):
    login("sales")
    factories.product(name="苹果手机壳")
    factories.product(name="香蕉")
    fragment = html(client.get(f"/products?q={query}", headers=FRAGMENT))
    assert "苹果手机壳" in fragment and "香蕉" not in fragment


def test_low_stock_filter_and_highlight(client, login):
    login("owner", locale="en")
    main = factories.warehouse()
    low = factories.product(name="数据线", min_stock="10")
    plenty = factories.product(name="充电器", min_stock="10")
    factories.stock(low, main, 3)
    factories.stock(plenty, main, 20)
    everything = html(client.get("/products", headers=FRAGMENT))
    assert re.search(r'class="product-card low">\s*<a[^>]*/products/%d"' % low.id, everything)
    assert not re.search(r'class="product-card low">\s*<a[^>]*/products/%d"' % plenty.id, everything)
    only_low = html(client.get("/products?low=1", headers=FRAGMENT))
    assert "数据线" in only_low and "充电器" not in only_low and "Low stock" in only_low


def test_inactive_products_are_hidden_unless_asked_for(client, login):
    login("sales")
    factories.product(name="在售")
    factories.product(name="停售", active=False)
    default = html(client.get("/products", headers=FRAGMENT))
    inactive = html(client.get("/products?status=inactive", headers=FRAGMENT))
    everything = html(client.get("/products?status=all", headers=FRAGMENT))
    assert ("在售" in default, "停售" in default) == (True, False)
    assert ("在售" in inactive, "停售" in inactive) == (False, True)
    assert "在售" in everything and "停售" in everything


def test_category_filter_includes_sub_categories(client, login):
    login("sales")
    accessories = factories.category("手机配件")
    cases = factories.category("保护壳", parent=accessories)
    factories.product(name="硅胶壳", category_id=cases.id)
    factories.product(name="数据线", category_id=accessories.id)
    factories.product(name="香蕉")
    parent = html(client.get(f"/products?category={accessories.id}", headers=FRAGMENT))
    child = html(client.get(f"/products?category={cases.id}", headers=FRAGMENT))
    assert "硅胶壳" in parent and "数据线" in parent and "香蕉" not in parent
    assert "硅胶壳" in child and "数据线" not in child


def test_infinite_scroll_loads_the_next_thirty(client, login):
    login("sales")
    for number in range(31):
        factories.product(sku=f"P{number:03d}", name=f"商品{number:03d}")
    first = html(client.get("/products?q=shangpin", headers=FRAGMENT))
    assert first.count('class="product-card"') == 30 and "商品030" not in first
    sentinel = re.search(r'<li class="product-card more"[^>]*>', first).group(0)
    assert 'hx-trigger="revealed"' in sentinel and 'hx-swap="outerHTML"' in sentinel
    next_url = re.search(r'hx-get="([^"]+)"', sentinel).group(1).replace("&amp;", "&")
    assert "page=2" in next_url and "q=shangpin" in next_url
    second = html(client.get(next_url, headers=FRAGMENT))
    assert not second.lstrip().startswith("<ul")  # cards to put in place of the sentinel, not a new list
    assert second.count('class="product-card"') == 1 and "商品030" in second and "hx-trigger" not in second


def test_list_runs_the_same_queries_for_3_or_30_products(client, login):
    login("owner")
    main = factories.warehouse()
    parent = factories.category("配件")
    child = factories.category("壳", parent=parent)

    def statements():
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(Engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/products?category={parent.id}").status_code == 200
        finally:
            event.remove(Engine, "before_cursor_execute", listener)
        return len(seen)

    def add(count):
        for _ in range(count):
            product = factories.product(category_id=child.id, barcode=None)
            factories.stock(product, main, 2)
            catalog.add_pack_unit(None, product, "箱", "12")
            catalog.set_photo(None, product, _png(20, 20))
            db.session.commit()

    add(3)
    few = statements()
    add(27)
    assert statements() == few


# --- the product page and who sees which money -------------------------------------------------

def test_product_page_shows_stock_per_warehouse_and_the_last_moves(client, login):
    login("warehouse", locale="en")
    product = factories.product(name="苹果手机壳", barcode="6901234567892")
    main, shop = factories.warehouse(name="总仓"), factories.warehouse(name="门店")
    factories.stock(product, main, 10)
    adjustment = inventory.create_adjustment(None, main.id, "damage", "摔坏", [LineInput(product.id, Decimal("-2"))])
    db.session.commit()
    page = html(client.get(f"/products/{product.id}"))
    assert "总仓" in page and "6901234567892" in page and "Damage write-off" in page
    assert adjustment.number in page and "-2" in page and "+10" in page
    assert "门店" not in page  # no stock there, no row


@pytest.mark.parametrize("role, sale, cost", [
    ("owner", True, True), ("purchasing", True, True), ("finance", True, True),
    ("sales", True, False), ("warehouse", False, False),
])
def test_prices_on_list_and_product_page_follow_the_role(client, login, role, sale, cost):
    login(role, locale="en")
    product = factories.product(sale_price="88.80", purchase_price="33.30")
    factories.stock(product, factories.warehouse(), 5, unit_cost="44.40")  # average cost 44.40
    listed = html(client.get("/products"))
    assert ("88.80" in listed, "¥" in listed) == (sale, sale)
    assert "33.30" not in listed and "44.40" not in listed  # cards carry the sale price at most
    page = html(client.get(f"/products/{product.id}"))
    assert ("88.80" in page, "¥" in page) == (sale, sale or cost)
    assert ("33.30" in page, "44.40" in page, "Purchase price" in page, "Average cost" in page) == (cost,) * 4


def test_missing_product_is_404(client, login):
    login("sales")
    assert client.get("/products/999").status_code == 404


# --- create and edit ---------------------------------------------------------------------------

def product_fields(**overrides):
    return {"sku": "CASE-1", "name": "苹果手机壳", "spec": "iPhone 15", "unit": "个", "barcode": "", "sale_price": "25",
            "purchase_price": "10.5", "min_stock": "5", "max_stock": "50", "notes": "", "active": "y",
            "idempotency_key": "k1", **overrides}


def edit_fields(**overrides):
    """What the edit page posts: the same fields without a key (the page leaves it empty)."""
    return product_fields(**{"idempotency_key": "", **overrides})


def test_create_redirects_to_the_new_product(client, login):
    login("purchasing")
    category = factories.category()
    response = post(client, "/products/new", **product_fields(barcode="6901234567892", category_id=category.id))
    product = db.session.scalars(select(Product).filter_by(sku="CASE-1")).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/products/{product.id}"
    assert (product.sale_price, product.purchase_price, product.min_stock) == (Decimal("25.00"), Decimal("10.50"), Decimal("5"))
    assert product.barcode == "6901234567892" and product.category_id == category.id and product.active


def test_double_tap_on_create_makes_one_product(client, login):
    login("owner")
    first, second = (post(client, "/products/new", **product_fields(idempotency_key="same")) for _ in range(2))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert product_count(sku="CASE-1") == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "This field is required."),
    ({"sale_price": "abc"}, "sale_price", "Enter a number."),
    ({"purchase_price": "-1"}, "purchase_price", "Cannot be negative."),
    ({"min_stock": "60", "max_stock": "50"}, "min_stock", "The minimum cannot be above the maximum."),
    ({"barcode": "6901234567891"}, "barcode", "The check digit of 6901234567891 is wrong"),
])
def test_invalid_create_is_422_with_the_error_on_its_field(client, login, overrides, field, message):
    login("owner", locale="en")
    response = post(client, "/products/new", **product_fields(**overrides))
    assert response.status_code == 422
    page = html(response)
    assert invalid(page, field) and message in page
    assert not invalid(page, "sku")
    assert product_count() == 0


@pytest.mark.parametrize("taken, overrides, message", [
    ({"sku": "CASE-1"}, {"sku": "case-1"}, "SKU case-1 is already used."),
    ({"barcode": "6901234567892"}, {"barcode": "6901234567892"}, "Barcode 6901234567892 already belongs to"),
])
def test_duplicate_sku_or_barcode_is_422(client, login, taken, overrides, message):
    login("owner", locale="en")
    factories.product(**taken)
    response = post(client, "/products/new", **product_fields(**overrides))
    assert response.status_code == 422 and message in html(response)
    assert product_count() == 1


def test_new_product_form_takes_a_scanned_barcode(client, login):
    login("warehouse")
    page = html(client.get("/products/new?barcode=6901234567892"))
    assert re.search(r'name="barcode"[^>]*value="6901234567892"', page)


def test_warehouse_creates_and_edits_products_without_prices(client, login):
    login("warehouse")
    form = html(client.get("/products/new"))
    assert 'name="sale_price"' not in form and 'name="purchase_price"' not in form
    assert post(client, "/products/new", **product_fields(sale_price="999", purchase_price="999")).status_code == 302
    product = db.session.scalars(select(Product).filter_by(sku="CASE-1")).one()
    assert (product.sale_price, product.purchase_price) == (0, 0)
    edit = html(client.get(f"/products/{product.id}/edit"))
    assert 'name="sale_price"' not in edit and "¥" not in edit
    assert post(client, f"/products/{product.id}/edit", **edit_fields(name="新名字", sale_price="5")).status_code == 302
    db.session.refresh(product)
    assert (product.name, product.sale_price) == ("新名字", 0)


@pytest.mark.parametrize("role", ["sales", "finance"])
def test_sales_and_finance_may_not_create_or_edit(client, login, role):
    login(role)
    product = factories.product()
    assert client.get("/products/new").status_code == 403
    assert post(client, f"/products/{product.id}/edit", **edit_fields()).status_code == 403
    assert 'href="/products/new"' not in html(client.get("/products"))
    assert f'href="/products/{product.id}/edit"' not in html(client.get(f"/products/{product.id}"))


def test_edit_saves_and_redirects(client, login):
    login("purchasing")
    product = factories.product(sku="CASE-1", barcode="6901234567892")
    form = html(client.get(f"/products/{product.id}/edit"))
    assert re.search(r'name="barcode"[^>]*value="6901234567892"', form)
    response = post(client, f"/products/{product.id}/edit",
                    **product_fields(name="苹果手机壳 Pro", sale_price="30", barcode="", active=""))
    assert response.status_code == 302 and response.headers["Location"] == f"/products/{product.id}"
    db.session.refresh(product)
    assert (product.name, product.sale_price, product.barcode, product.active) == ("苹果手机壳 Pro", Decimal("30.00"), None, False)


def test_invalid_edit_is_422_and_changes_nothing(client, login):
    login("owner", locale="en")
    factories.product(sku="TAKEN")
    product = factories.product(sku="CASE-1", name="原名")
    response = post(client, f"/products/{product.id}/edit", **edit_fields(sku="TAKEN", name="新名"))
    assert response.status_code == 422 and "SKU TAKEN is already used." in html(response)
    db.session.refresh(product)
    assert (product.sku, product.name) == ("CASE-1", "原名")


# --- photos ------------------------------------------------------------------------------------

def _png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_uploaded_photo_is_resized_and_served_with_a_cache_buster(client, login):
    login("owner")
    product = factories.product()
    assert client.get(f"/products/{product.id}/photo").status_code == 404
    response = client.post(f"/products/{product.id}/edit", content_type="multipart/form-data",
                           data={"csrf_token": client.csrf, **product_fields(),
                                 "photo": (io.BytesIO(_png(2000, 1000)), "big.png")})
    assert response.status_code == 302
    db.session.refresh(product)
    link = f"/products/{product.id}/photo?v={product.photo_version}"
    assert link in html(client.get(f"/products/{product.id}")) and link in html(client.get("/products"))
    served = client.get(link)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, max-age=86400"
    assert Image.open(io.BytesIO(served.data)).size == (800, 400)


def test_a_file_that_is_not_an_image_is_422(client, login):
    login("owner", locale="en")
    response = client.post("/products/new", content_type="multipart/form-data", headers=EN,
                           data={"csrf_token": client.csrf, **product_fields(),
                                 "photo": (io.BytesIO(b"not an image"), "photo.png")})
    assert response.status_code == 422 and "Upload a PNG, JPEG or WebP image." in html(response)
    assert product_count() == 0


# --- barcodes and pack units -------------------------------------------------------------------

def test_generate_a_barcode_for_a_product_without_one(client, login):
    login("warehouse", locale="en")
    product = factories.product()
    assert "Generate a barcode" in html(client.get(f"/products/{product.id}"))
    response = post(client, f"/products/{product.id}/barcode/generate", idempotency_key="g1")
    assert response.status_code == 302 and response.headers["Location"] == f"/products/{product.id}"
    db.session.refresh(product)
    assert product.barcode.startswith("29")
    page = html(client.get(f"/products/{product.id}"))
    assert product.barcode in page and "Generate a barcode" not in page


def test_add_a_pack_unit_with_its_own_barcode(client, login):
    login("purchasing", locale="en")
    product = factories.product(unit="个")
    response = post(client, f"/products/{product.id}/units", name="箱", ratio="12", barcode="16901234567899",
                    idempotency_key="u1")
    assert response.status_code == 302
    assert "1 <strong>箱</strong> = 12 个" in html(client.get(f"/products/{product.id}"))
    assert catalog.lookup("16901234567899").quantity == Decimal("12")


def test_invalid_pack_unit_is_422_on_the_product_page(client, login):
    login("owner", locale="en")
    product = factories.product()
    response = post(client, f"/products/{product.id}/units", name="箱", ratio="1")
    assert response.status_code == 422
    assert "A pack holds more than one base unit." in html(response) and "<html" in html(response)


# --- scanning ----------------------------------------------------------------------------------

def test_scanning_a_known_barcode_opens_its_product(client, login):
    login("sales")
    product = factories.product(barcode="6901234567892")
    catalog.add_pack_unit(None, product, "箱", "12", barcode="16901234567899")
    db.session.commit()
    plain = client.get("/products/scan?code=6901234567892")
    assert plain.status_code == 302 and plain.headers["Location"] == f"/products/{product.id}"
    via_htmx = client.get("/products/scan?code=%2016901234567899%20", headers={"HX-Request": "true"})
    assert via_htmx.status_code == 200 and via_htmx.headers["HX-Location"] == f"/products/{product.id}"


def test_unknown_barcode_offers_editors_to_attach_or_create(client, login):
    login("warehouse", locale="en")
    factories.product(name="苹果手机壳")
    response = client.get("/products/scan?code=6901234567892", headers={"HX-Request": "true"})
    assert response.status_code == 404
    fragment = html(response)
    assert fragment.lstrip().startswith('<section class="unknown-barcode" id="unknown-barcode"')
    assert "Unknown barcode 6901234567892" in fragment
    assert 'href="/products/new?barcode=6901234567892"' in fragment
    results = html(client.get("/products/scan?code=6901234567892&q=pgsjk"))
    assert "苹果手机壳" in results and re.search(r'action="/products/\d+/barcodes"', results)


def test_unknown_barcode_for_sales_says_so_without_edit_actions(client, login):
    login("sales", locale="en")
    factories.product(name="苹果手机壳")
    response = client.get("/products/scan?code=ABC-123&q=pgsjk")
    page = html(response)
    assert response.status_code == 404 and "Unknown barcode ABC-123" in page and "<html" in page
    assert "/products/new" not in page and "/barcodes" not in page


def test_unknown_barcode_with_a_wrong_check_digit_says_so(client, login):
    login("owner", locale="en")
    page = html(client.get("/products/scan?code=6901234567891"))
    assert "Unknown barcode 6901234567891" in page and "check digit" in page and "/barcodes" not in page


def test_attach_an_unknown_barcode_then_it_scans(client, login):
    login("warehouse")
    product = factories.product()
    response = post(client, f"/products/{product.id}/barcodes", code="6901234567892", idempotency_key="a1")
    assert response.status_code == 302 and response.headers["Location"] == f"/products/{product.id}"
    assert client.get("/products/scan?code=6901234567892").headers["Location"] == f"/products/{product.id}"


def test_attaching_a_taken_barcode_is_422(client, login):
    login("owner", locale="en")
    factories.product(name="旧主人", barcode="6901234567892")
    product = factories.product()
    response = post(client, f"/products/{product.id}/barcodes", code="6901234567892")
    assert response.status_code == 422 and "already belongs to 旧主人" in html(response)


def test_sales_may_not_attach_barcodes(client, login):
    login("sales")
    product = factories.product()
    assert post(client, f"/products/{product.id}/barcodes", code="6901234567892").status_code == 403
    assert db.session.scalar(select(Barcode.id)) is None


# --- categories --------------------------------------------------------------------------------

def test_categories_tree_and_adding_under_a_parent(client, login):
    login("purchasing", locale="en")
    parent = factories.category("手机配件")
    response = post(client, "/categories", name="保护壳", parent_id=parent.id, idempotency_key="c1")
    assert response.status_code == 302
    child = db.session.scalars(select(Category).filter_by(name="保护壳")).one()
    assert child.parent_id == parent.id
    page = html(client.get("/categories"))
    assert re.search(r"手机配件.*<ul>.*保护壳", page, re.S)
    assert f'href="/products?category={child.id}"' in page


def test_duplicate_category_is_422(client, login):
    login("warehouse", locale="en")
    factories.category("手机配件")
    response = post(client, "/categories", name="手机配件", parent_id="")
    assert response.status_code == 422 and "This category already exists." in html(response)
