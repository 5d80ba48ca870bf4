"""Opening balances when a business starts on JXC: stock, receivables and payables."""
