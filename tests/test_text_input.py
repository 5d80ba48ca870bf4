"""Text input: nothing reaches the database that it refuses (NUL, lone surrogates), and codes that differ only by
width or invisible characters are the same code."""
import pytest
from sqlalchemy import func, select

from app.catalog import services as catalog
from app.catalog.models import Barcode, Product
from app.errors import Duplicate
from app.extensions import db
from app.stocktake import services as stocktakes
from tests import factories

EN = {"Accept-Language": "en"}


def products() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


@pytest.mark.parametrize("field, value", [("sku", "AB\ud800"), ("name", "手机\x00壳"), ("sku", "A\x00B"),
                                          ("unit", "\udfff")])
def test_the_api_refuses_unstorable_text_with_422_naming_the_field(api, field, value):
    body = {"sku": "CASE-1", "name": "手机壳", "unit": "个", field: value}
    response = api("owner").post("/products", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]
    assert products() == 0


def test_the_api_refuses_nul_in_a_customer_name(api):
    response = api("owner").post("/customers", {"name": "张\x00三"})
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]


def test_a_form_drops_nul_instead_of_failing(client, login):
    login("owner")
    data = {"sku": "CASE\x00-1", "name": "手机\x00壳", "unit": "个", "sale_price": "1", "purchase_price": "1",
            "min_stock": "0", "max_stock": "0", "active": "y", "idempotency_key": "k1", "csrf_token": client.csrf}
    response = client.post("/products/new", data=data)
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert (product.sku, product.name) == ("CASE-1", "手机壳")


@pytest.mark.parametrize("path", ["/products", "/customers", "/orders", "/stock", "/suppliers", "/invoices",
                                  "/api/v1/products", "/api/v1/customers"])
def test_nul_in_a_search_is_ignored(client, login, path):
    login("owner")
    factories.product(name="手机壳")
    token = factories.user_with_token(role="owner")[1]
    response = client.get(path, query_string={"q": "手机\x00壳"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_nul_in_a_path_segment_is_404(client, login):
    login("owner")
    warehouse = factories.warehouse()
    count = stocktakes.open_stocktake(factories.user("owner"), warehouse.id)
    db.session.commit()
    response = client.post(f"/stocktakes/{count.id}/scans/abc%00defgh/undo", data={"csrf_token": client.csrf})
    assert response.status_code == 404


def test_a_scan_with_a_broken_barcode_or_id_is_refused_not_500(api):
    client = api("owner")
    warehouse = factories.warehouse()
    count = stocktakes.open_stocktake(client.user, warehouse.id)
    db.session.commit()
    for body in ({"scan_id": "12345678-aaaa", "barcode": "69\ud800"}, {"scan_id": "1234\x00567890", "barcode": "1"},
                 {"scan_id": "12345678-bbbb", "barcode": ["not", "text"]}):
        response = client.post(f"/stocktakes/{count.id}/scans", body)
        assert 400 <= response.status_code < 500, (body, response.get_data(as_text=True))


@pytest.mark.parametrize("taken, typed", [("ABC-1", "ＡＢＣ－１"), ("ABC-1", "ABC\u200b-1"), ("ABC-1", "\ufeffabc-1"),
                                          ("ABC-1", "AB\u2060C-1\u200d")])
def test_a_sku_differing_only_by_width_or_invisible_characters_is_a_duplicate(app, taken, typed):
    factories.product(sku=taken)
    with pytest.raises(Duplicate):
        catalog.create_product(None, {"sku": typed, "name": "手机壳", "sale_price": "1", "purchase_price": "1"})


def test_skus_and_barcodes_are_stored_normalised(app):
    product = factories.product(sku="ＸＹ\u200b１", barcode="６９０１２３４５６７８９２")
    assert product.sku == "XY1"
    assert db.session.scalar(select(Barcode.code)) == "6901234567892"


@pytest.mark.parametrize("typed", ["６９０１２３４５６７８９２", "6901234567892\u200b", "\u200c6901234567892"])
def test_a_barcode_differing_only_by_width_or_invisible_characters_is_a_duplicate(app, typed):
    factories.product(barcode="6901234567892")
    other = factories.product()
    with pytest.raises(Duplicate):
        catalog.add_barcode(other, typed)


def test_the_api_refuses_a_sku_taken_in_another_width(api):
    client = api("owner")
    factories.product(sku="ABC-1")
    response = client.post("/products", {"sku": "ＡＢＣ-１", "name": "手机壳", "unit": "个"})
    assert response.status_code in (409, 422)
    assert products() == 1


def test_check_names_codes_stored_before_normalising(app):
    from sqlalchemy import text

    from app.limits_checks import codes_are_normalised
    product = factories.product(sku="ABC-1", barcode="6901234567892")
    assert codes_are_normalised() == []
    db.session.execute(text("UPDATE product SET sku = :s"), {"s": "ＡＢＣ\u200b-1"})
    db.session.commit()
    assert codes_are_normalised() == [f"product {product.id}: 'ＡＢＣ\\u200b-1' is stored as typed, not as 'ABC-1'"]
