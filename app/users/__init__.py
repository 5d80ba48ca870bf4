"""Users: adding, inviting, changing roles, deactivating and reassigning their customers."""
