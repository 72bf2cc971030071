"""Navigation items and home-page panels of assessment: people."""
