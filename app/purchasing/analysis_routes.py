"""Supplier performance and purchase price trends (采购分析): read-only figures for buyers and finance."""

from flask import request

from app.auth.roles import SUPPLIER_READERS, allow
from app.formatting import date_, money
from app.limits import optional_date
from app.purchasing import analysis
from app.purchasing.routes import bp
from app.web import render


@bp.context_processor
def _performance():
    # The supplier page includes its performance fragment; the figures are queried only when it is drawn.
    return {"supplier_performance": analysis.supplier_performance}


@bp.route("/purchase-orders/analysis", endpoint="analysis")
@allow(SUPPLIER_READERS)
def analysis_page():
    """Each supplier's on-time, lead-time, fill and return figures and spend; one product's price trend."""
    args = request.args
    period = analysis.period(args.get("start", type=optional_date), args.get("end", type=optional_date))
    product_id = args.get("product_id", type=int)
    trend = analysis.price_trend(product_id, period) if product_id else {}
    rows = analysis.performance(period)
    return render("purchasing/analysis/index.html", period=period, rows=rows,
                  spend_bars=[(row.name, row.spend, money(row.spend)) for row in rows if row.spend],
                  products=analysis.traded_products(period), product_id=product_id,
                  trend=analysis.chart_series(trend), x_labels=(date_(period.start, "short"), date_(period.end, "short")))
