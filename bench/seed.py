"""Seed the bench's throw-away database with a realistic catalogue and ledger (run by bench/run.py).

    .venv/bin/python bench/seed.py SAMPLES.json [--products 20000] [--moves 200000]

Runs inside the app (the environment run.py builds: JXC_INSTANCE, DATABASE_URL, SECRET_KEY) on a
database that has had `flask db upgrade` and `flask demo` and no products yet; it refuses a
database that already has products, so it never writes into real data.

What it adds, deterministically (a fixed random seed):

- two warehouses (through the app's own create_warehouse), unless two active ones exist already;
- a category tree: item groups / items / item variants (about 200 categories);
- products with Chinese names built from word lists (brand + item [+ feature]), a spec (model,
  colour, length, power...), prices, stock limits, one valid EAN-13 each (GS1 check digit from
  app.catalog.barcodes) and the search_text app.catalog.services.search_text computes for it;
- stock moves, skewed (a few products move a lot, most a little): an opening balance per
  product and warehouse, then receipts, deliveries, returns and stocktake differences in time
  order, never taking a balance below zero; and a stock level per (product, warehouse) equal
  to the sum of its moves, so `flask check` holds.

Everything goes in with SQLAlchemy Core executemany in batches, through the tables' own types
(ScaledDecimal scales the Decimals, UTCDateTime the datetimes). On PostgreSQL it then runs
ANALYZE, as autovacuum would shortly after such a load.

SAMPLES.json receives what the endpoints rotate over: real barcodes, products to adjust,
warehouses, and the counts; a one-line summary goes to stdout.
"""
import argparse
import json
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20240601
BATCH = 10000

# brand -> GS1 company prefix (7 digits; 690-699 is China, 019/880 are Apple's and Samsung's ranges)
BRANDS = {
    "华为": "6901443", "小米": "6934177", "苹果": "0194253", "OPPO": "6932169", "vivo": "6935117",
    "荣耀": "6936520", "三星": "8806094", "绿联": "6957303", "倍思": "6953156", "公牛": "6901523",
    "品胜": "6901285", "罗马仕": "6970371", "漫步者": "6923520", "安克": "6958265", "飞利浦": "6923410",
    "联想": "6901914", "紫米": "6934178", "酷狗": "6971234", "毕亚兹": "6936372", "摩米士": "6958409",
}
assert len(set(BRANDS.values())) == len(BRANDS), "one company prefix per brand keeps the codes unique"

