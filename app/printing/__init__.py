"""Printing on the spot: narrow slips for thermal printers (ESC/POS over Bluetooth, or the system print dialog)."""
