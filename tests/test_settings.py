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


def seal_jpeg(size=(900, 900)) -> bytes:
    """A red seal stamped on white paper, photographed: a JPEG (no transparency)."""
    from PIL import ImageDraw
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((100, 100, size[0] - 100, size[1] - 100), outline=(210, 20, 30), width=40)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def test_owner_uploads_the_seal_and_chooses_the_paper(client, login):
    login("owner")
    response = client.post("/settings", data={**VALID, "csrf_token": client.csrf, "paper_layout": "continuous",
                                              "slip_paper_mm": "80", "seal": (io.BytesIO(seal_jpeg()), "公章.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    settings = db.session.get(CompanySettings, 1)
    assert (settings.paper_layout, settings.slip_paper_mm) == ("continuous", 80)
    seal = Image.open(io.BytesIO(settings.seal_png))
    assert seal.format == "PNG" and seal.mode == "RGBA" and max(seal.size) == 400
    assert seal.getpixel((5, 5))[3] == 0  # the paper around it is see-through
    assert seal.getpixel((200, 45))[3] == 255 and seal.getpixel((200, 45))[0] > 150  # the red ring is not
    served = client.get("/settings/seal.png")
    assert served.status_code == 200 and served.data == settings.seal_png
    page = client.get("/settings", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "公章" in page and "/settings/seal.png" in page and "241 毫米连续纸三联单" in page

    client.post("/settings", data={**VALID, "csrf_token": client.csrf, "paper_layout": "a4", "slip_paper_mm": "58",
                                   "remove_seal": "y"})
    settings = db.session.get(CompanySettings, 1)
    assert settings.seal_png is None and (settings.paper_layout, settings.slip_paper_mm) == ("a4", 58)
    assert client.get("/settings/seal.png").status_code == 404


def test_bad_seals_and_paper_are_refused_plainly_and_change_nothing(client, login):
    login("owner")
    gif = io.BytesIO()
    Image.new("RGB", (50, 50), "red").save(gif, "GIF")
    refusals = {
        "公章请上传 PNG 或 JPEG 图片。": [
            {"seal": (io.BytesIO(b"%PDF-1.4 not a picture"), "seal.png")},  # not an image at all
            {"seal": (io.BytesIO(gif.getvalue()), "seal.png")},  # an image, but a GIF named .png
            {"seal": (io.BytesIO(gif.getvalue()), "seal.gif")}],  # refused by its name already
        "请选择单据打印用纸。": [{"paper_layout": "a3"}],
        "请选择 58 毫米或 80 毫米。": [{"slip_paper_mm": "100"}],
    }
    for message, cases in refusals.items():
        for bad in cases:
            response = client.post("/settings", data={**VALID, "csrf_token": client.csrf, **bad},
                                   content_type="multipart/form-data", headers={"Accept-Language": "zh-CN"})
            assert response.status_code == 422, bad
            assert message in response.get_data(as_text=True), bad
    assert db.session.get(CompanySettings, 1) is None
