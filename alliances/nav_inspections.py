"""Navigation items and panels of alliances: inspections."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("交叉检查", "alliances:round_list", "bi-clipboard2-check", "alliance.view",
                     38, ALLIANCES))
