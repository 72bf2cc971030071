"""党建联盟 (alliances)."""
