"""Plain functions that make test data with overridable defaults."""
import itertools

from app.auth import services as auth
from app.extensions import db

PASSWORD = "correct horse"
_numbers = itertools.count(1)


def user(role="owner", username=None, password=PASSWORD, **fields):
    made = auth.create_user(None, username or f"{role}{next(_numbers)}", role, password,
                            fields.pop("display_name", ""))
    for name, value in fields.items():
        setattr(made, name, value)
    db.session.commit()
    return made


def user_with_token(role="owner", **fields):
    made = user(role=role, **fields)
    _token, secret = auth.create_token(made, "tests")
    db.session.commit()
    return made, secret


def warehouse(code=None, name=None, **fields):
    from app.inventory import services as inventory
    number = next(_numbers)
    made = inventory.create_warehouse(None, code or f"WH{number}", name or f"仓库{number}", **fields)
    db.session.commit()
    return made


def product(sku=None, name="苹果手机壳", barcode=None, **fields):
    from app.catalog import services as catalog
    number = next(_numbers)
    values = {"sku": sku or f"SKU{number:05d}", "name": name, "sale_price": "25.00", "purchase_price": "10.00",
              **fields}
    made = catalog.create_product(None, values, barcode=barcode)
    db.session.commit()
    return made


def stock(product, warehouse, qty, unit_cost="10.00"):
    """Opening stock through the ledger, as an import would post it."""
    from decimal import Decimal

    from app.inventory.ledger import Move, Source, post_moves
    from app.inventory.models import MoveKind
    from app.books import chart, posting
    from app.books.models import VoucherLine
    from app.db_types import business_today
    [move] = post_moves(None, Source("opening", None, "OPENING"),
                        [Move(product.id, warehouse.id, Decimal(str(qty)), MoveKind.OPENING,
                              unit_cost=Decimal(unit_cost))])
    # Stock from before the books began: finance books its value by hand, so the books still equal the ledger.
    if move.value:
        roles = chart.by_role()
        stock_side, equity_side = ("debit", "credit") if move.value > 0 else ("credit", "debit")
        posting.post_manual(None, business_today(), "期初库存", [
            VoucherLine(account_id=roles["stock"].id, **{stock_side: abs(move.value), equity_side: Decimal("0")}),
            VoucherLine(account_id=roles["opening_equity"].id, **{equity_side: abs(move.value),
                                                                  stock_side: Decimal("0")})])
    db.session.commit()


def category(name="手机配件", parent=None):
    from app.catalog import services as catalog
    made = catalog.create_category(None, name, parent.id if parent is not None else None)
    db.session.commit()
    return made


def customer(name=None, salesperson=None, **fields):
    from app.partners import services as partners
    values = {"name": name or f"客户{next(_numbers)}", "salesperson_id": salesperson.id if salesperson else None,
              **fields}
    made = partners.create_customer(salesperson or _system_owner(), values)
    db.session.commit()
    return made


def order(customer, lines, actor=None, warehouse=None, confirm=False):
    """A sales order for `customer`; `lines` are (product, qty) or (product, qty, unit_price)."""
    from app.sales import services as sales
    actor = actor or customer.salesperson or _system_owner()
    made = sales.create_order(actor, customer, warehouse.id if warehouse else None,
                              [sales.LineInput(p.id, q, *rest) for p, q, *rest in lines])
    if confirm:
        sales.confirm_order(actor, made)
    db.session.commit()
    return made


def _system_owner():
    from sqlalchemy import select

    from app.auth.models import User
    return db.session.scalar(select(User).where(User.role == "owner").order_by(User.id)) or user("owner")


def supplier(name=None, **fields):
    from app.partners import suppliers
    made = suppliers.create_supplier(_system_owner(), {"name": name or f"供应商{next(_numbers)}", **fields})
    db.session.commit()
    return made


def purchase_order(supplier, lines, warehouse=None, confirm=False):
    """A purchase order from `supplier`; `lines` are (product, qty) or (product, qty, unit_price)."""
    from app.purchasing import services as purchasing
    actor = _system_owner()
    made = purchasing.create_order(actor, supplier, warehouse.id if warehouse else None,
                                   [purchasing.LineInput(p.id, q, *rest) for p, q, *rest in lines])
    if confirm:
        purchasing.confirm_order(actor, made)
    db.session.commit()
    return made


def api_world(owner, salesperson=None, tag="") -> dict:
    """A small business an API fuzzer can work in: stock to sell, orders at every step, an open count.

    Confirmed orders with stock behind them let deliveries, receipts and invoices succeed, so generated
    requests reach real objects and real state changes rather than only 404s and refusals.
    """
    from app.lines import QtyInput
    from app.purchasing import receiving
    from app.sales import fulfilment
    from app.stocktake import services as stocktakes
    home = warehouse(code=f"MAIN{tag}", name=f"主仓{tag}", is_default=not tag)
    second = warehouse(code=f"EAST{tag}", name=f"东仓{tag}")
    codes = ("6901234567892", "6901234567885", "6901234567878") if not tag else (None, None, None)
    goods = [product(name=name, barcode=code) for name, code in zip(("苹果手机壳", "数据线", "充电头"), codes)]
    for item in goods:
        stock(item, home, 500)
    buyer = customer(name=f"华强电子{tag}", salesperson=salesperson, credit_limit=None)
    own = customer(name=f"远方贸易{tag}")
    # Oldest first: lists show the newest first, so a listed order's links lead to one open to deliver or receive.
    delivered = order(own, [(goods[1], 4)], warehouse=home, confirm=True)
    fulfilment.deliver(owner, delivered, [QtyInput(line.id, line.qty) for line in delivered.lines])
    fulfilment.invoice_order(owner, delivered)
    draft = order(buyer, [(goods[0], 2), (goods[1], 1)], warehouse=home)
    confirmed = order(buyer, [(goods[0], 5), (goods[2], 3)], warehouse=home, confirm=True)
    maker = supplier(name=f"深圳配件厂{tag}")
    purchase_order(maker, [(goods[0], 20)], warehouse=home)
    received = purchase_order(maker, [(goods[1], 30), (goods[2], 10)], warehouse=home, confirm=True)
    receiving.receive(owner, received, [QtyInput(received.lines[0].id, 10)])
    stocktakes.open_stocktake(owner, second.id, name=f"东仓盘点{tag}")
    db.session.commit()
    return {"warehouses": [home, second], "products": goods, "customers": [buyer, own], "supplier": maker,
            "orders": [draft, confirmed, delivered], "purchase_order": received}


def xlsx(headers, rows) -> bytes:
    """A one-sheet workbook: the header row, then `rows`, as a person saves it from Excel."""
    import io

    import openpyxl
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
