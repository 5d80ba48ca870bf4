"""Ledger invariants for `flask check`."""
from sqlalchemy import and_, exists, func, select

from app.checks import invariant
from app.extensions import db
from app.inventory import totals
from app.inventory.models import StockLevel, StockMove
from app.settings.services import company


def _ledger_sums():
    return (select(StockMove.product_id, StockMove.warehouse_id, func.sum(StockMove.qty).label("total"))
            .group_by(StockMove.product_id, StockMove.warehouse_id).subquery())


@invariant
def levels_match_the_ledger():
    """Every stock level equals the sum of its moves"""
    sums = _ledger_sums()
    rows = db.session.execute(
        select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand, sums.c.total)
        .outerjoin(sums, and_(sums.c.product_id == StockLevel.product_id, sums.c.warehouse_id == StockLevel.warehouse_id))
    ).all()
    breaches = [f"product {p} warehouse {w}: on hand {on_hand}, moves {total or 0}"
                for p, w, on_hand, total in rows if on_hand != (total or 0)]
    orphans = db.session.execute(select(sums.c.product_id, sums.c.warehouse_id).where(~exists().where(
        StockLevel.product_id == sums.c.product_id, StockLevel.warehouse_id == sums.c.warehouse_id))).all()
    return breaches + [f"product {p} warehouse {w}: moves without a stock level" for p, w in orphans]


@invariant
def stock_is_not_negative_unless_allowed():
    """No stock level is below zero while negative stock is off"""
    if company().allow_negative_stock:
        return []
    rows = db.session.execute(select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand)
                              .where(StockLevel.on_hand < 0)).all()
    return [f"product {p} warehouse {w}: on hand {q}" for p, w, q in rows]


@invariant
def totals_match_the_ledger():
    """The ledger's month and year totals equal its moves summed afresh"""
    return totals.mismatches()
