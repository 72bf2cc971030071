"""Forms of 党建联盟, one module per area."""
