"""结对共建 (pairing)."""
