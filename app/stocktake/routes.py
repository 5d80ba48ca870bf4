"""Stocktake screens."""