CABLES = ["USB-A转Type-C", "Type-C转Type-C", "USB-A转Lightning", "Type-C转Lightning", "CAT6"]
COLOURS = ["黑色", "白色", "蓝色", "粉色", "灰色", "绿色", "紫色", "透明", "银色", "金色"]
# phone makers -> their models: cases, films and lenses are named after the phone they fit
PHONES = {
    "苹果": ["iPhone 15", "iPhone 15 Pro", "iPhone 15 Pro Max", "iPhone 14", "iPhone 13"],
    "华为": ["Mate 60", "Mate 60 Pro", "P60", "nova 12", "Pura 70"],
    "小米": ["小米14", "小米13", "Redmi K70", "Redmi Note 13"],
    "OPPO": ["Reno 11", "Find X7", "A2"], "vivo": ["X100", "S18", "iQOO 12"],
    "荣耀": ["Magic6", "荣耀 90", "X50"], "三星": ["Galaxy S24", "Galaxy A54", "Galaxy Z Flip5"],
}
# group -> items; item -> (unit, price range in yuan, feature words, spec kinds)
GROUPS = {
    "手机配件": ["手机壳", "钢化膜", "手机支架", "自拍杆", "手机挂绳", "镜头膜"],
    "充电设备": ["充电器", "数据线", "充电宝", "无线充电器", "车载充电器", "转换头"],
    "影音娱乐": ["耳机", "蓝牙耳机", "蓝牙音箱", "头戴式耳机", "麦克风"],
    "电脑外设": ["鼠标", "键盘", "鼠标垫", "扩展坞", "笔记本支架", "摄像头"],
    "存储设备": ["U盘", "存储卡", "移动硬盘", "读卡器"],
    "智能穿戴": ["智能手表", "手环", "表带", "手表充电器"],
    "平板配件": ["平板保护套", "平板钢化膜", "触控笔", "平板支架"],
    "家居电器": ["插线板", "小夜灯", "电动牙刷", "剃须刀", "加湿器"],
    "网络设备": ["路由器", "网线", "WiFi信号放大器", "网卡"],
    "汽车用品": ["车载支架", "行车记录仪", "车载香薰", "点烟器"],
}
ITEMS = {
    "手机壳": ("个", (19, 99), ["硅胶", "防摔", "磁吸", "超薄", "透明", "皮革"], "phone"),
    "钢化膜": ("张", (9, 59), ["高清", "防窥", "全屏", "蓝光", "磨砂"], "phone"),
    "手机支架": ("个", (15, 89), ["桌面", "折叠", "懒人", "铝合金"], "colour"),
    "自拍杆": ("个", (29, 129), ["蓝牙", "三脚架", "伸缩"], "colour"),
    "手机挂绳": ("条", (9, 39), ["斜挎", "短款", "编织"], "colour"),
    "镜头膜": ("张", (9, 39), ["高清", "一体式"], "phone"),
    "充电器": ("个", (29, 199), ["快充", "氮化镓", "双口", "超级快充"], "power"),
    "数据线": ("条", (9, 69), ["快充", "编织", "弯头", "三合一", "磁吸"], "cable"),
    "充电宝": ("个", (59, 299), ["快充", "自带线", "磁吸", "超薄", "大容量"], "capacity"),
    "无线充电器": ("个", (49, 199), ["磁吸", "立式", "三合一"], "power"),
    "车载充电器": ("个", (19, 99), ["快充", "双口", "点烟器"], "power"),
    "转换头": ("个", (9, 49), ["Type-C", "Lightning", "OTG"], "colour"),
    "耳机": ("副", (19, 199), ["入耳式", "有线", "Type-C", "重低音"], "colour"),
    "蓝牙耳机": ("副", (99, 1299), ["降噪", "真无线", "运动", "半入耳"], "colour"),
    "蓝牙音箱": ("个", (79, 699), ["便携", "防水", "迷你", "重低音"], "colour"),
    "头戴式耳机": ("副", (129, 1999), ["降噪", "游戏", "无线"], "colour"),
    "麦克风": ("个", (49, 499), ["无线", "领夹", "直播"], "colour"),
    "鼠标": ("个", (29, 399), ["无线", "静音", "游戏", "蓝牙"], "colour"),
    "键盘": ("个", (59, 699), ["机械", "无线", "蓝牙", "静音"], "colour"),
    "鼠标垫": ("张", (9, 69), ["超大", "加厚", "护腕"], "colour"),
    "扩展坞": ("个", (69, 499), ["Type-C", "多合一", "雷电"], "ports"),
    "笔记本支架": ("个", (39, 199), ["铝合金", "折叠", "升降"], "colour"),
    "摄像头": ("个", (99, 599), ["高清", "直播", "广角"], "resolution"),
    "U盘": ("个", (19, 199), ["高速", "金属", "双接口"], "storage"),
    "存储卡": ("张", (29, 299), ["高速", "监控", "相机"], "storage"),
    "移动硬盘": ("个", (299, 1299), ["固态", "机械", "加密"], "storage"),
    "读卡器": ("个", (15, 79), ["多合一", "高速", "Type-C"], "colour"),
    "智能手表": ("块", (299, 2999), ["运动", "通话", "血氧"], "colour"),
    "手环": ("个", (149, 399), ["运动", "心率", "NFC"], "colour"),
    "表带": ("条", (19, 129), ["硅胶", "真皮", "金属", "尼龙"], "colour"),
    "手表充电器": ("个", (19, 79), ["磁吸", "便携"], "colour"),
    "平板保护套": ("个", (39, 199), ["防摔", "磁吸", "带笔槽"], "colour"),
    "平板钢化膜": ("张", (19, 79), ["高清", "类纸膜", "蓝光"], "colour"),
    "触控笔": ("支", (49, 499), ["防误触", "磁吸", "倾斜感应"], "colour"),
    "平板支架": ("个", (29, 159), ["桌面", "床头", "折叠"], "colour"),
    "插线板": ("个", (29, 199), ["USB", "新国标", "防过载"], "sockets"),
    "小夜灯": ("个", (15, 79), ["感应", "充电", "插电"], "colour"),
    "电动牙刷": ("支", (99, 599), ["声波", "儿童", "充电"], "colour"),
    "剃须刀": ("个", (99, 799), ["电动", "往复式", "旋转"], "colour"),
    "加湿器": ("台", (59, 399), ["静音", "大雾量", "迷你"], "colour"),
    "路由器": ("台", (99, 999), ["千兆", "WiFi6", "双频", "Mesh"], "colour"),
    "网线": ("条", (9, 89), ["六类", "超六类", "扁平"], "cable"),
    "WiFi信号放大器": ("个", (39, 199), ["穿墙", "免配置"], "colour"),
    "网卡": ("个", (29, 199), ["USB", "千兆", "双频"], "colour"),
    "车载支架": ("个", (19, 149), ["磁吸", "出风口", "重力"], "colour"),
    "行车记录仪": ("台", (199, 999), ["高清", "夜视", "前后双录"], "resolution"),
    "车载香薰": ("个", (19, 99), ["出风口", "仪表台"], "colour"),
    "点烟器": ("个", (19, 79), ["一拖三", "USB"], "colour"),
}


