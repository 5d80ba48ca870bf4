"""Products, categories, units, barcodes, labels and the product list's files."""
