"""Ranking and grading reports (filled in with the reports)."""
