"""Stocktake invariants for `flask check`: each line's count is its scans, and a posted count's moves are its
differences."""
from sqlalchemy import func, select

from app.checks import invariant
from app.extensions import db
from app.inventory.models import StockMove
from app.stocktake.models import StocktakeLine, StocktakeScan


@invariant
def stocktake_lines_match_their_scans():
    """Stocktake lines' counted quantities and scan counts equal their scans that are not undone"""
    scans = {line_id: (total, count) for line_id, total, count in db.session.execute(
        select(StocktakeScan.line_id, func.sum(StocktakeScan.qty), func.count())
        .where(StocktakeScan.voided_at.is_(None)).group_by(StocktakeScan.line_id))}
    breaches = []
    for line_id, counted, kept in db.session.execute(select(StocktakeLine.id, StocktakeLine.counted,
                                                            StocktakeLine.scans)):
        total, count = scans.get(line_id, (0, 0))
        if counted != (total or 0) or kept != count:
            breaches.append(f"stocktake line {line_id}: counted {counted} in {kept} scans, scans say {total} in {count}")
    return breaches


@invariant
def posted_stocktakes_moved_their_differences():
    """Each posted stocktake line with a difference has exactly that move in the ledger"""
    moved = dict(db.session.execute(select(StockMove.source_line_id, func.sum(StockMove.qty))
                                    .where(StockMove.source_type == "stocktake").group_by(StockMove.source_line_id)).all())
    breaches = []
    for line_id, difference in db.session.execute(select(StocktakeLine.id, StocktakeLine.difference)
                                                  .where(StocktakeLine.difference.is_not(None))):
        if (moved.get(line_id) or 0) != difference:
            breaches.append(f"stocktake line {line_id}: difference {difference}, moved {moved.get(line_id) or 0}")
    return breaches
