"""Company settings, edited once by the owner."""
import io
from decimal import Decimal

from PIL import Image

from app.audit.models import AuditEntry
from app.extensions import db
from app.settings.models import CompanySettings
from app.settings.services import company

VALID = {"name": "上海鼎盛商贸有限公司", "address": "上海市", "phone": "021-1234", "tax_number": "9131",
         "currency": "CNY", "default_tax_rate": "13", "max_sales_discount_pct": "10", "receipt_tolerance_pct": "0"}


def test_defaults_before_the_first_save(app):
    settings = company()
    assert (settings.currency, settings.default_tax_rate, settings.allow_negative_stock) == (
        "CNY", Decimal("13.00"), False)


def test_owner_saves_settings_with_a_resized_logo(client, login):
    login("owner")
    big = io.BytesIO()
    Image.new("RGB", (3000, 1500), "red").save(big, "JPEG")
    response = client.post("/settings", data={**VALID, "default_tax_rate": "9", "allow_negative_stock": "y",
                                              "max_sales_discount_pct": "5",
                                              "csrf_token": client.csrf,
                                              "logo": (io.BytesIO(big.getvalue()), "logo.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    settings = db.session.get(CompanySettings, 1)
    assert settings.default_tax_rate == Decimal("9.00") and settings.allow_negative_stock
    assert settings.max_sales_discount_pct == Decimal("5.00")
    logo = Image.open(io.BytesIO(settings.logo_png))
    assert logo.format == "PNG" and max(logo.size) == 600
    served = client.get("/settings/logo.png")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert db.session.query(AuditEntry).filter_by(action="settings.update").count() == 1


def test_bad_settings_are_422_and_change_nothing(client, login):
    login("owner")
    for bad in ({"default_tax_rate": "abc"}, {"default_tax_rate": "120"}, {"max_sales_discount_pct": "-1"},
                {"max_sales_discount_pct": ""}, {"currency": "XXX"}, {"name": ""}):
        response = client.post("/settings", data={**VALID, **bad, "csrf_token": client.csrf})
        assert response.status_code == 422, bad
    not_an_image = client.post("/settings", data={**VALID, "csrf_token": client.csrf,
                                                  "logo": (io.BytesIO(b"%PDF-1.4 nope"), "logo.png")},
                               content_type="multipart/form-data")
    assert not_an_image.status_code == 422
    assert db.session.get(CompanySettings, 1) is None


def test_company_name_shows_in_the_shell(client, login):
    login("owner")
    client.post("/settings", data={**VALID, "csrf_token": client.csrf})
    assert "上海鼎盛商贸有限公司" in client.get("/").get_data(as_text=True)
