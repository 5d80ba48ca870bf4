"""The owner's dashboard and the sales, inventory and money reports."""
