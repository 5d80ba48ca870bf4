"""Customers and suppliers: who they are, how to reach them, what they owe or are owed."""
