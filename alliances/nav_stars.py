"""Navigation items and panels of alliances: stars."""
