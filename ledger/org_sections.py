"""活动台账's sections of the organization page (imported from LedgerConfig.ready): an org's
ledger this month with its 履职情况 row (the org × month matrix's row for the last twelve
months), a village's 民情诉求 and the city talents who served it, a unit's talents, and a
township's (the county's) monthly dispatch figures with what waits for the township.

Figures come from the ledger's data functions (compliance.org_matrix, org_month_activities,
summaries.dispatch_summary, talent_activities), so the page says what the matrices and the
dispatch say. Each section is scoped, returns None when the viewer may see nothing of it, and
runs a fixed number of queries whatever the number of activities.
"""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from ledger import compliance
from ledger.models import (
    Activity,
    ActivityStatus,
    Participation,
    ReopenRequest,
    ReopenRequestStatus,
    RequestStatus,
    ResidentRequest,
)
from ledger.summaries import dispatch_summary
from portal.dashboard import DetailSection, register_section
from portal.models import Organization, Person
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.scope import has_capability

ROWS = 5
# A county's queue of activities to confirm is counted up to this many ("999+"): the figure
# flags the backlog and links to the queue, and a city's ~27,000 need not be counted per view.
WAITING_SHOWN = 999
NOT_LOGGING = (OrgKind.COUNTY, OrgKind.TOWNSHIP)


def at_most(queryset, limit):
    """The number of rows of `queryset`, or "`limit`+" when there are more: reads at most
    limit + 1 of them."""
    n = queryset.order_by()[:limit + 1].count()
    return f"{limit}+" if n > limit else n


def _month_query(org, year, month):
    return f"?org={org.pk}&month={year}-{month:02d}"


def compliance_row(user, org):
    """The org's row of the 履职情况 matrix over the last twelve months (cells link to the
    activities behind them), or None without `ledger.compliance` on the org."""
    if org.kind not in compliance.MATRIX_KINDS or not has_capability(
            user, compliance.CAPABILITY, org):
        return None
    matrix = compliance.org_matrix(user, org, compliance.period_for(compliance.LAST_12),
                                   org.kind)
    row = next((r for r in matrix.rows if r.pk == org.pk), None)
    if row is None:
        return None
    for cell in row.cells:
        cell.url = reverse("ledger:compliance_org_month", args=[org.pk, cell.year, cell.month])
    return row


def ledger_section(request, org):
    """This month's activities of an org that keeps a ledger, by status, the latest ones, and
    the org's compliance row."""
    user = request.user
    if org.kind in NOT_LOGGING or not has_capability(user, "ledger.view", org):
        return None
    today = timezone.localdate()
    year, month = today.year, today.month
    this_month = Activity.objects.visible_to(user).filter(org=org).in_month(year, month)
    by_status = dict(this_month.values_list("status").annotate(n=Count("id")).order_by())
    counted = compliance.org_month_activities(org, year, month).count()
    activities = list(this_month.select_related("theme").order_by("-date", "-id")[:ROWS])
    month_url = reverse("ledger:activity_list") + _month_query(org, year, month)
    links = [("本月台账", month_url)]
    if has_capability(user, "ledger.log", org):
        links.append(("登记活动", reverse("ledger:activity_create")))
    links.append(("补录申请", reverse("ledger:reopen_request_list")))
    returned = by_status.get(ActivityStatus.RETURNED, 0)
    return {
        "year": year, "month": month, "activities": activities,
        "row": compliance_row(user, org),
        "figures": [
            ("本月已开展", counted, month_url, not counted),
            ("待确认", by_status.get(ActivityStatus.SUBMITTED, 0), month_url, False),
            ("已退回", returned, month_url, bool(returned)),
        ],
        "drafts": by_status.get(ActivityStatus.DRAFT, 0),
        "month_url": month_url,
        "links": links,
    }


