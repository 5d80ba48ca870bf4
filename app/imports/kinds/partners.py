"""Customers and suppliers, found again by code (C0001 / S0001), or by name when the code is left empty."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.roles import SUPPLIER_WRITERS, Role
from app.extensions import db
from app.imports import choices
from app.imports import framework as imp
from app.limits import AMOUNT, PERCENT
from app.partners import services as customers
from app.partners import suppliers
from app.partners.models import Customer, Supplier


def _contact_columns() -> tuple[imp.Column, ...]:
    return (
        imp.Column("contact", ("contact", "联系人"), imp.text(100), example="李先生", help=_l("The person you deal with.")),
        imp.Column("phone", ("phone", "电话", "座机"), imp.text(50), example="020-5555 6666", as_text=True,
                   help=_l("Office phone.")),
        imp.Column("mobile", ("mobile", "手机", "手机号"), imp.text(50), example="13800138000", as_text=True,
                   help=_l("Mobile phone.")),
        imp.Column("email", ("email", "邮箱", "电子邮件"), _email, help=_l("An email address such as li@example.com.")),
        imp.Column("address", ("address", "地址"), imp.text(300), example="广州市天河区天河路 100 号", width=28,
                   help=_l("Address for deliveries and documents.")),
        imp.Column("tax_number", ("tax_number", "税号", "纳税人识别号"), imp.text(50), as_text=True,
                   help=_l("Tax number (统一社会信用代码) for invoices.")),
        imp.Column("bank_name", ("bank_name", "开户行", "开户银行"), imp.text(100), help=_l("Bank.")),
        imp.Column("bank_account", ("bank_account", "银行账号", "账号"), imp.text(50), as_text=True,
                   help=_l("Bank account number.")),
    )


def _email(value: str) -> str:
    if len(value) > 200 or not customers.EMAIL.match(value):
        raise ValueError(_("“%(text)s” is not an email address. Expected one such as li@example.com.", text=value))
    return value


class PartnerKind(imp.Kind):
    """What customers and suppliers share: a code key, falling back to the name, and create/update services."""

    key = "code"
    model = None
    noun = ""

    def find(self, keys):
        model = self.model
        return {record.code.lower(): record for record in db.session.scalars(
            select(model).where(func.lower(model.code).in_(keys)))}

    def check(self, preview, options):
        """A row without a code updates the record of its name; names stay unique within the file and the book."""
        model = self.model
        first: dict[str, int] = {}
        for row in preview.rows:
            name = row.values.get("name", "").lower()
            if name and name in first:
                row.problem("name", _("%(value)s also appears in row %(row)s. Expected each name once per file.",
                                      value=row.values["name"], row=first[name]))
            elif name:
                first[name] = row.number
        names = list(first)
        by_name = {}
        for start in range(0, len(names), 500):
            by_name.update({record.name.lower(): record for record in db.session.scalars(
                select(model).where(func.lower(model.name).in_(names[start:start + 500])))})
        for row in preview.rows:
            named = by_name.get(row.values.get("name", "").lower())
            if named is None:
                continue
            if row.existing is None and not row.values.get("code"):
                row.existing = named
            elif row.existing is None or row.existing.id != named.id:
                row.problem("name", _("%(name)s is already the name of %(code)s. Expected a name no other record "
                                      "has, or that record's code in the code column.", name=named.name,
                                      code=named.code))

    def values(self, row) -> dict:
        return row.changes()

    def write(self, actor, preview, options):
        written = imp.Written()
        for row in preview.rows:
            with preview.writing(row):
                if row.existing is not None:
                    self.update(actor, row.existing, self.values(row))
                    written.updated += 1
                else:
                    self.create(actor, self.values(row))
                    written.created += 1
        return written


class Customers(PartnerKind):
    name = "customers"
    title = _l("Customers")
    description = _l("Customers with their contacts, credit limit, payment terms, price level and salesperson.")
    roles = frozenset({Role.OWNER})  # the file gives customers to salespeople, which only the owner may do
    order = 20
    model = Customer
    columns = (
        imp.Column("code", ("code", "编码", "客户编码", "客户编号", "编号"), imp.code(32), example="C0001", as_text=True,
                   help=_l("Leave empty for a new customer: the next free code (C0001 …) is given. A code or a "
                           "name that already exists updates that customer.")),
        imp.Column("name", ("name", "名称", "客户名称", "客户", "客户名"), imp.text(200), required=True, width=24,
                   example="广州天河数码城李记", help=_l("The customer's name, unique.")),
        *_contact_columns(),
        imp.Column("credit_limit", ("credit_limit", "信用额度"), imp.number(AMOUNT), example="50000",
                   help=_l("How much the customer may owe; empty: no limit, 0: cash only.")),
        imp.Column("payment_terms_days", ("payment_terms_days", "账期天数", "账期"), imp.whole(0, 365), example="30",
                   help=_l("Days from sales slip to due date, 0 to 365 (30 if left empty).")),
        imp.Column("price_level", ("price_level", "价格等级", "价格级别"), imp.choice(choices.price_levels),
                   choices=choices.price_level_names,
                   help=_l("Which price the customer pays: retail, wholesale or a fixed discount off retail.")),
        imp.Column("discount_pct", ("discount_pct", "折扣%", "折扣"), imp.number(PERCENT),
                   help=_l("With the fixed discount price level: percent off the retail price, e.g. 5.")),
        imp.Column("salesperson", ("salesperson", "业务员", "销售员", "销售"), imp.choice(choices.salespeople),
                   choices=choices.salesperson_names,
                   help=_l("The salesperson who looks after the customer: a name from the list, or a username.")),
        imp.Column("tags", ("tags", "标签"), imp.text(200), help=_l("Tags separated by commas.")),
        imp.Column("notes", ("notes", "备注"), imp.text(2000), width=24, help=_l("Anything else worth knowing.")),
        imp.Column("active", ("active", "启用"), imp.yes_no(),
                   help=_l("是 (yes) or 否 (no); 否 stops new orders. Empty: yes for new customers.")),
    )

    def values(self, row):
        values = row.changes()
        if "salesperson" in values:
            values["salesperson_id"] = values.pop("salesperson")
        return values

    def create(self, actor, values):
        return customers.create_customer(actor, values)

    def update(self, actor, record, values):
        return customers.update_customer(actor, record, values)


class Suppliers(PartnerKind):
    name = "suppliers"
    title = _l("Suppliers")
    description = _l("Suppliers with their contacts, payment terms and lead time.")
    roles = SUPPLIER_WRITERS
    order = 30
    model = Supplier
    columns = (
        imp.Column("code", ("code", "编码", "供应商编码", "供应商编号", "编号"), imp.code(32), example="S0001",
                   as_text=True,
                   help=_l("Leave empty for a new supplier: the next free code (S0001 …) is given. A code or a name "
                           "that already exists updates that supplier.")),
        imp.Column("name", ("name", "名称", "供应商名称", "供应商", "供应商名"), imp.text(200), required=True, width=24,
                   example="深圳配件厂", help=_l("The supplier's name, unique.")),
        *_contact_columns(),
        imp.Column("payment_terms_days", ("payment_terms_days", "账期天数", "账期", "付款天数"), imp.whole(0, 365),
                   example="30", help=_l("Days from their invoice to its due date, 0 to 365 (30 if left empty).")),
        imp.Column("lead_time_days", ("lead_time_days", "交货天数", "到货天数", "交期"), imp.whole(0, 365),
                   example="7", help=_l("Days from order to delivery, 0 to 365 (7 if left empty).")),
        imp.Column("notes", ("notes", "备注"), imp.text(2000), width=24, help=_l("Anything else worth knowing.")),
        imp.Column("active", ("active", "启用"), imp.yes_no(),
                   help=_l("是 (yes) or 否 (no); 否 stops new orders. Empty: yes for new suppliers.")),
    )

    def create(self, actor, values):
        return suppliers.create_supplier(actor, values)

    def update(self, actor, record, values):
        return suppliers.update_supplier(actor, record, values)


imp.register(Customers())
imp.register(Suppliers())
