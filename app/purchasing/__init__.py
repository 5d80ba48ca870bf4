"""Purchasing: orders to suppliers, receiving, purchase invoices, returns and reorder suggestions."""
