"""Words for the audit log's codes: what was done, to what, which field, which state.

Entries store codes (`sales_order.confirm`, `SalesOrder`, `unit_price`, `draft`) so the log means the same in every
language and nothing is lost when wording changes; these maps name them for people. A code with no label (one
added later, or from an older version) shows as it was stored.
"""
from flask_babel import lazy_pgettext

from app.auth.roles import Role
from app.finance.models import PaymentMethod
from app.inventory.models import AdjustmentKind
from app.partners.models import PriceLevel
from app.purchasing.models import PurchaseStatus
from app.sales.models import OrderStatus
from app.stocktake.models import StocktakeStatus

ACTIONS = {
    "adjustment.create": lazy_pgettext("audit action", "Stock adjustment posted"),
    "category.create": lazy_pgettext("audit action", "Category added"),
    "customer.create": lazy_pgettext("audit action", "Customer added"),
    "customer.update": lazy_pgettext("audit action", "Customer changed"),
    "customer.reassign": lazy_pgettext("audit action", "Customer given to another salesperson"),
    "import.customers": lazy_pgettext("audit action", "Customers imported"),
    "import.products": lazy_pgettext("audit action", "Products imported"),
    "import.suppliers": lazy_pgettext("audit action", "Suppliers imported"),
    "payment.create": lazy_pgettext("audit action", "Payment recorded"),
    "product.create": lazy_pgettext("audit action", "Product added"),
    "product.update": lazy_pgettext("audit action", "Product changed"),
    "purchase_order.cancel": lazy_pgettext("audit action", "Purchase order cancelled"),
    "purchase_order.confirm": lazy_pgettext("audit action", "Purchase order confirmed"),
    "purchase_order.create": lazy_pgettext("audit action", "Purchase order created"),
    "purchase_order.invoice": lazy_pgettext("audit action", "Supplier invoice booked"),
    "purchase_order.line_add": lazy_pgettext("audit action", "Purchase order line added"),
    "purchase_order.line_remove": lazy_pgettext("audit action", "Purchase order line removed"),
    "purchase_order.line_update": lazy_pgettext("audit action", "Purchase order line changed"),
    "purchase_order.lines_add": lazy_pgettext("audit action", "Purchase order lines added"),
    "purchase_order.receive": lazy_pgettext("audit action", "Goods received"),
    "purchase_return.create": lazy_pgettext("audit action", "Goods returned to the supplier"),
    "sales_order.approve_over_limit": lazy_pgettext("audit action", "Order over the credit limit approved"),
    "sales_order.cancel": lazy_pgettext("audit action", "Order cancelled"),
    "sales_order.confirm": lazy_pgettext("audit action", "Order confirmed"),
    "sales_order.create": lazy_pgettext("audit action", "Order created"),
    "sales_order.deliver": lazy_pgettext("audit action", "Goods delivered"),
    "sales_order.invoice": lazy_pgettext("audit action", "Sales slip issued"),
    "sales_order.line_add": lazy_pgettext("audit action", "Order line added"),
    "sales_order.line_remove": lazy_pgettext("audit action", "Order line removed"),
    "sales_order.line_update": lazy_pgettext("audit action", "Order line changed"),
    "sales_order.lines_add": lazy_pgettext("audit action", "Order lines added"),
    "sales_order.update": lazy_pgettext("audit action", "Order changed"),
    "sales_return.create": lazy_pgettext("audit action", "Return taken back"),
    "settings.update": lazy_pgettext("audit action", "Settings changed"),
    "share_link.create": lazy_pgettext("audit action", "Share link made"),
    "share_link.revoke": lazy_pgettext("audit action", "Share link revoked"),
    "stocktake.cancel": lazy_pgettext("audit action", "Stocktake cancelled"),
    "stocktake.open": lazy_pgettext("audit action", "Stocktake opened"),
    "stocktake.post": lazy_pgettext("audit action", "Stocktake posted"),
    "stocktake.recount": lazy_pgettext("audit action", "Products sent back for counting"),
    "stocktake.undo_scan": lazy_pgettext("audit action", "Scan undone"),
    "supplier.create": lazy_pgettext("audit action", "Supplier added"),
    "supplier.item": lazy_pgettext("audit action", "Supplier's product saved"),
    "supplier.update": lazy_pgettext("audit action", "Supplier changed"),
    "token.create": lazy_pgettext("audit action", "API token created"),
    "token.revoke": lazy_pgettext("audit action", "API token revoked"),
    "transfer.create": lazy_pgettext("audit action", "Transfer posted"),
    "user.activate": lazy_pgettext("audit action", "User reactivated"),
    "user.change_password": lazy_pgettext("audit action", "Password changed"),
    "user.create": lazy_pgettext("audit action", "User created"),
    "user.deactivate": lazy_pgettext("audit action", "User deactivated"),
    "user.reset_password": lazy_pgettext("audit action", "Password reset"),
    "user.update": lazy_pgettext("audit action", "User changed"),
    "warehouse.create": lazy_pgettext("audit action", "Warehouse added"),
    # opening stock and balances (app.opening)
    "opening_stock.create": lazy_pgettext("audit action", "Opening stock entered"),
    "opening_stock.update": lazy_pgettext("audit action", "Opening stock changed"),
    "opening_stock.delete": lazy_pgettext("audit action", "Opening stock deleted"),
    "opening_receivable.create": lazy_pgettext("audit action", "Opening receivable added"),
    "opening_receivable.update": lazy_pgettext("audit action", "Opening receivable changed"),
    "opening_receivable.delete": lazy_pgettext("audit action", "Opening receivable deleted"),
    "opening_payable.create": lazy_pgettext("audit action", "Opening payable added"),
    "opening_payable.update": lazy_pgettext("audit action", "Opening payable changed"),
    "opening_payable.delete": lazy_pgettext("audit action", "Opening payable deleted"),
    # people (issue 14): invitations and handing customers over
    "user.invite": lazy_pgettext("audit action", "User invited"),
    "user.reissue_invitation": lazy_pgettext("audit action", "New invitation link made"),
    "user.revoke_invitation": lazy_pgettext("audit action", "Invitation withdrawn"),
    "user.accept_invitation": lazy_pgettext("audit action", "Invitation accepted, password set"),
    "sales_order.reassign": lazy_pgettext("audit action", "Order given to another salesperson"),
    "account.create": lazy_pgettext("audit action", "Ledger account added"),
    "account.rename": lazy_pgettext("audit action", "Ledger account renamed"),
    "account.delete": lazy_pgettext("audit action", "Ledger account deleted"),
    "account.activate": lazy_pgettext("audit action", "Ledger account put back in use"),
    "account.deactivate": lazy_pgettext("audit action", "Ledger account taken out of use"),
    "voucher.create": lazy_pgettext("audit action", "Voucher entered by hand"),
    "period.close": lazy_pgettext("audit action", "Month closed"),
    "period.reopen": lazy_pgettext("audit action", "Month reopened"),
    "money_account.create": lazy_pgettext("audit action", "Money account added"),
    "money_account.update": lazy_pgettext("audit action", "Money account changed"),
    "money_transfer.create": lazy_pgettext("audit action", "Money transferred between accounts"),
    "expense.create": lazy_pgettext("audit action", "Expense recorded"),
    "other_income.create": lazy_pgettext("audit action", "Other income recorded"),
    "expense_category.create": lazy_pgettext("audit action", "Expense category added"),
    "expense_category.update": lazy_pgettext("audit action", "Expense category changed"),
    # accounts (issue 18): sign-ins, the second factor, devices
    "user.sign_in": lazy_pgettext("audit action", "Signed in"),
    "user.sign_in_failed": lazy_pgettext("audit action", "Failed sign-in"),
    "user.lockout": lazy_pgettext("audit action", "Sign-in locked after too many attempts"),
    "user.two_factor_on": lazy_pgettext("audit action", "Two-step sign-in turned on"),
    "user.two_factor_off": lazy_pgettext("audit action", "Two-step sign-in turned off"),
    "user.two_factor_reset": lazy_pgettext("audit action", "Two-step sign-in turned off by the owner"),
    "user.recovery_codes": lazy_pgettext("audit action", "New recovery codes made"),
    "user.recovery_code_used": lazy_pgettext("audit action", "Recovery code used"),
    "user.end_session": lazy_pgettext("audit action", "Device signed out"),
    "user.end_sessions": lazy_pgettext("audit action", "All sessions, trusted devices and tokens ended"),
    "security.two_factor_policy": lazy_pgettext("audit action", "Roles requiring two-step sign-in changed"),
    # scheduled reports (app.digests)
    "digest_subscription.create": lazy_pgettext("audit action", "Report subscription added"),
    "digest_subscription.update": lazy_pgettext("audit action", "Report subscription changed"),
    "digest_subscription.delete": lazy_pgettext("audit action", "Report subscription removed"),
    "smtp.update": lazy_pgettext("audit action", "Email server settings changed"),
    # backups (issue 18)
    "backup.settings": lazy_pgettext("audit action", "Backup settings changed"),
    "backup.key": lazy_pgettext("audit action", "Backup key made"),
    "backup.key_shown": lazy_pgettext("audit action", "Backup key shown or downloaded"),
    # webhooks (issue 18)
    "webhook.create": lazy_pgettext("audit action", "Webhook endpoint added"),
    "webhook.update": lazy_pgettext("audit action", "Webhook endpoint changed"),
    "webhook.rotate_secret": lazy_pgettext("audit action", "Webhook secret replaced"),
    "webhook.delete": lazy_pgettext("audit action", "Webhook endpoint deleted"),
    "webhook.test": lazy_pgettext("audit action", "Webhook test event sent"),
    "webhook.send_again": lazy_pgettext("audit action", "Webhook delivery sent again"),
}

