"""结对共建's sections of the organization page (imported from PairingConfig.ready): a village's
or unit's pairings with this year's agreement and this half year's joint meeting, a
township's (county's) pairing statistics, a village's needs and claims, the needs a unit's
people claimed, and a village's 双结对双帮扶 households.

Each section is scoped by the querysets' `visible_to` and the capabilities of pairing/scope.py,
returns None when the viewer may see nothing of it, and runs a fixed number of queries
whatever the number of pairings, needs or claims.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from pairing import statistics
from pairing.models import (
    AidHousehold,
    AnnualAgreement,
    Claim,
    ClaimStatus,
    Need,
    NeedStatus,
    Pairing,
    PairingStatus,
)
from pairing.services.needs import overdue_q, with_progress
from pairing.services.pairings import half_year_of
from portal.dashboard import DetailSection, register_section
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.scope import has_capability

ROWS = 5  # rows a section lists; the full page behind its link shows the rest
PAIRED_KINDS = (OrgKind.VILLAGE, *CITY_KINDS)


def person_name(user):
    """The claimant's (or any account's) person name; never the login name."""
    person = getattr(user, "person", None)
    if person is not None:
        return person.name
    return user.get_full_name() or "未关联人员的账号"


# ----------------------------------------------------------------------------- pairings

def pairings_section(request, org):
    """A village's units (a unit's villages), each with this year's agreement and whether this
    half year's joint meeting is on record."""
    if org.kind not in PAIRED_KINDS:
        return None
    user = request.user
    own_view = has_capability(user, "pairing.view", org)
    side = Q(village_org=org) if org.kind == OrgKind.VILLAGE else Q(city_org=org)
    # Holding pairing.view on the org, every pairing of its side is in scope: no scope filter,
    # whose OR over both sides' paths made PostgreSQL walk the whole org tree (5,811 orgs at
    # city scale) to find a unit's pairings instead of reading them by the unit.
    scoped = Pairing.objects if own_view else Pairing.objects.visible_to(user)
    pairings = list(statistics.with_this_year(scoped.filter(side))
                    .select_related("city_org", "village_org")
                    .order_by("status", "-since", "id"))
    if not pairings and not own_view:
        return None
    year, half = half_year_of(timezone.localdate())
    shown = pairings[:ROWS]
    agreements = {}
    for agreement in (AnnualAgreement.objects.visible_to(user).current()
                      .filter(pairing__in=[p.pk for p in shown], year=year)
                      .order_by("pairing_id", "-version")):
        agreements.setdefault(agreement.pairing_id, agreement)
    active = [p for p in pairings if p.status == PairingStatus.ACTIVE]
    rows = [{
        "pairing": p,
        "partner": p.city_org if org.kind == OrgKind.VILLAGE else p.village_org,
        "agreement": agreements.get(p.pk),
        "meetings_url": (reverse("pairing:meeting_list", args=[p.pk])
                         if any(has_capability(user, "meeting.view", side_org)
                                for side_org in (p.village_org, p.city_org)) else ""),
    } for p in shown]
    links = []
    if own_view:
        links.append(("全部结对", reverse("pairing:org_pairings", args=[org.pk])))
    links.append(("三清单一协议", reverse("pairing:agreement_list")))
    return {
        "rows": rows, "year": year, "half": "上半年" if half == 1 else "下半年",
        "more": max(len(pairings) - ROWS, 0),
        "partner_label": "结对单位" if org.kind == OrgKind.VILLAGE else "结对村",
        "figures": [
            ("结对中", len(active), "", False),
            (f"{year}年协议已备案", sum(1 for p in active if p.filed_this_year), "", False),
            ("本半年未开联席会", sum(1 for p in active if not p.met_this_half), "",
             any(not p.met_this_half for p in active)),
        ],
        "links": links,
    }


def pairing_statistics_section(request, org):
    """A township's (the county's) row of 结对共建统计: the same figures as the statistics page."""
    user = request.user
    if org.kind not in (OrgKind.TOWNSHIP, OrgKind.COUNTY) or not has_capability(
            user, statistics.STATISTICS_CAPABILITY, org):
        return None
    year = timezone.localdate().year
    stats = statistics.pairing_statistics(user, year, within=org,
                                          by_township=org.kind == OrgKind.TOWNSHIP)
    if org.kind == OrgKind.COUNTY:
        row = stats.total
    else:
        row = next((r for r in stats.rows if r.township_id == org.pk), None)
        if row is None:
            return None
    unpaired = reverse("pairing:unpaired_villages")
    pairings = reverse("pairing:pairing_list")
    if org.kind == OrgKind.TOWNSHIP:
        unpaired += f"?township={org.pk}"
        pairings += f"?township={org.pk}"
    return {
        "row": row, "year": year,
        "figures": [
            ("村总数", row.villages, "", False),
            ("已结对村", row.covered, pairings, False),
            ("未结对村", row.uncovered, unpaired, bool(row.uncovered)),
            ("结对关系", row.pairings, pairings, False),
            (f"{year}年协议已备案", row.agreements_filed, "", False),
            ("帮扶户数", row.households, "", False),
        ],
        "links": [("结对统计", reverse("pairing:statistics")), ("结对关系", pairings)],
    }


