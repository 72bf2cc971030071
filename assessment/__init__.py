"""考核评价 (assessment)."""
