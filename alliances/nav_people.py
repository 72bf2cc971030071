"""Navigation items and panels of alliances: people across the alliance (党员发展指标 in the
党建联盟 group: each alliance's places for the year; the people, mentor and expert pages are
reached from the alliance's page)."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("党员发展指标", "alliances:development_overview", "bi-person-plus",
                     "alliance.view", 67, ALLIANCES))
