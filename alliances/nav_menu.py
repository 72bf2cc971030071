"""Navigation items and panels of alliances: the service menu, micro-wishes, 一月一公益."""
