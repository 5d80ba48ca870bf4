"""Vouchers out to the bookkeeper: 金蝶 and 用友 voucher imports (.xlsx) and beancount."""
from app.books.routes import bp  # noqa: F401