OBJECTS = {
    "ApiToken": lazy_pgettext("audit object", "API token"),
    "Category": lazy_pgettext("audit object", "Category"),
    "CompanySettings": lazy_pgettext("audit object", "Company settings"),
    "Customer": lazy_pgettext("audit object", "Customer"),
    "ImportRun": lazy_pgettext("audit object", "Imported file"),
    "Payment": lazy_pgettext("audit object", "Payment"),
    "Product": lazy_pgettext("audit object", "Product"),
    "PurchaseOrder": lazy_pgettext("audit object", "Purchase order"),
    "PurchaseReturn": lazy_pgettext("audit object", "Purchase return"),
    "SalesOrder": lazy_pgettext("audit object", "Sales order"),
    "SalesReturn": lazy_pgettext("audit object", "Sales return"),
    "StockAdjustment": lazy_pgettext("audit object", "Stock adjustment"),
    "StockTransfer": lazy_pgettext("audit object", "Transfer"),
    "Stocktake": lazy_pgettext("audit object", "Stocktake"),
    "Supplier": lazy_pgettext("audit object", "Supplier"),
    "User": lazy_pgettext("audit object", "User"),
    "Warehouse": lazy_pgettext("audit object", "Warehouse"),
    "OpeningStock": lazy_pgettext("audit object", "Opening stock"),
    "SalesInvoice": lazy_pgettext("audit object", "Sales slip"),
    "PurchaseInvoice": lazy_pgettext("audit object", "Purchase invoice"),
    "Account": lazy_pgettext("audit object", "Ledger account"),
    "Voucher": lazy_pgettext("audit object", "Voucher"),
    "ClosedPeriod": lazy_pgettext("audit object", "Month"),
    "MoneyAccount": lazy_pgettext("audit object", "Money account"),
    "MoneyTransfer": lazy_pgettext("audit object", "Money transfer"),
    "Expense": lazy_pgettext("audit object", "Expense or other income"),
    "ExpenseCategory": lazy_pgettext("audit object", "Expense category"),
    "SignInAttempt": lazy_pgettext("audit object", "Sign-in with an unknown username"),
    "TwoFactorRule": lazy_pgettext("audit object", "Sign-in security"),
    "Subscription": lazy_pgettext("audit object", "Report subscription"),
    "SmtpSettings": lazy_pgettext("audit object", "Email server"),
    "BackupSettings": lazy_pgettext("audit object", "Backup settings"),  # backups (issue 18)
    "WebhookEndpoint": lazy_pgettext("audit object", "Webhook endpoint"),
}

