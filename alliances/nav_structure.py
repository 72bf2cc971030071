"""Navigation items and panels of alliances: structure (联盟架构, 联盟列表, 联盟总览, and the
member organization's "我的党建联盟" home panel, in two queries)."""

from django.db.models import Count, Q

from alliances.models import Alliance, Membership
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.roles import role_org_ids
from portal.scope import UNIT_CONTACT, VILLAGE_SECRETARY

ALLIANCES = "党建联盟"
PANEL_LIST_LIMIT = 6

register_nav(NavItem("联盟架构", "alliances:structure", "bi-diagram-3", "alliance.view", 50,
                     ALLIANCES))
register_nav(NavItem("联盟列表", "alliances:alliance_list", "bi-list-ul", "alliance.view", 51,
                     ALLIANCES))
register_nav(NavItem("联盟总览", "alliances:overview", "bi-table", "alliance.view", 52,
                     ALLIANCES))


def _member_panel(request):
    """村党组织书记, 单位联络员: the open alliances my organization belongs to."""
    ids = role_org_ids(request.user, VILLAGE_SECRETARY, UNIT_CONTACT)
    if not ids:
        return None
    current = Membership.objects.current().filter(org_id__in=ids).values("alliance")
    mine = Alliance.objects.open().filter(pk__in=current)
    total = mine.count()
    alliances = list(mine.select_related("type", "owner").annotate(
        member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    ).order_by("kind", "name")[:PANEL_LIST_LIMIT])
    return {"alliances": alliances, "total": total}


register_panel(Panel("alliances_mine", "我的党建联盟", "alliances/structure/panel_member.html",
                     frozenset({VILLAGE_SECRETARY, UNIT_CONTACT}), _member_panel, order=20))
