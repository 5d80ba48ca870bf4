"""A demo company so a new user can try everything at once. Each area adds its part here."""
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth import services as auth
from app.auth import two_factor
from app.catalog import services as catalog
from app.catalog.barcodes import gtin_check_digit
from app.db_types import business_today
from app.extensions import db
from app.finance import services as finance
from app.inventory import services as inventory
from app.inventory.models import Warehouse
from app.inventory.services import LineInput
from app.lines import QtyInput
from app.opening import services as opening_stock
from app.opening.services import StockLineInput
from app.partners import services as partners
from app.partners import suppliers as partners_suppliers
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.sales import fulfilment
from app.sales import services as sales
from app.settings.services import update_company
from app.stocktake import services as stocktakes

DEMO_PASSWORD = "demo1234"
# The opening stock is dated this many days back, before the oldest sales slip of the demo's history (52 days).
OPENING_DAYS_AGO = 60

DEMO_USERS = (
    ("boss", "owner", "王建国"),
    ("sales1", "sales", "李晓红"),
    ("sales2", "sales", "张伟"),
    ("warehouse", "warehouse", "刘强"),
    ("buyer", "purchasing", "陈静"),
    ("finance", "finance", "赵敏"),
)

# (category path, name, spec, brand, unit, sale price, purchase price, min, max, opening qty, pack)
DEMO_PRODUCTS = (
    ("手机配件/保护壳", "苹果手机壳", "iPhone 15 透明防摔", "品胜", "个", "39.00", "12.50", 20, 200, 120, ("箱", 50)),
    ("手机配件/保护壳", "华为手机壳", "Mate 60 磨砂", "品胜", "个", "35.00", "11.00", 20, 200, 80, ("箱", 50)),
    ("手机配件/保护壳", "小米手机壳", "小米 14 硅胶", "倍思", "个", "29.00", "9.00", 15, 150, 12, None),
    ("手机配件/贴膜", "钢化膜", "iPhone 15 高清", "绿联", "片", "19.90", "4.20", 50, 500, 300, ("盒", 10)),
    ("手机配件/贴膜", "防窥膜", "iPhone 15 Pro", "绿联", "片", "29.90", "7.80", 30, 300, 45, ("盒", 10)),
    ("手机配件/充电", "快充数据线", "USB-C 1 米 60W", "倍思", "条", "25.00", "8.60", 40, 400, 260, ("箱", 100)),
    ("手机配件/充电", "苹果数据线", "USB-C 转 Lightning 1 米", "绿联", "条", "39.00", "13.00", 30, 300, 18, None),
    ("手机配件/充电", "氮化镓充电器", "65W 双口", "安克", "个", "129.00", "68.00", 10, 100, 36, ("箱", 20)),
    ("手机配件/充电", "充电宝", "20000mAh 22.5W", "小米", "个", "149.00", "92.00", 10, 80, 25, ("箱", 10)),
    ("手机配件/充电", "无线充电板", "15W 磁吸", "倍思", "个", "89.00", "41.00", 8, 60, 0, None),
    ("数码/耳机", "蓝牙耳机", "降噪入耳式", "漫步者", "副", "199.00", "118.00", 10, 80, 32, ("箱", 20)),
    ("数码/耳机", "有线耳机", "Type-C 接口", "华为", "副", "69.00", "31.00", 10, 100, 7, None),
    ("数码/音箱", "蓝牙音箱", "便携防水", "JBL", "台", "399.00", "255.00", 5, 40, 14, None),
    ("数码/存储", "U盘", "64GB USB 3.2", "闪迪", "个", "45.00", "22.00", 20, 200, 150, ("盒", 20)),
    ("数码/存储", "存储卡", "128GB microSD", "三星", "张", "89.00", "48.00", 10, 100, 3, None),
    ("办公用品", "A4 复印纸", "70g 500 张/包", "得力", "包", "25.00", "17.50", 30, 300, 90, ("箱", 5)),
)


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo company; returns (username, role, password) for each login."""
    owner, users = None, {}
    for username, role, name in DEMO_USERS:
        user = users[username] = auth.create_user(owner, username, role, DEMO_PASSWORD, name)
        owner = owner or user
    update_company(owner, {
        "name": "上海鼎盛商贸有限公司", "address": "上海市闵行区七莘路 1888 号 3 楼",
        "phone": "021-6488 1234", "tax_number": "91310112MA1GB3XK7P", "currency": "CNY",
        "default_tax_rate": Decimal("13.00"), "allow_negative_stock": False,
        "name_en": "Shanghai Dingsheng Trading Co., Ltd.", "bank_name": "招商银行上海闵行支行",
        "bank_account": "1219 0865 4310 888",
        "is_demo": True,  # its owner is offered to clear it and start for real (app/setup/demo_clear.py)
    })
    # The printed demo logins must work at once: no role of the demo company has to set up two-step sign-in (the
    # owner can require it at /settings/security; a real company starts with owner and finance required).
    two_factor.set_required_roles(owner, ())
    products = _load_stock(owner)
    _load_purchasing(users, products)
    _load_sales(users, products)
    _load_stocktake(users, products)
    return [(username, role, DEMO_PASSWORD) for username, role, _name in DEMO_USERS]


def _load_stocktake(users: dict, products: list) -> None:
    """The shop's count under way: a few products counted, one short, so the review has something to show."""
    shop = db.session.scalar(select(Warehouse).where(Warehouse.code == "SHOP"))
    count = stocktakes.open_stocktake(users["warehouse"], shop.id, name="门店月底盘点")
    for index, (product, qty) in enumerate(((products[0], "29"), (products[3], "58"))):
        stocktakes.record_scan(users["warehouse"], count.id, f"demo-scan-{index:04d}", product.barcode, qty)


