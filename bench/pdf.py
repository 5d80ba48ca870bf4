"""Sales invoice and label sheet PDF render times: `.venv/bin/python bench/pdf.py` (bench/run.py prints them too).

Builds invoices of 1, 20 and 100 lines in memory (no database: the company settings, with a logo
shrunk as the settings screen shrinks an upload, sit on `g` where app.settings.services.company
finds them) and renders each size in a process of its own: the first render of a process pays for
loading fonts and templates; warm is the median of the renders after it, wall clock and CPU (CPU
moves less when other jobs share the machine).
"""
import io
import json
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1, 20, 100)
ONE_PAGE = 20  # lines: the largest of SIZES that fits one A4 page
WARM_RUNS = 7
TARGET_MS = 300  # a one-page invoice, warm
LABEL_SHEET = (5, 8)  # products x copies: 40 labels on A4 5 x 13, one code per symbology
LABEL_TARGET_MS = 1000  # the label sheet, warm


def logo_upload() -> bytes:
    """A 1500 x 500 px logo with gradients and antialiased shapes, as an owner might upload."""
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((1500, 500)).convert("RGBA")
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.ellipse((60 + i * 110, 80 + (i % 3) * 40, 260 + i * 110, 380), outline=(200, 30 + i * 18, 40, 255),
                     width=9)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample_invoice(lines: int):
    """A transient invoice (never added to a session) with its customer, order and products."""
    from app.catalog.models import Product
    from app.partners.models import Customer
    from app.sales.models import SalesInvoice, SalesInvoiceLine, SalesOrder, line_amounts

    customer = Customer(name="深圳市南山区果果数码配件经营部", address="深圳市南山区科技园南区高新南七道 18 号",
                        contact="李经理", phone="0755-8888 6666", tax_number="91440300MA5F8XXXXX",
                        payment_terms_days=30)
    invoice = SalesInvoice(number="SI-2026-000123", customer=customer, issued_on=date(2026, 3, 2),
                           due_on=date(2026, 3, 2) + timedelta(days=30), order=SalesOrder(number="SO-2026-000456"))
    for i in range(lines):
        product = Product(sku=f"SKU{i:05d}", name=f"苹果手机壳 防摔 {i}", spec="iPhone 15 Pro 黑色", unit="个")
        qty, price, discount, rate = Decimal(1 + i % 7), Decimal("25.80") + i, Decimal(i % 3 * 5), Decimal("13")
        amount, tax = line_amounts(qty, price, discount, rate)
        invoice.lines.append(SalesInvoiceLine(product=product, qty=qty, unit_price=price, discount_pct=discount,
                                              tax_rate=rate, amount=amount, tax=tax))
    invoice.subtotal = sum(line.amount for line in invoice.lines)
    invoice.tax = sum(line.tax for line in invoice.lines)
    invoice.total = invoice.subtotal + invoice.tax
    return invoice


