"""A demo company so a new user can try everything at once. Each area adds its part here."""
from decimal import Decimal

from app.auth import services as auth
from app.settings.services import update_company

DEMO_PASSWORD = "demo1234"

DEMO_USERS = (
    ("boss", "owner", "王建国"),
    ("sales1", "sales", "李晓红"),
    ("sales2", "sales", "张伟"),
    ("warehouse", "warehouse", "刘强"),
    ("buyer", "purchasing", "陈静"),
    ("finance", "finance", "赵敏"),
)


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo company; returns (username, role, password) for each login."""
    owner = None
    for username, role, name in DEMO_USERS:
        user = auth.create_user(owner, username, role, DEMO_PASSWORD, name)
        owner = owner or user
    update_company(owner, {
        "name": "上海鼎盛商贸有限公司", "address": "上海市闵行区七莘路 1888 号 3 楼",
        "phone": "021-6488 1234", "tax_number": "91310112MA1GB3XK7P", "currency": "CNY",
        "default_tax_rate": Decimal("13.00"), "allow_negative_stock": False,
    })
    return [(username, role, DEMO_PASSWORD) for username, role, _name in DEMO_USERS]