def _category(owner, path: str, made: dict) -> int:
    parent_id = None
    for depth, name in enumerate(path.split("/")):
        key = "/".join(path.split("/")[:depth + 1])
        if key not in made:
            made[key] = catalog.create_category(owner, name, parent_id).id
        parent_id = made[key]
    return parent_id


def _ean13(index: int) -> str:
    body = f"690123456{index:03d}"
    return body + gtin_check_digit(body)


def _load_stock(owner) -> list:
    """Two warehouses, a category tree, products with barcodes and packs, opening stock and a little history."""
    main = inventory.create_warehouse(owner, "MAIN", "总仓", "上海市闵行区七莘路 1888 号 B1", is_default=True)
    shop = inventory.create_warehouse(owner, "SHOP", "南京东路门店", "上海市黄浦区南京东路 300 号")
    categories: dict[str, int] = {}
    products, opening = [], []
    for index, (path, name, spec, brand, unit, sale, cost, low, high, qty, pack) in enumerate(DEMO_PRODUCTS, 1):
        product = catalog.create_product(owner, {
            "sku": f"DS{index:04d}", "name": name, "spec": spec, "brand": brand, "unit": unit,
            "category_id": _category(owner, path, categories), "sale_price": sale, "purchase_price": cost,
            "min_stock": low, "max_stock": high}, barcode=_ean13(index))
        if pack:
            catalog.add_pack_unit(owner, product, pack[0], pack[1], barcode="1" + _ean13(index)[:-1]
                                  + gtin_check_digit("1" + _ean13(index)[:-1]))
        products.append(product)
        if qty:
            opening.append(StockLineInput(product.id, Decimal(qty), Decimal(cost)))
    # Entered as a company starting for real enters it (/opening), dated before the demo's history: it posts against
    # 未分配利润 like any opening balance, not as a stock difference waiting in 待处理财产损溢 (1901).
    opening_stock.set_opening_stock(owner, main, opening, opened_on=business_today() - timedelta(days=OPENING_DAYS_AGO),
                                    notes="期初库存")
    inventory.create_transfer(owner, main.id, shop.id, [LineInput(products[0].id, Decimal(30)),
                                                         LineInput(products[3].id, Decimal(60)),
                                                         LineInput(products[5].id, Decimal(40))], "门店补货")
    inventory.create_adjustment(owner, main.id, "damage", "运输破损", [LineInput(products[7].id, Decimal(-2))])
    inventory.create_adjustment(owner, shop.id, "other_out", "样品展示", [LineInput(products[0].id, Decimal(-1))])
    for product in products[:8]:  # wholesale customers pay about 15 % less on the fast movers
        product.wholesale_price = (product.sale_price * Decimal("0.85")).quantize(Decimal("0.1"))
    return products


# (name, contact, mobile, address, salesperson, credit limit, terms, price level, discount %, tags)
DEMO_CUSTOMERS = (
    ("浦东数码城 张记通讯", "张国强", "13816881234", "上海市浦东新区张杨路 500 号 2F-218", "sales1", "20000", 30,
     "wholesale", "0", "批发,老客户"),
    ("徐汇区 小米之家加盟店", "陈丽", "13917702345", "上海市徐汇区漕溪北路 88 号", "sales1", "5000", 15, "retail", "0",
     "门店"),
    ("闵行 顺达手机维修", "王师傅", "13761123456", "上海市闵行区莘庄镇沁春路 19 号", "sales1", "3000", 30,
     "discount", "5", "维修店"),
    ("嘉定 安亭电子商行", "刘洋", "15000334567", "上海市嘉定区安亭镇墨玉路 185 号", "sales2", "10000", 45,
     "wholesale", "0", "批发"),
    ("杭州 西湖手机配件批发部", "周敏", "13705715678", "浙江省杭州市西湖区文三路 259 号", "sales2", None, 30,
     "wholesale", "0", "外地,批发"),
    ("上海鼎好企业服务有限公司", "吴静", "18621006789", "上海市静安区南京西路 1266 号 12 楼", "sales2", "8000", 60,
     "retail", "0", "企业客户"),
)


@contextmanager
def _invoicing_on(day):
    """Sales invoices made inside are issued on `day`: the demo's history. Dating an invoice back after it was made
    would leave its voucher and sales facts on the day it was made; made on the day, all of it agrees."""
    today = fulfilment.business_today
    fulfilment.business_today = lambda: day  # the invoice asks its module for the day (tests move it the same way)
    try:
        yield
    finally:
        fulfilment.business_today = today


