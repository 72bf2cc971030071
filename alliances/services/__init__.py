"""Alliance services: permission, then state, then one transaction with its audit row."""
