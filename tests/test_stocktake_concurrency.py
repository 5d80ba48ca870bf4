"""Many scanners on one count against a real multi-process server (gunicorn), not the test client: every scan
counts exactly once, also when an outbox replays a scan while the first send is still under way, and a product
without stock gets one count line however many scanners find it at once."""
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select

from app.checks import run_all
from app.extensions import db
from app.stocktake import services as stocktakes
from app.stocktake.models import Stocktake, StocktakeLine, StocktakeScan
from tests import factories
from tests.test_concurrency import _post, server  # noqa: F401  (server: the gunicorn fixture)

CASE, CABLE, LOOSE = "6901234567892", "4006381333931", "5901234123457"


def test_scans_sent_at_once_count_once_each(app, server):  # noqa: F811
    owner = factories.user(role="owner")
    _counter, token = factories.user_with_token(role="warehouse")
    warehouse = factories.warehouse()
    case, cable = factories.product(name="手机壳", barcode=CASE), factories.product(name="数据线", barcode=CABLE)
    loose = factories.product(name="挂绳", barcode=LOOSE)  # no stock: its line is made by its first scan
    factories.stock(case, warehouse, 30)
    factories.stock(cable, warehouse, 10)
    count = stocktakes.open_stocktake(owner, warehouse.id)
    db.session.commit()
    url = f"{server}/api/v1/stocktakes/{count.id}/scans"
    scans = [{"scan_id": f"00000000-0000-4000-8000-{n:012d}", "barcode": (CASE, CABLE, LOOSE)[n % 3],
              "qty": str(1 + n % 2)} for n in range(60)]

    def send(scan):
        return scan, _post(url, token, json.dumps(scan).encode())

    with ThreadPoolExecutor(max_workers=16) as pool:  # each scan twice, the copies next to each other
        results = list(pool.map(send, [scan for scan in scans for _copy in (1, 2)]))
    statuses = Counter(status for _scan, status in results)
    assert statuses == {201: 60, 200: 60}, statuses
    db.session.rollback()
    expected = Counter()
    for scan in scans:
        expected[scan["barcode"]] += Decimal(scan["qty"])
    lines = {product_id: (counted, n) for product_id, counted, n in db.session.execute(
        select(StocktakeLine.product_id, StocktakeLine.counted, StocktakeLine.scans)
        .where(StocktakeLine.stocktake_id == count.id))}
    assert lines == {case.id: (expected[CASE], 20), cable.id: (expected[CABLE], 20), loose.id: (expected[LOOSE], 20)}
    assert db.session.scalar(select(func.count()).select_from(StocktakeScan)) == 60
    assert run_all() == []


def test_counts_opened_at_once_one_per_warehouse_and_category(app, server):  # noqa: F811
    """Opens race each other and the moves being posted into the warehouse: exactly one count of the same products
    is opened, the others answer 409, and no move waits forever (a deadlock) or fails."""
    factories.user(role="owner")
    _counter, token = factories.user_with_token(role="warehouse")
    main, shop = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    cases, cables = factories.category("手机壳"), factories.category("数据线")
    case = factories.product(name="手机壳", barcode=CASE, category_id=cases.id)
    factories.stock(case, main, 30)
    opens = [(f"{server}/api/v1/stocktakes", json.dumps({"warehouse_id": main.id}).encode())] * 12
    adjustment = json.dumps({"warehouse_id": main.id, "reason": "入库",
                             "lines": [{"product_id": case.id, "qty": "1"}]}).encode()
    moves = [(f"{server}/api/v1/stock/adjustments", adjustment)] * 12
    shelves = [(f"{server}/api/v1/stocktakes", json.dumps({"warehouse_id": shop.id, "category_id": category.id})
                .encode()) for category in (cases, cables) for _n in range(6)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda request: (request, _post(request[0], token, request[1])),
                                [item for pair in zip(opens, moves, shelves) for item in pair]))
    by_kind = Counter((url.rsplit("/", 1)[1], status) for (url, _body), status in results)
    assert by_kind == {("stocktakes", 201): 3, ("stocktakes", 409): 21, ("adjustments", 201): 12}, by_kind
    db.session.rollback()
    opened = db.session.execute(select(Stocktake.warehouse_id, Stocktake.category_id)).all()
    assert sorted(opened, key=str) == sorted([(main.id, None), (shop.id, cases.id), (shop.id, cables.id)], key=str)
    assert run_all() == []
