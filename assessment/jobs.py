"""Job handlers of assessment (filled in with the scoring services)."""
