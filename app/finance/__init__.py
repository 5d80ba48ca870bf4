"""Money in and out: customer receipts and supplier payments, allocated to invoices."""
