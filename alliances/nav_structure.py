"""Navigation items and panels of alliances: structure."""
