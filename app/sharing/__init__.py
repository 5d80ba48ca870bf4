"""Links a customer opens without an account: one sales document (sales slip, quotation, delivery note), its PDF."""
