"""Navigation items and panels of alliances: projects."""
