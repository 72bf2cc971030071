"""Navigation items and panels of alliances: stars (动态评星 in the 党建联盟 group)."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("动态评星", "alliances:star_board", "bi-star", "alliance.view", 54,
                     ALLIANCES))