# ----------------------------------------------------------------------------- needs

def village_needs_section(request, org):
    """A village's needs with their places and claims, and the latest claims by name."""
    if org.kind != OrgKind.VILLAGE:
        return None
    user = request.user
    if not has_capability(user, "need.view", org):
        return None
    today = timezone.localdate()
    needs = Need.objects.visible_to(user).filter(village_org=org)
    progress = with_progress(needs)
    figures = needs.aggregate(
        open=Count("id", filter=Q(status=NeedStatus.PUBLISHED)), total=Count("id"))
    overdue = progress.filter(overdue_q(today)).count()
    claims = Claim.objects.visible_to(user).filter(need__village_org=org)
    waiting = claims.filter(status=ClaimStatus.DONE).count()
    latest_claims = list(claims.exclude(status=ClaimStatus.WITHDRAWN)
                         .select_related("need", "claimant__person")
                         .order_by("-created_at", "-id")[:ROWS])
    for claim in latest_claims:
        claim.claimant_name = person_name(claim.claimant)
    board = reverse("pairing:need_board") + f"?village={org.pk}"
    can_confirm = has_capability(user, "need.confirm", org)
    links = [("需求大厅", board)]
    if can_confirm:
        links.append(("待确认认领", reverse("pairing:claims_to_confirm")))
    if has_capability(user, "need.publish", org):
        links.append(("发布需求", reverse("pairing:need_create")))
    return {
        "needs": list(progress.order_by("-created_at", "-id")[:ROWS]),
        "claims": latest_claims,
        "figures": [
            ("发布中", figures["open"], f"{board}&status={NeedStatus.PUBLISHED}", False),
            ("待确认认领", waiting, reverse("pairing:claims_to_confirm") if can_confirm else "",
             bool(waiting)),
            ("已逾期", overdue, f"{board}&overdue=yes", bool(overdue)),
        ],
        "total": figures["total"],
        "links": links,
    }


def unit_claims_section(request, org):
    """The needs a unit's (community's) people claimed, by status and latest first."""
    if org.kind not in CITY_KINDS:
        return None
    user = request.user
    if not has_capability(user, "need.view"):
        return None
    claims = Claim.objects.visible_to(user).filter(claimant__person__home_org=org)
    by_status = dict(claims.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(claims.exclude(status=ClaimStatus.WITHDRAWN)
                  .select_related("need__village_org", "claimant__person")
                  .order_by("-created_at", "-id")[:ROWS])
    if not latest and not has_capability(user, "need.view", org):
        return None
    for claim in latest:
        claim.claimant_name = person_name(claim.claimant)
    return {
        "claims": latest,
        "figures": [(label, by_status.get(value, 0), "", False)
                    for value, label in ClaimStatus.choices if value != ClaimStatus.WITHDRAWN],
        "links": [("需求大厅", reverse("pairing:need_board"))],
    }


# ----------------------------------------------------------------------------- households

def households_section(request, org):
    """双结对双帮扶: the village's households and how many a cadre helps (figures only: the
    households' personal data stays on the scoped pages)."""
    user = request.user
    if org.kind != OrgKind.VILLAGE or not has_capability(user, "aid.view", org):
        return None
    figures = (AidHousehold.objects.visible_to(user).filter(village_org=org, is_active=True)
               .aggregate(households=Count("id", distinct=True),
                          helped=Count("id", distinct=True,
                                       filter=Q(aid_pairings__is_active=True)),
                          cadres=Count("aid_pairings__cadre", distinct=True,
                                       filter=Q(aid_pairings__is_active=True))))
    village = reverse("pairing:aid_village", args=[org.pk])
    links = [("帮扶台账", village)]
    if has_capability(user, "aid.change", org):
        links.append(("新增帮扶对象", reverse("pairing:aid_household_create", args=[org.pk])))
    unhelped = figures["households"] - figures["helped"]
    return {
        "figures": [
            ("帮扶对象", figures["households"], village, False),
            ("已结对帮扶", figures["helped"], village, False),
            ("未结对", unhelped, village, bool(unhelped)),
        ],
        "cadres": figures["cadres"],
        "empty": not figures["households"],
        "links": links,
    }


register_section(DetailSection("pairings", "org", "pairing/org_sections/pairings.html",
                               pairings_section, order=10))
register_section(DetailSection("pairing_statistics", "org",
                               "pairing/org_sections/statistics.html",
                               pairing_statistics_section, order=10))
register_section(DetailSection("needs", "org", "pairing/org_sections/needs.html",
                               village_needs_section, order=20))
register_section(DetailSection("unit_claims", "org", "pairing/org_sections/unit_claims.html",
                               unit_claims_section, order=20))
register_section(DetailSection("households", "org", "pairing/org_sections/households.html",
                               households_section, order=40))