FIELDS = {
    # scheduled reports and the email server (app.digests)
    "frequency": lazy_pgettext("audit field", "How often"),
    "weekday": lazy_pgettext("audit field", "Day of the week"),
    "hour": lazy_pgettext("audit field", "Time of day"),
    "in_app": lazy_pgettext("audit field", "In the app"),
    "wecom_url": lazy_pgettext("audit field", "WeCom group robot webhook"),
    "host": lazy_pgettext("audit field", "SMTP server"),
    "port": lazy_pgettext("audit field", "Port"),
    "security": lazy_pgettext("audit field", "Security"),
    "username": lazy_pgettext("audit field", "User name"),
    "sender": lazy_pgettext("audit field", "From address"),
    "active": lazy_pgettext("audit field", "Active"),
    "address": lazy_pgettext("audit field", "Address"),
    "allow_negative_stock": lazy_pgettext("audit field", "Negative stock allowed"),
    "amount": lazy_pgettext("audit field", "Amount"),
    "bank_account": lazy_pgettext("audit field", "Bank account"),
    "bank_name": lazy_pgettext("audit field", "Bank"),
    "barcode": lazy_pgettext("audit field", "Barcode"),
    "brand": lazy_pgettext("audit field", "Brand"),
    "category_id": lazy_pgettext("audit field", "Category"),
    "code": lazy_pgettext("audit field", "Code"),
    "created": lazy_pgettext("audit field", "Rows added"),
    "file": lazy_pgettext("audit field", "File"),
    "logo_png": lazy_pgettext("audit field", "Logo"),
    "paper_layout": lazy_pgettext("audit field", "Paper for sales documents"),
    "seal_png": lazy_pgettext("audit field", "Company seal"),
    "share_link": lazy_pgettext("audit field", "Share link"),
    "slip_paper_mm": lazy_pgettext("audit field", "Thermal paper width"),
    "opening_stock": lazy_pgettext("audit field", "Opening stock posting"),
    "rows": lazy_pgettext("audit field", "Rows"),
    "updated": lazy_pgettext("audit field", "Rows updated"),
    "contact": lazy_pgettext("audit field", "Contact person"),
    "credit": lazy_pgettext("audit field", "Credit note"),
    "credit_limit": lazy_pgettext("audit field", "Credit limit"),
    "currency": lazy_pgettext("audit field", "Currency"),
    "customer": lazy_pgettext("audit field", "Customer"),
    "default_tax_rate": lazy_pgettext("audit field", "Default tax rate"),
    "delivery": lazy_pgettext("audit field", "Delivery"),
    "discount_pct": lazy_pgettext("audit field", "Discount %"),
    "display_name": lazy_pgettext("audit field", "Name"),
    "email": lazy_pgettext("audit field", "Email"),
    "from": lazy_pgettext("audit field", "From warehouse"),
    "invoice": lazy_pgettext("audit field", "Document number"),
    "kind": lazy_pgettext("audit field", "Kind"),
    "lead_time_days": lazy_pgettext("audit field", "Lead time (days)"),
    "lines": lazy_pgettext("audit field", "Lines"),
    "locale": lazy_pgettext("audit field", "Language"),
    "max_stock": lazy_pgettext("audit field", "Maximum stock"),
    "method": lazy_pgettext("audit field", "Paid by"),
    "min_order_qty": lazy_pgettext("audit field", "Minimum order"),
    "min_stock": lazy_pgettext("audit field", "Minimum stock"),
    "mobile": lazy_pgettext("audit field", "Mobile"),
    "name": lazy_pgettext("audit field", "Name"),
    "notes": lazy_pgettext("audit field", "Notes"),
    "order": lazy_pgettext("audit field", "Order"),
    "order_status": lazy_pgettext("audit field", "Order status"),
    "pack_unit": lazy_pgettext("audit field", "Pack unit"),
    "password": lazy_pgettext("audit field", "Password"),
    "payment_terms_days": lazy_pgettext("audit field", "Payment terms (days)"),
    "phone": lazy_pgettext("audit field", "Phone"),
    "photo": lazy_pgettext("audit field", "Photo"),
    "preferred": lazy_pgettext("audit field", "Preferred supplier"),
    "price_level": lazy_pgettext("audit field", "Price level"),
    "product": lazy_pgettext("audit field", "Product"),
    "products": lazy_pgettext("audit field", "Products"),
    "purchase_price": lazy_pgettext("audit field", "Purchase price"),
    "qty": lazy_pgettext("audit field", "Quantity"),
    "reason": lazy_pgettext("audit field", "Reason"),
    "receipt": lazy_pgettext("audit field", "Goods receipt"),
    "revoked": lazy_pgettext("audit field", "Revoked"),
    "role": lazy_pgettext("audit field", "Role"),
    "sale_price": lazy_pgettext("audit field", "Sale price"),
    "salesperson_id": lazy_pgettext("audit field", "Salesperson"),
    "scan": lazy_pgettext("audit field", "Scan"),
    "sku": lazy_pgettext("audit field", "SKU"),
    "spec": lazy_pgettext("audit field", "Specification"),
    "status": lazy_pgettext("audit field", "Status"),
    "supplier": lazy_pgettext("audit field", "Supplier"),
    "supplier_sku": lazy_pgettext("audit field", "Supplier's item code"),
    "tags": lazy_pgettext("audit field", "Tags"),
    "tax_number": lazy_pgettext("audit field", "Tax number"),
    "tax_rate": lazy_pgettext("audit field", "Tax rate"),
    "to": lazy_pgettext("audit field", "To warehouse"),
    "total": lazy_pgettext("audit field", "Total"),
    "unit": lazy_pgettext("audit field", "Unit"),
    "unit_price": lazy_pgettext("audit field", "Unit price"),
    "warehouse": lazy_pgettext("audit field", "Warehouse"),
    "wholesale_price": lazy_pgettext("audit field", "Wholesale price"),
    # people (issue 14)
    "pending": lazy_pgettext("audit field", "Waiting for the invited"),
    "invitation": lazy_pgettext("audit field", "Invitation"),
    "expires_at": lazy_pgettext("audit field", "Valid until"),
    # accounts (issue 18)
    "sign_in_with": lazy_pgettext("audit field", "Signed in with"),
    "ip": lazy_pgettext("audit field", "Network address"),
    "device": lazy_pgettext("audit field", "Device"),
    "step": lazy_pgettext("audit field", "Step"),
    "two_factor": lazy_pgettext("audit field", "Two-step sign-in"),
    "recovery_codes": lazy_pgettext("audit field", "Recovery codes"),
    "recovery_codes_left": lazy_pgettext("audit field", "Recovery codes left"),
    "sessions": lazy_pgettext("audit field", "Sessions"),
    "trusted_devices": lazy_pgettext("audit field", "Trusted devices"),
    "tokens": lazy_pgettext("audit field", "API tokens"),
    "required": lazy_pgettext("audit field", "Must use two-step sign-in"),
    # backups (issue 18)
    "enabled": lazy_pgettext("audit field", "Daily backups"),
    "time_of_day": lazy_pgettext("audit field", "Backup time"),
    "keep_days": lazy_pgettext("audit field", "Keep for (days)"),
    "keep_copies": lazy_pgettext("audit field", "Keep at most (copies)"),
    "destination": lazy_pgettext("audit field", "Where backups are kept"),
    "folder": lazy_pgettext("audit field", "Backup folder"),
    "s3_endpoint": lazy_pgettext("audit field", "S3 endpoint"),
    "s3_region": lazy_pgettext("audit field", "S3 region"),
    "s3_bucket": lazy_pgettext("audit field", "S3 bucket"),
    "s3_prefix": lazy_pgettext("audit field", "S3 prefix"),
    "s3_access_key": lazy_pgettext("audit field", "S3 access key ID"),
    "s3_secret_key": lazy_pgettext("audit field", "S3 secret access key"),
    "recipient": lazy_pgettext("audit field", "Backup public key"),
    # webhooks (issue 18)
    "url": lazy_pgettext("audit field", "Address (URL)"),
    "events": lazy_pgettext("audit field", "Events"),
    "secret": lazy_pgettext("audit field", "Signing secret"),
    "message": lazy_pgettext("audit field", "Webhook message"),
    "description": lazy_pgettext("audit field", "Description"),
}

