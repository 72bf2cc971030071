"""Navigation items and panels of alliances: 季度晾晒 and 定期分析."""
