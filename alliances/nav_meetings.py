"""Navigation items and panels of alliances: meetings, site visits, the host rotation and
the year-end review. One cross-alliance page: 联盟例会, the upcoming meetings of the alliances
the user sees; everything else is reached from an alliance's page."""

from portal.dashboard import NavItem, register_nav

ALLIANCES = "党建联盟"
register_nav(NavItem("联盟例会", "alliances:meeting_upcoming", "bi-calendar-event",
                     "alliance.view", 56, ALLIANCES))