def spec_for(kind: str, maker: str, rng: random.Random) -> str:
    colour = rng.choice(COLOURS)
    return {
        "phone": lambda: f"{rng.choice(PHONES[maker])} {colour}",
        "colour": lambda: colour,
        "power": lambda: f"{rng.choice([18, 20, 25, 30, 33, 45, 65, 67, 100, 120])}W {colour}",
        "cable": lambda: f"{rng.choice(CABLES)} {rng.choice(['0.25m', '0.5m', '1m', '1.5m', '2m', '3m'])} {colour}",
        "capacity": lambda: f"{rng.choice([5000, 10000, 20000, 30000])}mAh {colour}",
        "ports": lambda: f"{rng.choice([4, 5, 6, 7, 8, 9, 11])}合1 {colour}",
        "resolution": lambda: f"{rng.choice(['1080P', '2K', '4K'])}",
        "storage": lambda: f"{rng.choice(['32GB', '64GB', '128GB', '256GB', '512GB', '1TB', '2TB'])}",
        "sockets": lambda: f"{rng.choice([3, 4, 5, 6, 8])}位 {rng.choice(['1.8m', '3m', '5m'])}",
    }[kind]()


def ean13(prefix: str, item_ref: int) -> str:
    from app.catalog.barcodes import gtin_check_digit
    body = f"{prefix}{item_ref:05d}"
    assert len(body) == 12, body
    return body + gtin_check_digit(body)


def bulk_insert(table, columns: list[str], rows: list[tuple]) -> None:
    """INSERT rows (tuples in `columns` order): COPY on PostgreSQL, executemany in batches on SQLite.

    Every value goes through its column's own bind processor (ScaledDecimal scaling Decimals or
    ints to the stored integer, UTCDateTime, the enums), exactly what the ORM would send;
    processors are memoised per distinct value, which is what makes 200,000 rows cheap.
    """
    from app.extensions import db
    connection = db.session.connection()
    dialect = connection.dialect
    processors = []
    for name in columns:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        processors.append(None if process is None else _memoised(process))

    def processed(batch):
        return [tuple(v if p is None else p(v) for p, v in zip(processors, row)) for row in batch]

    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":  # psycopg 3: COPY is several times faster than executemany
        with connection.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                for start in range(0, len(rows), BATCH):
                    for row in processed(rows[start:start + BATCH]):
                        copy.write_row(row)
        return
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marker is None:
        raise SystemExit(f"seed: no bulk insert for paramstyle {dialect.paramstyle}")
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([marker] * len(columns))})"
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, processed(rows[start:start + BATCH]))


