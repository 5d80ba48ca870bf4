"""The books' statements: 利润表, 资产负债表, 科目余额表, 总账, 明细账 and the owner's cash view."""
from app.books.routes import bp  # noqa: F401
