"""Stocktake rules: open a count, record scans (each client UUID once), review, recount, post, cancel.

What should be on the shelf when a product was counted (its *book* quantity) is the quantity taken when the
count opened plus every move of that product in that warehouse since, up to its last scan. So goods sold
before they were counted are not missed, and goods sold after they were counted are not lost: counting
during business hours stays right without freezing the warehouse.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.books import posting
from app.audit import services as audit
from app.auth.roles import Role
from app.catalog.models import Barcode, Category, PackUnit, Product
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
from app.limits import parse_decimal, unstorable
from app.numbering import next_number
from app.stocktake.booking import (REVIEW_FILTERS, UNCOUNTED_CHOICES, UNCOUNTED_KEEP, UNCOUNTED_ZERO,  # noqa: F401
                                   Booking, VarianceRow, booking, review, variance)
from app.stocktake.models import ZERO, Stocktake, StocktakeLine, StocktakeScan, StocktakeStatus
from app.catalog import barcodes

MAX_QTY = Decimal("1000000")


@dataclass(frozen=True)
class ScanResult:
    created: bool  # False: this scan_id was seen before and nothing was counted again
    scan_id: str
    product_id: int
    name: str
    unit: str
    qty: Decimal  # base units this scan counted
    counted: Decimal  # the product's count so far, every counter together
    expected: Decimal


# --- opening -----------------------------------------------------------------------------------------------

def open_stocktake(actor, warehouse_id, category_id=None, name: str = "", blind: bool = False) -> Stocktake:
    """Open a count of a warehouse (or one category of it, subcategories included), taking what the books say
    is on hand right now as the expected quantities."""
    warehouse = db.session.get(Warehouse, _int(warehouse_id)) if warehouse_id not in (None, "") else None
    if warehouse is None or not warehouse.active:
        raise BusinessRuleError(_("Choose a warehouse."), "warehouse_id")
    category = None
    if category_id not in (None, "", 0):
        category = db.session.get(Category, _int(category_id))
        if category is None:
            raise BusinessRuleError(_("Choose a category."), "category_id")
    name = (name or "").strip()
    if len(name) > 100:
        raise BusinessRuleError(_("Keep the name under 100 characters."), "name")
    _refuse_overlap(warehouse, category)
    if db.engine.dialect.name == "postgresql":
        # Moves being posted right now must either be in the snapshot or after it, never neither: SHARE mode
        # waits for the writers under way and holds new ones back for the few milliseconds this takes.
        db.session.execute(text("LOCK TABLE stock_move IN SHARE MODE"))
    stocktake = Stocktake(number=next_number("ST"), name=name, warehouse_id=warehouse.id,
                          category_id=category.id if category else None, blind=bool(blind),
                          opened_by_id=actor.id, opened_at=utcnow(),
                          snapshot_move_id=db.session.scalar(select(func.coalesce(func.max(StockMove.id), 0))))
    db.session.add(stocktake)
    db.session.flush()
    levels = (select(StockLevel.product_id, StockLevel.on_hand).join(Product, Product.id == StockLevel.product_id)
              .where(StockLevel.warehouse_id == warehouse.id, StockLevel.on_hand != 0))
    if category is not None:
        levels = levels.where(Product.category_id.in_(_subtree(category.id)))
    rows = [{"stocktake_id": stocktake.id, "product_id": product_id, "expected": on_hand, "counted": ZERO,
             "scans": 0, "recount": False} for product_id, on_hand in db.session.execute(levels)]
    if rows:
        db.session.execute(StocktakeLine.__table__.insert(), rows)
    audit.record(actor, "stocktake.open", stocktake, {"warehouse": (None, warehouse.code),
                                                      "lines": (None, len(rows))})
    return stocktake


def _refuse_overlap(warehouse: Warehouse, category: Category | None) -> None:
    """At most one open count of any product: a warehouse's open counts must not overlap (a whole-warehouse count
    overlaps every count of that warehouse, a category count its subcategories' and its ancestors').

    Opens of one warehouse queue on its row, so two at once cannot both find the other missing: PostgreSQL
    SELECT ... FOR NO KEY UPDATE (not FOR UPDATE, which would also wait for every move being posted into the
    warehouse, whose foreign keys hold KEY SHARE on the row); on SQLite the write transaction already holds the
    database's write lock (app/database.py).
    """
    db.session.execute(select(Warehouse.id).where(Warehouse.id == warehouse.id).with_for_update(key_share=True))
    under_way = db.session.scalars(select(Stocktake).where(Stocktake.warehouse_id == warehouse.id,
                                                           Stocktake.status == StocktakeStatus.OPEN)
                                   .order_by(Stocktake.id)).all()
    mine = set(db.session.scalars(_subtree(category.id))) if category is not None else None
    for other in under_way:
        if mine is None or other.category_id is None or other.category_id in mine \
                or category.id in set(db.session.scalars(_subtree(other.category_id))):
            raise InvalidState(_("%(warehouse)s already has a count under way that takes in these products: "
                                 "%(count)s. Post or cancel it before opening another.", warehouse=warehouse.name,
                                 count=f"{other.number} {other.name}".strip()), "warehouse_id")


def _subtree(category_id: int):
    """The category and every category under it."""
    tree = select(Category.id).where(Category.id == category_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id))
    return select(tree.c.id)


# --- scanning ----------------------------------------------------------------------------------------------

def record_scan(actor, stocktake_id: int, scan_id, barcode, qty=None, counted_at=None) -> ScanResult:
    """Count one scan: `qty` (default 1) of the scanned unit, a pack's barcode counting its units.

    The same `scan_id` again counts nothing and answers what the first one counted. An unknown barcode, a
    product outside the count's category or a closed count is refused and nothing is counted.
    """
    scan_id = str(scan_id or "").strip()
    if not 8 <= len(scan_id) <= 64 or unstorable(scan_id):
        raise BusinessRuleError(_("Each scan needs its own id (a UUID)."), "scan_id")
    code = barcodes.normalise(barcode if isinstance(barcode, str) else "")
    # The usual scan is new: the count, the barcode's product and its count line in one query, and no look for
    # the scan_id first (the INSERT's ON CONFLICT finds a replay); a refused barcode still answers a replay as seen.
    head = _open_head(stocktake_id, code)
    if head.product_id is None:
        return _seen_or_refuse(head, scan_id, _("Unknown barcode %(code)s: nothing was counted.", code=code[:64]),
                               "not-found")
    units = _quantity(qty) * Decimal(head.ratio or 1)
    if head.category_id is not None and not _in_category(head.product_category_id, head.category_id):
        return _seen_or_refuse(head, scan_id, _("%(name)s is not part of this count: nothing was counted.",
                                                name=head.name), None)
    line_id = head.line_id or _line_for(head, head.product_id)
    when = _when(counted_at, head.opened_at)
    inserted = _run(_INSERT_SCAN, {
        "stocktake_id": head.id, "scan_id": scan_id, "line_id": line_id, "barcode": code[:64], "qty": units,
        "counted_at": when, "user_id": getattr(actor, "id", None), "created_at": utcnow()}).rowcount
    if not inserted:  # seen before (a replay), maybe from another connection an instant earlier
        seen = _run(_SEEN, {"stocktake_id": head.id, "scan_id": scan_id}).first()
        return _result(False, scan_id, seen.line_id, seen.qty)
    line = _run(_COUNT, {"line_id": line_id, "units": units, "moment": when}).one()
    return ScanResult(True, scan_id, head.product_id, head.name, head.unit, units, line.counted, line.expected)


def _seen_or_refuse(head, scan_id: str, message, problem) -> ScanResult:
    """A scan counted before answers as seen, even if its barcode would be refused now; any other is refused."""
    seen = _run(_SEEN, {"stocktake_id": head.id, "scan_id": scan_id}).first()
    if seen is None:
        raise BusinessRuleError(message, "barcode", problem=problem)
    return _result(False, scan_id, seen.line_id, seen.qty)


def record_scans(actor, stocktake_id: int, scans: list[dict]) -> list[dict]:
    """Replay a batch of scans in order (an offline phone's outbox): each answers on its own, and scans seen
    before are skipped. A closed count refuses the whole batch."""
    _open_head(stocktake_id)
    results = []
    for scan in scans:
        try:
            result = record_scan(actor, stocktake_id, scan.get("scan_id"), scan.get("barcode"), scan.get("qty"),
                                 scan.get("counted_at"))
        except InvalidState:
            raise
        except BusinessRuleError as error:
            results.append({"scan_id": scan.get("scan_id"), "status": error.status, "problem": error.problem,
                            "message": str(error.message)})
        else:
            results.append({"scan_id": result.scan_id, "status": 201 if result.created else 200,
                            "product_id": result.product_id, "qty": result.qty, "counted": result.counted})
    return results


def undo_scan(actor, stocktake: Stocktake, scan_id: str) -> StocktakeScan:
    """Take a scan back out of the count (a wrong item, a double beep)."""
    _open_head(stocktake.id)
    scan = db.session.scalar(select(StocktakeScan).where(StocktakeScan.stocktake_id == stocktake.id,
                                                         StocktakeScan.scan_id == str(scan_id)))
    if scan is None:
        raise BusinessRuleError(_("That scan is not on this count."), "scan_id", problem="not-found")
    if scan.user_id != actor.id and actor.role != Role.OWNER:
        raise BusinessRuleError(_("Only the person who scanned it can undo a scan."), "scan_id")
    if scan.voided_at is None:
        scan.voided_at = utcnow()
        db.session.execute(update(StocktakeLine).where(StocktakeLine.id == scan.line_id).values(
            counted=StocktakeLine.counted - scan.qty, scans=StocktakeLine.scans - 1))
        audit.record(actor, "stocktake.undo_scan", stocktake, {"scan": (scan.scan_id, None)})
    return scan


def request_recount(actor, stocktake: Stocktake, product_ids) -> int:
    """Clear the counts of these products so they are counted again; their scans stay on record, voided."""
    stocktake = lock(stocktake)
    ids = sorted({_int(p) for p in product_ids or [] if str(p).strip()})
    if not ids:
        raise BusinessRuleError(_("Choose the products to count again."), "product_ids")
    lines = db.session.scalars(select(StocktakeLine).where(StocktakeLine.stocktake_id == stocktake.id,
                                                           StocktakeLine.product_id.in_(ids))).all()
    now = utcnow()
    db.session.execute(update(StocktakeScan).where(StocktakeScan.line_id.in_([line.id for line in lines]),
                                                   StocktakeScan.voided_at.is_(None)).values(voided_at=now))
    for line in lines:
        line.counted, line.scans, line.last_counted_at, line.recount = ZERO, 0, None, True
    audit.record(actor, "stocktake.recount", stocktake, {"products": (None, len(lines))})
    return len(lines)


# --- review and posting ------------------------------------------------------------------------------------

class BookingChanged(InvalidState):
    """Posting would book other moves than the review showed: a scan, an undo or a stock move came in between."""


def post_stocktake(actor, stocktake: Stocktake, uncounted: str = UNCOUNTED_KEEP, shown: str | None = None) -> Stocktake:
    """Post the booking (see booking.py) as 盘盈/盘亏 moves through the ledger and close the count.

    `uncounted`: "keep" (the default) leaves the stock of a product nobody counted as it is (a partial count),
    "zero" treats it as not there (a full count). `shown`: the digest of the booking the poster was shown; if
    posting would now book anything else, nothing is posted (BookingChanged).
    """
    if uncounted not in UNCOUNTED_CHOICES:
        raise BusinessRuleError(_("Choose what to do with products nobody counted."), "uncounted")
    stocktake = lock(stocktake)
    if not stocktake.is_open:
        raise InvalidState(_("Stocktake %(number)s is %(status)s; it cannot be posted.", number=stocktake.number,
                             status=stocktake.status.label))
    booked = booking(stocktake, uncounted)
    if shown is not None and shown != booked.digest:
        raise _changed()
    lines = {line.id: line for line in stocktake.lines}
    moves = []
    for row in booked.rows:
        line = lines[row.line_id]
        line.book, line.difference, line.unit_cost = row.book, row.qty, row.unit_cost
        if row.qty:
            kind = MoveKind.STOCKTAKE_GAIN if row.qty > 0 else MoveKind.STOCKTAKE_LOSS
            moves.append(Move(row.product_id, stocktake.warehouse_id, row.qty, kind, line_id=line.id))
    stocktake.status, stocktake.posted_at, stocktake.posted_by_id = StocktakeStatus.POSTED, utcnow(), actor.id
    posted = []
    if moves:
        costs = {row.line_id: row.unit_cost for row in booked.moves}
        posted = post_moves(actor, Source("stocktake", stocktake.id, stocktake.number), moves)
        # The ledger prices each move at the product's average when it locks the product; a receipt committed
        # since the booking was read would make that another figure than the one shown and checked.
        if any(move.unit_cost != costs[move.source_line_id] for move in posted):
            raise _changed()
    audit.record(actor, "stocktake.post", stocktake, {
        "status": (StocktakeStatus.OPEN, StocktakeStatus.POSTED), "uncounted": (None, uncounted),
        "moves": (None, len(moves)),
        "lines": (None, audit.listed((move.product.sku, move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "stocktake", stocktake, moves=posted)
    return stocktake


def _changed() -> BookingChanged:
    return BookingChanged(_("The figures changed while you were reviewing them (a scan or a stock move came in): "
                            "nothing was posted. Check them again, then post."), "booking")


def cancel_stocktake(actor, stocktake: Stocktake) -> Stocktake:
    stocktake = lock(stocktake)
    if not stocktake.is_open:
        raise InvalidState(_("Stocktake %(number)s is %(status)s; it cannot be cancelled.",
                             number=stocktake.number, status=stocktake.status.label))
    stocktake.status = StocktakeStatus.CANCELLED
    audit.record(actor, "stocktake.cancel", stocktake, {"status": (StocktakeStatus.OPEN, StocktakeStatus.CANCELLED)})
    return stocktake


def lock(stocktake: Stocktake) -> Stocktake:
    """The count, locked against scans landing while it changes state (scans hold it in share mode)."""
    db.session.flush()
    return db.session.scalars(select(Stocktake).where(Stocktake.id == stocktake.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def counted_lines(stocktake: Stocktake, limit: int = 200) -> list[dict]:
    """What has been counted so far, the latest counted first (the counting screen's list)."""
    rows = db.session.execute(
        select(StocktakeLine.product_id, Product.sku, Product.name, Product.unit, StocktakeLine.counted,
               StocktakeLine.expected, StocktakeLine.scans, StocktakeLine.recount, StocktakeLine.last_counted_at)
        .join(Product, Product.id == StocktakeLine.product_id)
        .where(StocktakeLine.stocktake_id == stocktake.id, (StocktakeLine.scans > 0) | StocktakeLine.recount)
        .order_by(StocktakeLine.recount.desc(), StocktakeLine.last_counted_at.desc().nulls_last(),
                  Product.name).limit(limit))
    return [dict(row._mapping) for row in rows]


def progress(stocktake: Stocktake) -> dict:
    """Lines, lines counted and lines to count again."""
    row = db.session.execute(select(func.count(), func.count().filter(StocktakeLine.scans > 0),
                                    func.count().filter(StocktakeLine.recount))
                             .where(StocktakeLine.stocktake_id == stocktake.id)).one()
    return {"lines": row[0], "counted": row[1], "recount": row[2]}


def recent_scans(stocktake: Stocktake, actor, limit: int = 10) -> list[dict]:
    """This counter's last scans (for undo after a reload)."""
    rows = db.session.execute(
        select(StocktakeScan.scan_id, StocktakeScan.barcode, StocktakeScan.qty, StocktakeScan.voided_at,
               Product.name, Product.unit)
        .join(StocktakeLine, StocktakeLine.id == StocktakeScan.line_id)
        .join(Product, Product.id == StocktakeLine.product_id)
        .where(StocktakeScan.stocktake_id == stocktake.id, StocktakeScan.user_id == actor.id)
        .order_by(StocktakeScan.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


# --- the parts of a scan -----------------------------------------------------------------------------------

def _open_head(stocktake_id, code: str = ""):
    """The count's few columns a scan needs and what the barcode `code` names (its product, pack ratio and the
    count's line; None if nothing); refuses a count that is not open. On PostgreSQL the count's row is held in
    share mode, so posting waits for scans under way and scans after it see it closed."""
    query = _HEAD_SHARED if db.engine.dialect.name == "postgresql" else _HEAD
    head = _run(query, {"stocktake_id": _int(stocktake_id), "code": code}).first()
    if head is None:
        raise BusinessRuleError(_("No such stocktake."), problem="not-found")
    if head.status != StocktakeStatus.OPEN:
        raise InvalidState(_("Stocktake %(number)s is %(status)s: it takes no more scans.", number=head.number,
                             status=StocktakeStatus(head.status).label))
    return head


def _result(created: bool, scan_id: str, line_id: int, qty: Decimal) -> ScanResult:
    line = _run(_RESULT, {"line_id": line_id}).one()
    return ScanResult(created, scan_id, line.product_id, line.name, line.unit, qty, line.counted, line.expected)


def _line_for(head, product_id: int) -> int:
    """The count's line for a product, made on its first scan if the product had no stock when the count opened:
    expected is then what the books said at opening (now, less the moves since)."""
    params = {"stocktake_id": head.id, "product_id": product_id}
    line_id = _run(_LINE, params).scalar()
    if line_id is not None:
        return line_id
    on_hand = db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == product_id,
                                                                 StockLevel.warehouse_id == head.warehouse_id)) or ZERO
    since = db.session.scalar(select(func.coalesce(func.sum(StockMove.qty), 0)).where(
        StockMove.product_id == product_id, StockMove.warehouse_id == head.warehouse_id,
        StockMove.id > head.snapshot_move_id)) or 0
    db.session.execute(_insert(StocktakeLine).values(
        stocktake_id=head.id, product_id=product_id, expected=on_hand - Decimal(since), counted=ZERO, scans=0,
        recount=False).on_conflict_do_nothing(index_elements=["stocktake_id", "product_id"]))
    return _run(_LINE, params).scalar()


# A scan is the hottest write there is (32 phones at once): its statements are Core statements on the table
# columns, built once and run on the session's connection, which skips the ORM's per-statement work. The INSERT is
# text because SQLAlchemy does not cache the dialects' INSERT ... ON CONFLICT; the text is the same on both engines.
_SCAN, _LINE_T, _ST = StocktakeScan.__table__.c, StocktakeLine.__table__.c, Stocktake.__table__.c
_BARCODE_T, _PACK_T, _PRODUCT_T = Barcode.__table__.c, PackUnit.__table__.c, Product.__table__.c
_INSERT_SCAN = text(
    "INSERT INTO stocktake_scan (stocktake_id, scan_id, line_id, barcode, qty, counted_at, user_id, created_at)"
    " VALUES (:stocktake_id, :scan_id, :line_id, :barcode, :qty, :counted_at, :user_id, :created_at)"
    " ON CONFLICT (stocktake_id, scan_id) DO NOTHING").bindparams(
    bindparam("qty", type_=_SCAN.qty.type), bindparam("counted_at", type_=_SCAN.counted_at.type),
    bindparam("created_at", type_=_SCAN.created_at.type))
_MOMENT = bindparam("moment", type_=_LINE_T.last_counted_at.type)
_COUNT = (update(StocktakeLine.__table__).where(_LINE_T.id == bindparam("line_id")).values(
    counted=_LINE_T.counted + bindparam("units", type_=_LINE_T.counted.type), scans=_LINE_T.scans + 1,
    recount=False, last_counted_at=case((or_(_LINE_T.last_counted_at.is_(None), _LINE_T.last_counted_at < _MOMENT),
                                         _MOMENT), else_=_LINE_T.last_counted_at))
    .returning(_LINE_T.counted, _LINE_T.expected))
_SEEN = select(_SCAN.line_id, _SCAN.qty).where(_SCAN.stocktake_id == bindparam("stocktake_id"),
                                               _SCAN.scan_id == bindparam("scan_id"))
_RESULT = (select(_LINE_T.product_id, _LINE_T.counted, _LINE_T.expected, _PRODUCT_T.name, _PRODUCT_T.unit)
           .join_from(StocktakeLine.__table__, Product.__table__, _PRODUCT_T.id == _LINE_T.product_id)
           .where(_LINE_T.id == bindparam("line_id")))
_LINE = select(_LINE_T.id).where(_LINE_T.stocktake_id == bindparam("stocktake_id"),
                                 _LINE_T.product_id == bindparam("product_id"))
# The count, and (outer joined, so an unknown barcode still finds the count) the scanned barcode's product, pack
# and line on this count. A barcode always has its product, so the product can be joined to the barcode's row.
_HEAD = (select(_ST.id, _ST.status, _ST.number, _ST.warehouse_id, _ST.category_id, _ST.opened_at,
                _ST.snapshot_move_id, _BARCODE_T.product_id, _PACK_T.ratio,
                _PRODUCT_T.category_id.label("product_category_id"), _PRODUCT_T.name, _PRODUCT_T.unit,
                _LINE_T.id.label("line_id"))
         .select_from(Stocktake.__table__)
         .outerjoin(Barcode.__table__, _BARCODE_T.code == bindparam("code"))
         .outerjoin(Product.__table__, _PRODUCT_T.id == _BARCODE_T.product_id)
         .outerjoin(PackUnit.__table__, _PACK_T.id == _BARCODE_T.pack_unit_id)
         .outerjoin(StocktakeLine.__table__, (_LINE_T.product_id == _BARCODE_T.product_id)
                    & (_LINE_T.stocktake_id == _ST.id))
         .where(_ST.id == bindparam("stocktake_id")))
_HEAD_SHARED = _HEAD.with_for_update(read=True, of=Stocktake.__table__)


def _run(statement, params: dict):
    return db.session.connection().execute(statement, params)


def _in_category(product_category_id, category_id: int) -> bool:
    if product_category_id is None:
        return False
    return db.session.scalar(select(func.count()).where(Category.id == product_category_id,
                                                        Category.id.in_(_subtree(category_id)))) > 0


def _insert(model):
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


def _quantity(qty) -> Decimal:
    if qty in (None, ""):
        return Decimal(1)
    try:
        value = parse_decimal(qty)  # plain digits only: Decimal() alone takes 1_000, ١٢ and NaN
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Enter a quantity, like 1 or 12."), "qty") from None
    if value <= 0 or value >= MAX_QTY or value != value.quantize(Decimal("0.001")):
        raise BusinessRuleError(_("Enter a quantity above 0 with at most 3 decimals."), "qty")
    return value


def _when(counted_at, opened_at: datetime) -> datetime:
    """When the item was counted: the phone's time for a scan made offline, kept between opening and now."""
    now = utcnow()
    if counted_at in (None, ""):
        return now
    if isinstance(counted_at, datetime):
        moment = counted_at
    else:
        try:
            moment = datetime.fromisoformat(str(counted_at).strip().replace("Z", "+00:00"))
        except ValueError:
            raise BusinessRuleError(_("counted_at must be a date and time (ISO 8601)."), "counted_at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    opened = opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=timezone.utc)
    return min(max(moment, opened), now)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Choose from the list."), None) from None

