"""Sales: orders, deliveries, invoices, returns and their printed documents."""
