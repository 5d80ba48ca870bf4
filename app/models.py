"""Every table, imported once so the metadata (and so the migrations) sees them all."""
from app.audit.models import AuditEntry  # noqa: F401
from app.auth.models import ApiToken, User, UserInvitation  # noqa: F401
from app.auth.throttle import RateLimitCounter  # noqa: F401
from app.books.models import (  # noqa: F401
    Account, AccountMonth, BankStatementLine, ClosedPeriod, Expense, ExpenseCategory, MoneyAccount, MoneyTransfer,
    Voucher, VoucherLine)
from app.books.mapping import AccountMapping  # noqa: F401
from app.backups.models import BackupRun, BackupSettings  # noqa: F401
from app.catalog.models import Barcode, Category, PackUnit, Product  # noqa: F401
from app.feeds.models import Tombstone  # noqa: F401  (and the session hooks that keep feeds honest)
from app.finance.models import CreditAllocation, Payment, PaymentAllocation, PurchaseCreditAllocation  # noqa: F401
from app.idempotency import IdempotencyRecord  # noqa: F401
from app.inventory.models import (  # noqa: F401
    StockAdjustment, StockAdjustmentLine, StockLevel, StockMove, StockTransfer, StockTransferLine, Warehouse)
from app.numbering import DocumentSequence  # noqa: F401
from app.opening.models import OpeningStock, OpeningStockLine  # noqa: F401
from app.partners.models import Customer, Supplier, SupplierProduct  # noqa: F401
from app.purchasing.models import (  # noqa: F401
    PurchaseInvoice, PurchaseInvoiceLine, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt, PurchaseReceiptLine,
    PurchaseReturn, PurchaseReturnLine)
from app.sales.models import (  # noqa: F401
    SalesDelivery, SalesDeliveryLine, SalesInvoice, SalesInvoiceLine, SalesOrder, SalesOrderLine, SalesReturn,
    SalesReturnLine)
from app.settings.models import CompanySettings  # noqa: F401
from app.sharing.models import ShareLink, ShareOpening  # noqa: F401
from app.stocktake.models import Stocktake, StocktakeLine, StocktakeScan  # noqa: F401
from app.reports.models import SalesFact  # noqa: F401
from app.digests.models import DigestDelivery, SmtpSettings, Subscription  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage  # noqa: F401