def _load_sales(users: dict, products: list) -> None:
    """Customers of both salespeople and their orders in every state, with invoices, receipts and a return."""
    owner = users["boss"]
    customers = []
    for name, contact, mobile, address, seller, limit, terms, level, discount, tags in DEMO_CUSTOMERS:
        customers.append(partners.create_customer(owner, {
            "name": name, "contact": contact, "mobile": mobile, "address": address, "credit_limit": limit,
            "payment_terms_days": terms, "price_level": level, "discount_pct": discount, "tags": tags,
            "salesperson_id": users[seller].id}))

    def order(customer, lines, upto="draft", delivered=None):
        seller = customer.salesperson
        made = sales.create_order(seller, customer, None, [sales.LineInput(products[i].id, Decimal(q)) for i, q in lines])
        if upto == "draft":
            return made, None
        sales.confirm_order(seller, made)
        if upto == "confirmed":
            return made, None
        fulfilment.deliver(seller, made, [QtyInput(line.id, delivered.get(i, line.qty) if delivered else line.qty)
                                          for i, line in enumerate(made.lines)])
        if upto in ("delivered", "partially"):
            return made, None
        return made, fulfilment.invoice_order(seller, made)

    today = business_today()
    first, _ = order(customers[0], [(0, 40), (3, 100), (5, 60)], "delivered")
    with _invoicing_on(today - timedelta(days=52)):  # overdue for the demo: due 30 days later, 22 days ago
        old = fulfilment.invoice_order(first.salesperson, first)
    finance.record_receipt(users["sales1"], customers[0], old.total / 2, "bank_transfer", reference="招行 8812")
    _, paid = order(customers[1], [(1, 10), (4, 20)], "invoiced")
    finance.record_receipt(users["sales1"], customers[1], paid.total, "wechat")
    order(customers[2], [(6, 5), (11, 3)], "delivered")
    order(customers[3], [(7, 10), (8, 5), (13, 30)], "partially", delivered={0: 6, 2: 30})
    order(customers[4], [(0, 20), (2, 5)], "confirmed")
    order(customers[5], [(15, 20), (13, 10)], "draft")
    returned, _invoice = order(customers[3], [(5, 20), (10, 4)], "invoiced")
    fulfilment.return_goods(users["sales2"], returned, [QtyInput(returned.lines[1].id, 1)], reason="耳机左耳无声")


# (name, contact, mobile, address, terms, lead time, [(product index, supplier code, MOQ, preferred)])
DEMO_SUPPLIERS = (
    ("深圳品胜电子有限公司", "黄志明", "13528881234", "广东省深圳市龙华区民治街道 88 号", 30, 5,
     [(0, "PS-IP15-CL", 50, True), (1, "PS-M60-MS", 50, True), (3, "PS-GL-15", 100, False)]),
    ("广州绿联科技有限公司", "林小燕", "13922005678", "广东省广州市番禺区市桥街 12 号", 45, 7,
     [(3, "UG-TG-15", 100, True), (4, "UG-FK-15P", 50, True), (6, "UG-C2L-1M", 30, True)]),
    ("倍思科技（深圳）有限公司", "郑凯", "13631117788", "广东省深圳市宝安区西乡街道 6 号", 30, 6,
     [(2, "BS-MI14-SI", 30, True), (5, "BS-C60W-1M", 100, True), (9, "BS-MAG15", 20, True)]),
)


def _load_purchasing(users: dict, products: list) -> None:
    """Suppliers with the products they sell us, and purchase orders in several states."""

    buyer, made = users["buyer"], []
    for name, contact, mobile, address, terms, lead, items in DEMO_SUPPLIERS:
        supplier = partners_suppliers.create_supplier(buyer, {
            "name": name, "contact": contact, "mobile": mobile, "address": address, "payment_terms_days": terms,
            "lead_time_days": lead})
        for index, code, moq, preferred in items:
            partners_suppliers.set_item(buyer, supplier, products[index].id, code, moq, preferred)
        made.append(supplier)
    received = purchasing.create_order(buyer, made[0], None, [purchasing.LineInput(products[0].id, 100),
                                                              purchasing.LineInput(products[1].id, 50)])
    purchasing.confirm_order(buyer, received)
    receiving.receive(buyer, received, [QtyInput(line.id, line.qty) for line in received.lines])
    receiving.invoice_order(buyer, received, "44030012345678")
    partly = purchasing.create_order(buyer, made[1], None, [purchasing.LineInput(products[6].id, 60),
                                                            purchasing.LineInput(products[4].id, 50)])
    purchasing.confirm_order(buyer, partly)
    receiving.receive(buyer, partly, [QtyInput(partly.lines[0].id, 30)])
    waiting = purchasing.create_order(buyer, made[2], None, [purchasing.LineInput(products[9].id, 40),
                                                             purchasing.LineInput(products[2].id, 60)])
    purchasing.confirm_order(buyer, waiting)
