"""Money accounts (资金账户), transfers between them, statements and bank reconciliation; expenses and other income."""
