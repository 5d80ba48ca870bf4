"""Stocktake (盘点): counting a warehouse by scanning, reviewing the differences and posting them."""
