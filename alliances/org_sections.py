"""党建联盟's section of the organization page (imported from AlliancesConfig.ready): the
alliances an organization belongs to (a township's: those it owns too), each with its members
and next planned meeting.

Scoped by `Alliance.objects.visible_to` (the owner's scope, or membership for a member's
secretary or contact); None when the viewer sees no alliance of the org and holds no
`alliance.view` on it. A fixed number of queries whatever the number of alliances.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance, Meeting, MeetingStatus, Membership
from portal.dashboard import DetailSection, register_section
from portal.models.orgs import OrgKind
from portal.scope import has_capability

ROWS = 5


def alliances_section(request, org):
    user = request.user
    member_of = Membership.objects.current().filter(org=org).values("alliance_id")
    mine = Q(pk__in=member_of)
    if org.kind in (OrgKind.TOWNSHIP, OrgKind.COUNTY):
        mine |= Q(owner=org)
    alliances = list(Alliance.objects.visible_to(user).open().filter(mine)
                     .select_related("type")
                     .annotate(members=Count("memberships", distinct=True,
                                             filter=Q(memberships__left_on__isnull=True)))
                     .order_by("kind", "name"))
    if not alliances and not has_capability(user, "alliance.view", org):
        return None
    shown = alliances[:ROWS]
    upcoming = {}
    for meeting in (Meeting.objects.filter(alliance__in=[a.pk for a in shown],
                                           status=MeetingStatus.PLANNED,
                                           starts_at__gte=timezone.now())
                    .order_by("alliance_id", "starts_at")):
        upcoming.setdefault(meeting.alliance_id, meeting)
    links = []
    if has_capability(user, "alliance.view"):
        links.append(("联盟架构", reverse("alliances:structure")))
    return {
        "rows": [{"alliance": a, "meeting": upcoming.get(a.pk)} for a in shown],
        "more": max(len(alliances) - ROWS, 0),
        "township": org.kind in (OrgKind.TOWNSHIP, OrgKind.COUNTY),
        "links": links,
    }


register_section(DetailSection("alliances", "org", "alliances/org_sections/alliances.html",
                               alliances_section, order=60))
