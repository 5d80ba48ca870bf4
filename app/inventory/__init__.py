"""Warehouses, the append-only stock ledger, stock levels, adjustments and transfers."""