def measure(count: int) -> dict:
    """First and warm render times of a `count`-line invoice in this process."""
    sys.path.insert(0, str(ROOT))
    import pypdfium2  # the test extra, which `make bench` installs
    from flask import g

    from app import create_app
    from app.config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="bench")  # first, as wsgi.py does

    from app.sales.printing import invoice_pdf
    from app.settings.models import CompanySettings
    from app.settings.services import shrink_logo

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        g.company = CompanySettings(id=1, name="深圳果果贸易有限公司", address="深圳市南山区粤海街道 1 号",
                                    phone="0755-1234 5678", tax_number="91440300TEST00001", currency="CNY",
                                    logo_png=shrink_logo(logo_upload()))
        invoice = sample_invoice(count)
        started = time.perf_counter()
        pdf = invoice_pdf(invoice)
        first = time.perf_counter() - started
        times, cpu = [], []
        for _run in range(WARM_RUNS):
            started, cpu_started = time.perf_counter(), time.process_time()
            invoice_pdf(invoice)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        return {"lines": count, "first_ms": round(first * 1000), "warm_ms": round(statistics.median(times) * 1000),
                "warm_cpu_ms": round(statistics.median(cpu) * 1000),
                "pages": len(pypdfium2.PdfDocument(pdf)), "pdf_kb": len(pdf) // 1024,
                "logo_kb": len(g.company.logo_png) // 1024}


def label_products():
    """Transient products, one per symbology (EAN-13, EAN-8, UPC-A, Code 128), each with a Chinese name."""
    from app.catalog.models import Barcode, Product
    codes = (("6901234567892", "ean13"), ("6901234567885", "ean13"), ("96385074", "ean8"),
             ("036000291452", "upca"), ("JXC-000123", "code128"))
    return [Product(sku=f"LBL{i}", name=name, unit="个", sale_price=Decimal("25.00"),
                    barcodes=[Barcode(code=code, symbology=symbology)])
            for i, ((code, symbology), name) in enumerate(zip(codes, ("苹果手机壳", "香蕉数据线", "小号贴纸",
                                                                       "进口饼干", "自编码商品")))]


def measure_labels() -> dict:
    """First and warm render times of the 40-label A4 sheet (the size stores print most) in this process."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.config import TestConfig
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="bench")
    from flask import g

    from app.catalog.labels import labels_pdf
    from app.settings.models import CompanySettings

    products, copies = LABEL_SHEET
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        g.company = CompanySettings(id=1, name="深圳果果贸易有限公司", currency="CNY")
        lines = [(product, copies) for product in label_products()[:products]]
        started = time.perf_counter()
        labels_pdf(lines, "a4-5x13", True)
        first = time.perf_counter() - started
        times, cpu = [], []
        for _run in range(WARM_RUNS):
            started, cpu_started = time.perf_counter(), time.process_time()
            labels_pdf(lines, "a4-5x13", True)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    return {"labels": products * copies, "first_ms": round(first * 1000),
            "warm_ms": round(statistics.median(times) * 1000), "warm_cpu_ms": round(statistics.median(cpu) * 1000)}


def run_all() -> list[dict]:
    """Each size in its own process, so every first render is a real first one."""
    results = []
    for count in SIZES:
        done = subprocess.run([sys.executable, __file__, "--lines", str(count)], cwd=ROOT, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"--lines {count} failed:\n{done.stderr}")
        results.append(json.loads(done.stdout))
    done = subprocess.run([sys.executable, __file__, "--labels"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"--labels failed:\n{done.stderr}")
    results.append(json.loads(done.stdout))
    return results


def print_results(results: list[dict]) -> None:
    print(f"sales invoice PDF: first render of a process, and warm (median of {WARM_RUNS});"
          f" logo {results[0]['logo_kb']} KB as stored")
    invoices, labels = [row for row in results if "lines" in row], next(row for row in results if "labels" in row)
    print(f"{'lines':>5}  {'first ms':>8}  {'warm ms':>7}  {'warm cpu ms':>11}  {'pages':>5}  {'PDF KB':>6}")
    for row in invoices:
        print(f"{row['lines']:>5}  {row['first_ms']:>8}  {row['warm_ms']:>7}  {row['warm_cpu_ms']:>11}"
              f"  {row['pages']:>5}  {row['pdf_kb']:>6}")
    one_page = next(row for row in invoices if row["lines"] == ONE_PAGE)
    verdict = "met" if one_page["warm_ms"] <= TARGET_MS else "MISSED (is the machine busy? compare warm cpu ms)"
    print(f"target: a one-page ({ONE_PAGE}-line) invoice in {TARGET_MS} ms warm: {verdict}")
    print(f"label sheet, {labels['labels']} labels on A4 5 x 13: first {labels['first_ms']} ms, warm {labels['warm_ms']} ms"
          f" (cpu {labels['warm_cpu_ms']} ms)")
    verdict = "met" if labels["warm_ms"] <= LABEL_TARGET_MS else "MISSED (is the machine busy? compare cpu ms)"
    print(f"target: the label sheet in {LABEL_TARGET_MS} ms warm: {verdict}")


def main() -> int:
    if sys.argv[1:2] == ["--labels"]:
        print(json.dumps(measure_labels()))
        return 0
    if sys.argv[1:2] == ["--lines"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    try:
        print_results(run_all())
    except RuntimeError as error:
        print(f"bench/pdf.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
