"""结对共建's navigation entries and home-page panels (imported from PairingConfig.ready).

Each panel runs a fixed number of queries whatever the number of pairings or needs.
"""

from django.db.models import Count, Q
from django.utils import timezone

from pairing import statistics  # registers the "pairing_statistics" job too
from pairing.models import Claim, ClaimStatus, Need, Pairing, pairing_ids_below_roots
from pairing.services.needs import claimable_needs, served_claims
from pairing.services.pairings import half_year_of
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.roles import role_org_ids
from portal.scope import (
    COUNTY_ADMIN,
    LEADER,
    TALENT,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    scope_holds_every_org,
    scope_q,
)
from portal.search import (
    SearchHit,
    SearchSource,
    any_org_named_q,
    first_hits,
    name_q,
    register_search_source,
)

PAIRING = "结对共建"
register_nav(NavItem("结对关系", "pairing:pairing_list", "bi-link-45deg", "pairing.view", 30,
                     PAIRING))
register_nav(NavItem("三清单一协议", "pairing:agreement_list", "bi-file-earmark-text",
                     "pairing.view", 31, PAIRING))
register_nav(NavItem("联席会议缺会", "pairing:meetings_missing", "bi-calendar-x",
                     "meeting.view", 32, PAIRING))
register_nav(NavItem("双结对双帮扶", "pairing:aid_household_list", "bi-house-heart", "aid.view",
                     33, PAIRING))
register_nav(NavItem("结对统计", "pairing:statistics", "bi-bar-chart",
                     statistics.STATISTICS_CAPABILITY, 34, PAIRING))
register_nav(NavItem("需求大厅", "pairing:need_board", "bi-megaphone", "need.view", 35))
register_nav(NavItem("我的认领", "pairing:my_claims", "bi-check2-square", "need.claim", 36))

PANEL_LIST_LIMIT = 8


def _village_panel(request):
    """村党组织书记: my paired units, my open needs, claims waiting for my confirmation."""
    ids = role_org_ids(request.user, VILLAGE_SECRETARY)
    if not ids:
        return None
    pairings = list(Pairing.objects.active().filter(village_org_id__in=ids)
                    .select_related("city_org").order_by("city_org__path")[:PANEL_LIST_LIMIT])
    figures = Need.objects.filter(village_org_id__in=ids).aggregate(
        open=Count("id", distinct=True, filter=Q(status="published")),
        to_confirm=Count("claims", filter=Q(claims__status=ClaimStatus.DONE)))
    return {"pairings": pairings, "open_needs": figures["open"],
            "to_confirm": figures["to_confirm"]}


def _talent_panel(request):
    """城市人才: this month's service (本月已服务 N 次, or what to do next), the needs I can
    claim (the claim board's definition and count), and my claims by status."""
    user = request.user
    if not role_org_ids(user, TALENT):
        return None
    today = timezone.localdate()
    claimable = claimable_needs(user, today)
    needs = list(claimable.select_related("village_org").order_by("deadline", "id")[:5])
    by_status = dict(Claim.objects.filter(claimant=user).values_list("status")
                     .annotate(n=Count("id")).order_by())
    return {
        "needs": needs,
        "claimable": claimable.count(),
        "month": today.month,
        "served": served_claims(user, today).count(),
        "to_report": by_status.get(ClaimStatus.CLAIMED, 0),
        "to_confirm": by_status.get(ClaimStatus.DONE, 0),
        # Withdrawn claims are no figure of the talent's panel.
        "claims": [(label, by_status.get(value, 0), value) for value, label in ClaimStatus.choices
                   if value != ClaimStatus.WITHDRAWN],
    }


def _unit_panel(request):
    """单位联络员: my paired villages and what is missing this year / half year. The figures
    are one aggregate and the list its first rows, so a unit with 90 villages reads 8 of them."""
    ids = role_org_ids(request.user, UNIT_CONTACT)
    if not ids:
        return None
    pairings = statistics.with_this_year(Pairing.objects.active().filter(city_org_id__in=ids))
    figures = pairings.aggregate(count=Count("id"),
                                 filed=Count("id", filter=Q(filed_this_year=True)),
                                 met=Count("id", filter=Q(met_this_half=True)))
    return {
        "pairings": list(pairings.select_related("village_org")
                         .order_by("village_org__path", "pk")[:PANEL_LIST_LIMIT]),
        "count": figures["count"],
        "no_agreement": figures["count"] - figures["filed"],
        "no_meeting": figures["count"] - figures["met"],
        "year": timezone.localdate().year,
    }


