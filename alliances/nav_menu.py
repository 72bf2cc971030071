"""Navigation items and panels of alliances: the service menu, micro-wishes, 一月一公益.

联盟需求 (the needs of the villages in the user's alliances) in the 党建联盟 group, and a link to
it on pairing's needs board through a portal DetailSection of the page "need_board" (pairing
cannot import alliances); 一月一公益 for everyone with alliance.view."""

from django.urls import reverse

from alliances.services.wishes import member_alliances_of
from portal.dashboard import DetailSection, NavItem, register_nav, register_section

GROUP = "党建联盟"

register_nav(NavItem("联盟需求", "alliances:my_alliance_needs", "bi-people", "alliance.view", 65,
                     GROUP))
register_nav(NavItem("一月一公益", "alliances:charity_board", "bi-calendar-heart",
                     "alliance.view", 66, GROUP))


def _needs_board_link(request, obj):
    """The link shown on the needs board to members of an alliance (one query)."""
    if not member_alliances_of(request.user).exists():
        return None
    return {"url": reverse("alliances:my_alliance_needs")}


register_section(DetailSection("alliance_needs", "need_board",
                               "alliances/menu/need_board_link.html", _needs_board_link,
                               order=50))
