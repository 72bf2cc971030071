"""Navigation items and panels of alliances: inspections."""