def requests_section(request, org):
    """民情诉求 of a village: counts by status and the latest requests (personal data stays on
    the request pages, which only the village, township and county see)."""
    user = request.user
    if org.kind != OrgKind.VILLAGE or not has_capability(user, "resident.view", org):
        return None
    requests = ResidentRequest.objects.visible_to(user).filter(village_org=org)
    by_status = dict(requests.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(requests.order_by("-date", "-id")[:ROWS])
    listed = reverse("ledger:request_list") + f"?village={org.pk}"
    links = [("全部诉求", listed)]
    if has_capability(user, "resident.change", org):
        links.append(("登记诉求", reverse("ledger:request_create")))
    pending = by_status.get(RequestStatus.PENDING, 0)
    return {
        "requests": latest,
        "figures": [
            ("待研判", pending, listed + f"&status={RequestStatus.PENDING}", bool(pending)),
            ("已发布为需求", by_status.get(RequestStatus.PUBLISHED, 0), "", False),
            ("已办结", by_status.get(RequestStatus.RESOLVED, 0), "", False),
        ],
        "links": links,
    }


def _county_of(org):
    return Organization.objects.get(path=org.path[:Organization.steplen])


def talents_section(request, org):
    """A village: the city talents who took part in its counted activities this year. A unit
    (community, ...): its city talents and the village activities each joined this month
    (what the talent × month matrix counts)."""
    user = request.user
    today = timezone.localdate()
    if org.kind == OrgKind.VILLAGE:
        if not has_capability(user, "ledger.view", org):
            return None
        served = (Participation.objects.filter(
            activity__in=compliance.org_activities(org, OrgKind.VILLAGE,
                                                   compliance.period_for(str(today.year))),
            person__is_city_talent=True)
            .values("person_id", "person__name", "person__home_org__name")
            .annotate(n=Count("activity", distinct=True)).order_by("-n", "person__name"))
        rows = [{"name": r["person__name"], "unit": r["person__home_org__name"], "count": r["n"]}
                for r in served[:ROWS]]
        return {"village": True, "rows": rows, "year": today.year,
                "total": served.count(),
                "links": [("活动台账", reverse("ledger:activity_list") + f"?org={org.pk}")]}
    if org.kind not in CITY_KINDS or not has_capability(user, "person.view", org):
        return None
    talents = Person.objects.visible_to(user).filter(home_org=org, is_city_talent=True,
                                                     is_active=True)
    period = compliance.month_period(today.year, today.month)
    # The month's activities through each talent's own participations (an index lookup per
    # talent), not as an IN over the county's activities of the month (15,000 hashed at city
    # scale for a unit of ten talents).
    joined = Count("participations__activity", distinct=True,
                   filter=compliance._talent_activity_q(_county_of(org), period,
                                                        "participations__activity__"))
    rows = [{"name": p.name, "pk": p.pk, "count": p.joined}
            for p in talents.annotate(joined=joined).order_by("joined", "name", "id")[:ROWS]]
    links = [("人员名单", reverse("portal:person_list") + f"?org={org.pk}")]
    if has_capability(user, compliance.CAPABILITY):
        links.append(("人才履职", reverse("ledger:compliance_talents")))
    return {"village": False, "rows": rows, "month": today.month, "total": talents.count(),
            "links": links}


def dispatch_section(request, org):
    """A township's (the county's) 每月调度 figures this month, its silent villages, and what
    waits for the township: activities to confirm and 补录申请."""
    user = request.user
    if org.kind not in NOT_LOGGING or not has_capability(user, compliance.CAPABILITY, org):
        return None
    today = timezone.localdate()
    if org.kind == OrgKind.TOWNSHIP:
        summary = dispatch_summary([org], today.year, today.month, single=org, today=today)
    else:
        townships = Organization.objects.filter(path__startswith=org.path,
                                                kind=OrgKind.TOWNSHIP, is_active=True)
        # Totals only: the section names no township, no silent village, and shows neither
        # participations, talents nor overdue needs.
        summary = dispatch_summary(townships, today.year, today.month, today=today, shown=(),
                                   people=False, overdue=False)
    total = summary.total
    month = f"{today.year}-{today.month:02d}"
    dispatch = reverse("ledger:dispatch") + f"?month={month}"
    queue = reverse("ledger:activity_to_confirm")
    if org.kind == OrgKind.TOWNSHIP:
        dispatch += f"&township={org.pk}"
        queue += f"?township={org.pk}"
    figures = [
        ("村", total.villages, "", False),
        ("本月未开展", total.silent, dispatch, bool(total.silent)),
        ("本月活动", total.activities, dispatch, False),
        ("发布中需求", total.needs_open, "", False),
        ("待确认认领", total.claims_waiting, "", bool(total.claims_waiting)),
    ]
    links = [("每月调度", dispatch),
             ("履职情况", reverse("ledger:compliance_orgs") + f"?area={org.pk}")]
    if has_capability(user, "ledger.confirm", org):
        waiting = at_most(Activity.objects.visible_to(user, "ledger.confirm")
                          .filter(org__path__startswith=org.path,
                                  status=ActivityStatus.SUBMITTED), WAITING_SHOWN)
        figures.append(("待确认活动", waiting, queue, bool(waiting)))
        links.append(("待确认", queue))
    if has_capability(user, "ledger.reopen", org):
        requests = (ReopenRequest.objects.visible_to(user)
                    .filter(org__path__startswith=org.path,
                            status=ReopenRequestStatus.PENDING).count())
        figures.append(("补录申请待处理", requests, reverse("ledger:reopen_request_list"),
                        bool(requests)))
    silent = [(name, pk) for name, pk in _silent_villages(summary)][:ROWS]
    return {"figures": figures, "silent": silent, "silent_total": total.silent,
            "month": today.month, "links": links}


def _silent_villages(summary):
    """(name, org id) of the silent villages a township's summary lists (none for the county:
    its rows are townships, named in the figures)."""
    if summary.township is None:
        return []
    return [(row.label, row.org_id) for row in summary.rows if row.silent]


register_section(DetailSection("ledger", "org", "ledger/org_sections/ledger.html",
                               ledger_section, order=30))
register_section(DetailSection("dispatch", "org", "ledger/org_sections/dispatch.html",
                               dispatch_section, order=15))
register_section(DetailSection("resident_requests", "org", "ledger/org_sections/requests.html",
                               requests_section, order=35))
register_section(DetailSection("talents", "org", "ledger/org_sections/talents.html",
                               talents_section, order=45))
