"""Barcode labels, Excel/CSV import and export."""
from app.catalog import bp  # noqa: F401