# Fields whose values are an enum's codes: the enum names them. "status" depends on what changed state.
_STATUS_BY_OBJECT = {"SalesOrder": OrderStatus, "PurchaseOrder": PurchaseStatus, "Stocktake": StocktakeStatus}
_VALUES = {"order_status": OrderStatus, "role": Role, "method": PaymentMethod, "kind": AdjustmentKind,
           "price_level": PriceLevel}


def action(code: str) -> str:
    return str(ACTIONS.get(code, code))


def object_type(code: str) -> str:
    return str(OBJECTS.get(code, code))


def field(name: str) -> str:
    return str(FIELDS.get(name, name))


def value(object_code: str, name: str, stored):
    """A changed value as people read it: an enum code by its label, a document's lines one after another, anything
    else as stored."""
    if isinstance(stored, list):
        return "; ".join(str(item) for item in stored)
    kind = _STATUS_BY_OBJECT.get(object_code) if name == "status" else _VALUES.get(name)
    if kind is not None and stored in {member.value for member in kind}:
        return kind(stored).label
    return stored


def listed_lines(object_code: str, name: str, change) -> list[list[tuple[str, object, object]]] | None:
    """A change that lists lines (an order made, or added to, with several lines at once: app.trade.drafts.audit_lines)
    as people read it: per line, its product's SKU first, then (field, old, new) for each figure that changed.
    None for any other change, which shows as old → new."""
    new = change[1] if isinstance(change, (list, tuple)) and len(change) == 2 else None
    if name != "lines" or not isinstance(new, list) or not all(isinstance(line, dict) for line in new):
        return None
    return [[(field(key), value(object_code, key, figures[0]), value(object_code, key, figures[1]))
             for key, figures in line.items() if isinstance(figures, list) and len(figures) == 2]
            for line in new]