def _memoised(process):
    memo = {}

    def cached(value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = process(value)
            return result
        except TypeError:  # unhashable
            return process(value)
    return cached


def seed(products_wanted: int, moves_wanted: int, samples_path: Path) -> dict:
    from sqlalchemy import func, insert, select, text

    from app import pinyin
    from app.auth.models import User
    from app.auth.roles import Role
    from app.catalog.models import Barcode, Category, Product
    from app.catalog.services import search_text
    from app.db_types import utcnow
    from app.demo import DEMO_PRODUCTS
    from app.extensions import db
    from app.inventory import totals
    from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
    from app.inventory.services import create_warehouse

    # Totals include what `flask demo` made: 20,000 products means 20,000 in the table.
    have_products = db.session.scalar(select(func.count()).select_from(Product))
    have_moves = db.session.scalar(select(func.count()).select_from(StockMove))
    if have_products > len(DEMO_PRODUCTS) or db.session.scalar(select(Product.id).where(Product.sku.like("SP%"))):
        raise SystemExit(f"seed: the database has {have_products} products, more than the demo's: "
                         "the bench seeds only a fresh demo database")
    products_wanted -= have_products
    moves_wanted -= have_moves
    if products_wanted < 1 or moves_wanted < products_wanted:
        raise SystemExit("seed: need at least one product and at least one move per product beyond the demo's")
    rng = random.Random(SEED)
    timings = {}
    clock = time.perf_counter()
    started = clock

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    owner = db.session.scalar(select(User).where(User.role == Role.OWNER).order_by(User.id))
    storekeeper = db.session.scalar(select(User).where(User.role == Role.WAREHOUSE).order_by(User.id)) or owner
    if owner is None:
        raise SystemExit("seed: no owner; run `flask demo` first")

    # -- warehouses ------------------------------------------------------------------------------
    existing = db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.id)).all()
    for code, name, address in (("MAIN", "总仓", "上海市闵行区七莘路 1888 号"),
                                ("SHOP", "门店仓", "上海市徐汇区漕溪北路 88 号 1 楼")):
        if len(existing) >= 2:
            break
        if any(w.code == code for w in existing):
            continue
        existing.append(create_warehouse(owner, code, name, address))
    db.session.flush()
    warehouse_ids = [w.id for w in existing[:2]]

    # -- categories: group / item / item variant (the demo's own tree is kept and reused) -----------
    cat = Category.__table__

    def categories_under(pairs: list[tuple[int | None, str]]) -> dict[tuple[int | None, str], int]:
        """Ids of these (parent, name) categories, inserting the missing ones."""
        def known():
            rows = db.session.execute(select(cat.c.parent_id, cat.c.name, cat.c.id).order_by(cat.c.id.desc())).all()
            return {(parent, name): cid for parent, name, cid in rows}  # the oldest wins on duplicates
        have = known()
        if missing := [{"parent_id": parent, "name": name} for parent, name in dict.fromkeys(pairs)
                       if (parent, name) not in have]:
            db.session.execute(insert(cat), missing)
            have = known()
        return {pair: have[pair] for pair in pairs}

    group_ids = {name: cid for (_none, name), cid in categories_under([(None, group) for group in GROUPS]).items()}
    item_ids = {name: cid for (_group, name), cid in categories_under(
        [(group_ids[group], item) for group, items in GROUPS.items() for item in items]).items()}
    leaf_ids = {(item, name): categories_under([(item_ids[item], name)])[(item_ids[item], name)]
                for item, (_u, _p, features, _k) in ITEMS.items() for name in features[:3]}
    lap("categories")

    # -- products, with their barcodes and search text ---------------------------------------------
    # Popular brands and items come up more often, as in a real phone-accessory shop.
    brands = list(BRANDS)
    brand_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(brands))]
    items = list(ITEMS)
    item_weights = [1 / (rank + 1) ** 0.4 for rank in range(len(items))]
    next_ref = {brand: 1 for brand in brands}
    now = utcnow()
    product_rows, barcode_codes = [], []
    # search_text is the app's own (through app.search.haystack); only its pypinyin calls are memoised
    # while seeding (names repeat a lot, and pypinyin is pure), which makes this step several times
    # faster and changes nothing. app.pinyin calls pypinyin's lazy_pinyin by name at each call, so that is patched.
    pypinyin = pinyin.loaded()
    real_lazy_pinyin = pypinyin.lazy_pinyin
    memo = {}

    def lazy_pinyin(text, style=pypinyin.Style.NORMAL, errors="default"):
        key = (text, style, errors)
        if key not in memo:
            memo[key] = real_lazy_pinyin(text, style=style, errors=errors)
        return list(memo[key])

    pypinyin.lazy_pinyin = lazy_pinyin
    for n in range(1, products_wanted + 1):
        brand = rng.choices(brands, brand_weights)[0]
        item = rng.choices(items, item_weights)[0]
        unit, (low, high), features, spec_kind = ITEMS[item]
        feature = rng.choice(features) if rng.random() < 0.6 else ""
        # 苹果手机壳 by 品胜: phone accessories carry the phone maker's name, made by anyone.
        maker = (brand if brand in PHONES else rng.choice(list(PHONES))) if spec_kind == "phone" else brand
        name = f"{maker}{item}" + (f" {feature}" if feature else "")
        sale = Decimal(rng.randint(low, high)) - Decimal("0.10") * rng.choice([0, 0, 1])
        purchase = (sale * Decimal(rng.choice(["0.55", "0.6", "0.65", "0.7"]))).quantize(Decimal("0.01"))
        min_stock = rng.choice([0, 0, 5, 10, 20])
        code = ean13(BRANDS[brand], next_ref[brand])
        next_ref[brand] += rng.randint(1, 3)
        values = {
            "sku": f"SP{n:06d}", "name": name, "spec": spec_for(spec_kind, maker, rng), "brand": brand, "unit": unit,
            "category_id": leaf_ids.get((item, feature)) or item_ids[item],
            "sale_price": sale, "purchase_price": purchase, "avg_cost": purchase,
            "min_stock": Decimal(min_stock), "max_stock": Decimal(min_stock * 10),
            "notes": "", "active": rng.random() > 0.03, "photo": None, "photo_version": 0,
            "created_at": now, "updated_at": now,
        }
        # The app's own haystack function, given a stand-in with the attributes it reads (an ORM
        # instance costs more to build than everything else here).
        values["search_text"] = search_text(SimpleNamespace(sku=values["sku"], name=name, spec=values["spec"],
                                                            brand=brand, barcodes=[SimpleNamespace(code=code)]))
        product_rows.append(values)
        barcode_codes.append(code)
    pypinyin.lazy_pinyin = real_lazy_pinyin
    lap("products built")
    assert len(set(barcode_codes)) == len(barcode_codes), "duplicate barcode"
    columns = list(product_rows[0])
    bulk_insert(Product.__table__, columns, [tuple(row[c] for c in columns) for row in product_rows])
    ids_by_sku = dict(db.session.execute(select(Product.__table__.c.sku, Product.__table__.c.id)).all())
    product_ids = [ids_by_sku[row["sku"]] for row in product_rows]
    barcode_rows = [(code, pid, None, "ean13") for code, pid in zip(barcode_codes, product_ids)]
    bulk_insert(Barcode.__table__, ["code", "product_id", "pack_unit_id", "symbology"], barcode_rows)
    lap("products + barcodes inserted")

    # -- the ledger -------------------------------------------------------------------------------------
    # Skewed activity: a product's share of the moves falls off with its (random) popularity rank.
    order = product_ids[:]
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(order))]
    main, shop = warehouse_ids
    # Every product opens in the main warehouse; a third also in the shop.
    openings = [(pid, main) for pid in product_ids] + [(pid, shop) for pid in product_ids if rng.random() < 0.33]
    openings = openings[:moves_wanted]
    later = rng.choices(order, weights, k=moves_wanted - len(openings))
    opened = set(openings)
    # A year of history, in id order: the opening balances on its first day, the rest after.
    start, day = now - timedelta(days=365), timedelta(days=1)
    events = [(start + day * i / len(openings), pid, wid, True) for i, (pid, wid) in enumerate(openings)]
    offsets = sorted(rng.random() for _ in later)
    for offset, pid in zip(offsets, later):
        wid = main if rng.random() < 0.75 else shop
        if (pid, wid) not in opened:
            wid = main
        events.append((start + day + (timedelta(days=364) - timedelta(hours=1)) * offset, pid, wid, False))
    price = {pid: row["purchase_price"] for pid, row in zip(product_ids, product_rows)}
    balance: dict[tuple[int, int], int] = {}
    move_rows = []
    document = 0
    rand = rng.random

    def between(low: int, high: int) -> int:  # rng.randint, minus most of its overhead
        return low + int(rand() * (high - low + 1))

    user_id = storekeeper.id
    for when, pid, wid, opening in events:
        pair = (pid, wid)
        on_hand = balance.get(pair, 0)
        roll = rand()
        if opening:
            qty, kind, src = between(20, 200), MoveKind.OPENING, "opening"
        elif on_hand < 5 or roll < 0.30:
            qty, kind, src = between(10, 120), MoveKind.PURCHASE_RECEIPT, "purchase_receipt"
        elif roll < 0.88:
            qty, kind, src = -between(1, min(on_hand, 12)), MoveKind.SALES_DELIVERY, "sales_delivery"
        elif roll < 0.93:
            qty, kind, src = between(1, 3), MoveKind.SALES_RETURN, "sales_return"
        elif roll < 0.97:
            qty, kind, src = -between(1, min(on_hand, 2)), MoveKind.STOCKTAKE_LOSS, "stocktake"
        else:
            qty, kind, src = between(1, 2), MoveKind.STOCKTAKE_GAIN, "stocktake"
        balance[pair] = on_hand + qty
        document += 1
        # qty is a whole number of units: ScaledDecimal takes ints (and stores qty * 1000)
        move_rows.append((pid, wid, qty, price[pid], kind, src, None, f"SEED-{document:07d}", None, user_id, when))
    del events
    lap("moves built")
    bulk_insert(StockMove.__table__, ["product_id", "warehouse_id", "qty", "unit_cost", "kind", "source_type",
                                      "source_id", "source_number", "source_line_id", "user_id", "created_at"],
                move_rows)
    lap("moves inserted")
    # updated_at has no server default (the change feeds read it): the levels are as of now
    level_rows = [(pid, wid, qty, 0, now) for (pid, wid), qty in sorted(balance.items())]
    bulk_insert(StockLevel.__table__, ["product_id", "warehouse_id", "on_hand", "reserved", "updated_at"],
                level_rows)
    lap("levels inserted")
    totals.rebuild()  # the ledger's month and year totals, as post_moves would have written them
    lap("totals rebuilt")
    db.session.commit()
    lap("commit")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        lap("analyze")

    # -- what the endpoints rotate over -----------------------------------------------------------------
    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    picker = random.Random(SEED + 1)
    active = [(pid, code) for pid, code, row in zip(product_ids, barcode_codes, product_rows) if row["active"]]
    samples = {
        "counts": {"products": count(Product), "barcodes": count(Barcode), "categories": count(Category),
                   "stock_moves": count(StockMove), "stock_levels": count(StockLevel), "warehouses": count(Warehouse)},
        "timings_s": {**timings, "total": round(time.perf_counter() - started, 2)},
        "warehouses": [{"warehouse_id": wid} for wid in warehouse_ids],
        "barcodes": [{"barcode": code, "product_id": pid}
                     for pid, code in picker.sample(active, min(500, len(active)))],
        "products": [{"product_id": pid, "warehouse_id": picker.choice(warehouse_ids)}
                     for pid, _code in picker.sample(active, min(2000, len(active)))],
    }
    samples_path.write_text(json.dumps(samples, ensure_ascii=False, indent=1))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", type=Path, help="where to write the sample lists (JSON)")
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--moves", type=int, default=200000)
    args = parser.parse_args()
    from wsgi import app
    with app.app_context():
        samples = seed(args.products, args.moves, args.samples)
    counts, timings = samples["counts"], samples["timings_s"]
    print("seeded " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
          + f" in {timings['total']:.1f} s (" + ", ".join(f"{k} {v}" for k, v in timings.items() if k != "total") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
