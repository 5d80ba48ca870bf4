"""Company settings: name, address, tax, timezone and document numbering."""
