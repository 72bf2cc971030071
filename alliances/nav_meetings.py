"""Navigation items and panels of alliances: meetings, site visits, the host rotation and
the year-end review."""
