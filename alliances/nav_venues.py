"""Navigation items and panels of alliances: venues."""
