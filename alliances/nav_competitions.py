"""Navigation items and panels of alliances: competitions."""
