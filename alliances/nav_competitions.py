"""Navigation items and panels of alliances: competitions (擂台赛)."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("擂台赛", "alliances:competition_list", "bi-trophy", "alliance.view", 39,
                     ALLIANCES))