def _coverage_panel(request):
    """County and township staff: villages covered, agreements filed, meetings missing."""
    user = request.user
    # Covered: the village's tally (pairing.village_tally) counts an active pairing — one
    # join, where a probe of the pairings per village took 7 ms at city scale.
    villages = (Organization.objects.visible_to(user, "pairing.view")
                .filter(kind=OrgKind.VILLAGE, is_active=True)
                .aggregate(total=Count("id"), covered=Count(
                    "id", filter=Q(pairing_tally__active_pairings__gt=0))))
    # The statistics' definition: a pairing counts for its village's township, not the unit's.
    # A scope holding every root counts every active pairing: no join to the org tree (the
    # needs trend asks the same of the same user, so the page pays for the answer once).
    counted = (Pairing.objects.active()
               if scope_holds_every_org(user, statistics.STATISTICS_CAPABILITY)
               else statistics.counted_pairings(user))
    pairings = statistics.this_year_figures(counted)
    # A township admin's tile links to the list narrowed to the villages of the township, which
    # is what the tile counts (the list's own scope also shows units of the township).
    townships = role_org_ids(user, TOWNSHIP_ADMIN)
    wide = role_org_ids(user, COUNTY_ADMIN, LEADER)
    return {
        "list_township": townships[0] if len(townships) == 1 and not wide else None,
        "villages": villages["total"], "covered": villages["covered"],
        "uncovered": villages["total"] - villages["covered"],
        "pairings": pairings["total"], "filed": pairings["filed"],
        "not_filed": pairings["total"] - pairings["filed"],
        "no_meeting": pairings["total"] - pairings["met"],
        "year": timezone.localdate().year,
        "half": "上半年" if half_year_of(timezone.localdate())[1] == 1 else "下半年",
    }


register_panel(Panel("pairing_coverage", "结对覆盖", "pairing/panels/coverage.html",
                     frozenset({COUNTY_ADMIN, LEADER, TOWNSHIP_ADMIN}), _coverage_panel,
                     order=15, width="col-12"))
register_panel(Panel("pairing_village", "我的结对与需求", "pairing/panels/village.html",
                     frozenset({VILLAGE_SECRETARY}), _village_panel, order=12))
register_panel(Panel("pairing_unit", "我的结对村", "pairing/panels/unit.html",
                     frozenset({UNIT_CONTACT}), _unit_panel, order=12))
register_panel(Panel("pairing_talent", "需求认领", "pairing/panels/talent.html",
                     frozenset({TALENT}), _talent_panel, order=13))


def _search_pairings(user, text, limit):
    """Pairings whose unit or village matches (name, pinyin, initials); active ones first."""
    ids = pairing_ids_below_roots(user, "view")
    # Below the roots, the scope's pairings by id: as a second UNION beside the names' one
    # PostgreSQL compared each of a township's pairings with each named one (28,890 pairs).
    pairings = (Pairing.objects.visible_to(user) if ids is None
                else Pairing.objects.filter(pk__in=[row["pk"] for row in ids]))
    pairings = (pairings.filter(any_org_named_q(Pairing, text, "city_org", "village_org"))
                .select_related("city_org", "village_org")
                .order_by("status", "village_org__path", "city_org__path"))

    def hit(pairing):
        since = pairing.since
        detail = f"{pairing.get_status_display()} · {since.year}年{since.month}月起"
        return SearchHit(str(pairing), pairing.get_absolute_url(), detail)

    return first_hits(pairings, limit, hit)


def _search_needs(user, text, limit):
    """Needs by title, or by their village's name, pinyin or initials; newest first."""
    needs = Need.objects.visible_to(user)
    if not scope_holds_every_org(user, "need.view"):
        # visible_to's scope again, as the villages in scope: PostgreSQL then reads those
        # villages' needs by their index instead of walking every need newest first to match
        # the title (a unit contact's 91 villages: 21,341 needs read at city scale, none hit).
        needs = needs.filter(village_org__in=Organization.objects.filter(
            scope_q(user, "need.view", "path")).values("pk"))
    needs = (needs.filter(Q(title__icontains=text) | name_q(text, "village_org__"))
             .select_related("village_org"))

    def hit(need):
        detail = " · ".join([need.village_org.name, need.get_kind_display(),
                             need.get_status_display()])
        return SearchHit(need.title, need.get_absolute_url(), detail)

    return first_hits(needs, limit, hit)


register_search_source(SearchSource("pairings", "结对关系", "bi-link-45deg", _search_pairings, 30))
register_search_source(SearchSource("needs", "需求", "bi-megaphone", _search_needs, 40))
