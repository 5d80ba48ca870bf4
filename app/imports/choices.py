"""The dropdowns kinds share: each pair is what a choice parser accepts ({text: value}) and what the template's list
offers (labels in the user's language). Use them as
`imp.Column("warehouse", ("warehouse", "仓库"), imp.choice(choices.warehouses), choices=choices.warehouse_names)`."""
from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Category, Product
from app.extensions import db
from app.inventory.models import Warehouse
from app.partners.models import PRICE_LEVEL_LABELS, PriceLevel
from app.partners.services import SELLERS

UNITS = ("个", "件", "台", "套", "箱", "盒", "包", "袋", "条", "瓶", "张", "支", "双", "米", "千克")


def warehouses() -> dict:
    """Each active warehouse by name and by code."""
    found = {}
    for warehouse in db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.name)):
        found.setdefault(warehouse.name, warehouse)
        found.setdefault(warehouse.code, warehouse)
    return found


def warehouse_names() -> list[str]:
    return list(db.session.scalars(select(Warehouse.name).where(Warehouse.active).order_by(Warehouse.name)))


def _sellers() -> list[User]:
    return db.session.scalars(select(User).where(User.active, User.role.in_(SELLERS)).order_by(User.username)).all()


def salespeople() -> dict:
    """Each active salesperson's user id by name (as the dropdown shows it) and by username."""
    found = {}
    for user in _sellers():
        found.setdefault(user.display_name or user.username, user.id)
        found.setdefault(user.username, user.id)
    return found


def salesperson_names() -> list[str]:
    return list(dict.fromkeys(user.display_name or user.username for user in _sellers()))


def price_levels() -> dict:
    """Each level by its label in either language, by its code and by the words people use."""
    found = {}
    for level in PriceLevel:
        found[str(PRICE_LEVEL_LABELS[level])] = level
        found[level.value] = level
    return {**found, "零售价": PriceLevel.RETAIL, "批发价": PriceLevel.WHOLESALE, "零售": PriceLevel.RETAIL,
            "批发": PriceLevel.WHOLESALE, "固定折扣": PriceLevel.DISCOUNT, "折扣": PriceLevel.DISCOUNT}


def price_level_names() -> list[str]:
    return [str(PRICE_LEVEL_LABELS[level]) for level in PriceLevel]


def category_names(category: Category | None) -> tuple[str, ...]:
    """The names from the root down to `category` (what a file's category column holds, split)."""
    names = []
    while category is not None:
        names.append(category.name)
        category = category.parent
    return tuple(reversed(names))


def category_paths() -> list[str]:
    """Every category as its path from the top (手机配件/保护壳)."""
    return sorted("/".join(category_names(category)) for category in db.session.scalars(select(Category)))


def unit_names() -> list[str]:
    used = db.session.scalars(select(Product.unit).distinct().limit(200))
    return list(dict.fromkeys([*UNITS, *(unit for unit in used if unit)]))
