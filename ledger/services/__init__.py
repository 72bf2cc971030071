"""Business actions of the ledger, one module per area; each is atomic."""
