"""Navigation items and panels of alliances: 季度晾晒 and 定期分析."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("季度晾晒", "alliances:showcase_board", "bi-bar-chart-line", "alliance.view",
                     55, ALLIANCES))
