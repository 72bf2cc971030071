"""活动台账's navigation group and home-page panels (imported from LedgerConfig.ready).

Each panel runs a fixed number of queries whatever the number of activities, villages or
participants: grouped aggregates with filters, and short sliced lists.
"""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from ledger.exporters import EXPORT_CAPABILITY
from ledger.models import (
    Activity,
    ActivityStatus,
    MonthReopening,
    OrgMonthTally,
    Participation,
    ReopenRequest,
    ReopenRequestStatus,
    TownshipMonthTally,
)
from ledger.periods import close_date, month_range
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.fragments import valid_until
from portal.models import Organization, Person, TownshipOrgTally
from portal.models.orgs import OrgKind
from portal.roles import role_org_ids
from portal.scope import (
    COUNTY_ADMIN,
    LEADER,
    TALENT,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    active_roles,
    scope_holds_every_org,
    scope_q,
    under_any_path,
)

LEDGER = "活动台账"
register_nav(NavItem("活动台账", "ledger:activity_list", "bi-journal-check", "ledger.view", 40,
                     LEDGER))
register_nav(NavItem("待确认", "ledger:activity_to_confirm", "bi-hourglass-split", "ledger.confirm",
                     41, LEDGER))
register_nav(NavItem("履职情况", "ledger:compliance_orgs", "bi-grid-3x3", "ledger.compliance", 42,
                     LEDGER))
register_nav(NavItem("民情诉求", "ledger:request_list", "bi-chat-left-dots", "resident.view",
                     43, LEDGER))
register_nav(NavItem("每月调度", "ledger:dispatch", "bi-calendar3", "ledger.compliance", 44,
                     LEDGER))
register_nav(NavItem("半年报告", "ledger:report_list", "bi-file-earmark-richtext",
                     "report.view", 45, LEDGER))
register_nav(NavItem("台账导出", "ledger:ledger_export", "bi-download", EXPORT_CAPABILITY, 46,
                     LEDGER))

PANEL_LIST_LIMIT = 5
COUNTED = (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
MONTHLY_HINT = "每月至少参加1次村级服务活动"


def _month_q(prefix, year, month):
    first, next_first = month_range(year, month)
    return Q(**{f"{prefix}date__gte": first, f"{prefix}date__lt": next_first})


def _previous_month(year, month):
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _role_paths(user, role):
    return [path for r, path, _ in active_roles(user) if r == role]


def _deadline(year, month, today):
    closes = close_date(year, month, settings.LEDGER_CLOSE_DAY)
    return {"year": year, "month": month, "date": closes, "days_left": (closes - today).days}


def _own_ledger_panel(request):
    """村党组织书记 and 单位联络员: this month's entries by status, when the month closes, the
    previous month while it is still open, entries returned to fix, reopened months."""
    ids = role_org_ids(request.user, VILLAGE_SECRETARY, UNIT_CONTACT)
    if not ids:
        return None
    today = timezone.localdate()
    year, month = today.year, today.month
    prev_year, prev_month = _previous_month(year, month)
    this_month = _month_q("", year, month)
    unfinished = Q(status__in=(ActivityStatus.DRAFT, ActivityStatus.RETURNED))
    figures = Activity.objects.filter(org_id__in=ids).aggregate(
        **{status: Count("id", filter=this_month & Q(status=status))
           for status in ActivityStatus.values},
        returned_all=Count("id", filter=Q(status=ActivityStatus.RETURNED)),
        previous_unfinished=Count("id", filter=_month_q("", prev_year, prev_month) & unfinished),
    )
    previous = _deadline(prev_year, prev_month, today)
    # Months before the first still open are locked unless reopened: their returned entries
    # need a 补录 request first (需申请补录), the others can simply be fixed.
    open_from = (datetime.date(prev_year, prev_month, 1) if previous["days_left"] >= 0
                 else today.replace(day=1))
    returned_rows = Activity.objects.filter(org_id__in=ids, status=ActivityStatus.RETURNED)
    returned = list(returned_rows.filter(date__gte=open_from).select_related("org")
                    .order_by("date", "id")[:PANEL_LIST_LIMIT])
    locked = _locked_returned(returned_rows.filter(date__lt=open_from))
    reopened = list(MonthReopening.objects.filter(org_id__in=ids, expires_at__gt=timezone.now())
                    .select_related("org").order_by("expires_at", "id")[:PANEL_LIST_LIMIT])
    if reopened:  # the panel changes when the first reopening expires
        valid_until(request, reopened[0].expires_at)
    reopened_months = {(r.org_id, r.year, r.month) for r in reopened}
    # A reopened month's entries are fixable again: they join the ordinary list.
    returned += [a for a in locked if (a.org_id, a.date.year, a.date.month) in reopened_months]
    locked = [a for a in locked if (a.org_id, a.date.year, a.date.month) not in reopened_months]
    return {
        "year": year, "month": month,
        # (label, count, status, whether to show the count in red: entries returned to fix)
        "by_status": [(label, figures[value], value,
                       value == ActivityStatus.RETURNED and figures[value] > 0)
                      for value, label in ActivityStatus.choices],
        "counted": figures[ActivityStatus.SUBMITTED] + figures[ActivityStatus.CONFIRMED],
        "deadline": _deadline(year, month, today),
        "previous": previous if previous["days_left"] >= 0 else None,
        "previous_unfinished": figures["previous_unfinished"],
        "returned_count": figures["returned_all"] - len(locked),
        "returned": returned[:PANEL_LIST_LIMIT], "locked": locked,
        "reopened": reopened,
    }


LOCKED_LIST_LIMIT = 20


def _locked_returned(rows):
    """Returned entries of closed months, each with its month's latest 补录申请 (two queries)."""
    locked = list(rows.select_related("org").order_by("date", "id")[:LOCKED_LIST_LIMIT])
    if not locked:
        return []
    requests = ReopenRequest.objects.filter(
        org_id__in={a.org_id for a in locked},
        year__in={a.date.year for a in locked}).order_by("requested_at", "id")
    latest = {(r.org_id, r.year, r.month): r for r in requests}  # the later one wins
    for activity in locked:
        activity.reopen_request = latest.get((activity.org_id, activity.date.year,
                                              activity.date.month))
        activity.request_pending = (activity.reopen_request is not None and
                                    activity.reopen_request.status
                                    == ReopenRequestStatus.PENDING)
    return locked


def _silent_villages(villages, year, month):
    """Annotate whether each village logged a counted activity in the month."""
    logged = Activity.objects.filter(org=OuterRef("pk"), status__in=COUNTED).filter(
        _month_q("", year, month))
    return villages.annotate(logged=Exists(logged))


def _township_panel(request):
    """乡镇管理员: villages silent this month, entries waiting for confirmation, months reopened."""
    paths = _role_paths(request.user, TOWNSHIP_ADMIN)
    if not paths:
        return None
    today = timezone.localdate()
    villages = _silent_villages(
        Organization.objects.filter(under_any_path("path", paths), kind=OrgKind.VILLAGE,
                                    is_active=True), today.year, today.month)
    figures = villages.aggregate(total=Count("id"), silent=Count("id", filter=Q(logged=False)))
    silent = list(villages.filter(logged=False).order_by("path")
                  .values_list("name", flat=True)[:PANEL_LIST_LIMIT * 2])
    in_scope = under_any_path("org__path", paths)
    waiting = Activity.objects.filter(in_scope, status=ActivityStatus.SUBMITTED).count()
    reopenings = MonthReopening.objects.filter(in_scope, expires_at__gt=timezone.now())
    requests = ReopenRequest.objects.filter(in_scope, status=ReopenRequestStatus.PENDING).count()
    reopened = list(reopenings.select_related("org").order_by("expires_at", "id")
                    [:PANEL_LIST_LIMIT])
    if reopened:  # the panel changes when the first reopening expires
        valid_until(request, reopened[0].expires_at)
    return {
        "reopen_requests": requests,
        "year": today.year, "month": today.month,
        "villages": figures["total"], "silent_count": figures["silent"], "silent": silent,
        "waiting": waiting,
        "reopened_count": reopenings.count(),
        "reopened": reopened,
    }


def _quarter_start(day):
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _talent_panel(request):
    """城市人才: my village service activities this month and this quarter (seed 004 四.四.2:
    at least one a month)."""
    if not role_org_ids(request.user, TALENT):
        return None
    today = timezone.localdate()
    person = Person.objects.filter(user=request.user).only("id", "name").first()
    if person is None:
        return {"person": None, "hint": MONTHLY_HINT}
    quarter = _quarter_start(today)
    month_start = today.replace(day=1)
    mine = Participation.objects.filter(
        person=person, activity__status__in=COUNTED, activity__org__kind=OrgKind.VILLAGE,
        activity__date__gte=quarter, activity__date__lte=today)
    in_month = Q(activity__date__gte=month_start)
    figures = mine.aggregate(
        month_count=Count("activity", distinct=True, filter=in_month),
        month_hours=Sum("hours", filter=in_month),
        quarter_count=Count("activity", distinct=True), quarter_hours=Sum("hours"))
    recent = list(mine.select_related("activity__org")
                  .order_by("-activity__date", "-id")[:PANEL_LIST_LIMIT])
    return {
        "person": person, "month": today.month,
        "quarter": (today.month - 1) // 3 + 1,
        "month_count": figures["month_count"], "month_hours": figures["month_hours"] or 0,
        "quarter_count": figures["quarter_count"],
        "quarter_hours": figures["quarter_hours"] or 0,
        "recent": recent, "hint": MONTHLY_HINT,
    }


def _county_panel(request):
    """县委组织部 and 领导: this month's activities, participations and silent villages."""
    user = request.user
    today = timezone.localdate()
    first = month_range(today.year, today.month)[0]
    # Counted activities and participations from the month's tallies (ledger/tallies.py): the
    # month's person tallies (~130,000 rows at city scale, 80 ms) are not read.
    everything = scope_holds_every_org(user, "ledger.view")
    activities = Activity.objects.all() if everything else Activity.objects.visible_to(user)
    waiting = (activities.filter(_month_q("", today.year, today.month),
                                 status=ActivityStatus.SUBMITTED).count())
    if everything:
        # The whole tree: the month's township roll-up (ledger/township_tally.py) holds the
        # sums and the villages that logged, a few hundred rows where the org tallies were
        # 4,000 probes and more (12 ms at city scale).
        sums = TownshipMonthTally.objects.filter(month=first).aggregate(
            n=Sum("activities"), people=Sum("participations"),
            logged=Sum("active_orgs", filter=Q(kind=OrgKind.VILLAGE, org_active=True)))
        # The active villages from the organizations per township (portal.org_tally).
        total = (TownshipOrgTally.objects.filter(kind=OrgKind.VILLAGE, is_active=True)
                 .aggregate(n=Sum("orgs"))["n"] or 0)
        villages = {"total": total, "silent": total - (sums["logged"] or 0)}
    else:
        sums = (OrgMonthTally.objects.filter(scope_q(user, "ledger.view", "org__path"),
                                             month=first)
                .aggregate(n=Sum("activities"), people=Sum("participations")))
        # A village logged this month when its tally of the month is above 0: one probe of
        # the tally's covering index per village instead of its activities.
        logged = OrgMonthTally.objects.filter(org=OuterRef("pk"), month=first,
                                              activities__gt=0)
        villages = (Organization.objects.visible_to(user, "ledger.view")
                    .filter(kind=OrgKind.VILLAGE, is_active=True)
                    .annotate(logged=Exists(logged))
                    .aggregate(total=Count("id"), silent=Count("id", filter=Q(logged=False))))
    counted, participations = sums["n"] or 0, sums["people"] or 0
    return {
        "year": today.year, "month": today.month,
        "activities": counted, "waiting": waiting,
        "participations": participations,
        "villages": villages["total"], "silent": villages["silent"],
    }


register_panel(Panel("ledger_own", "本月台账", "ledger/panels/own.html",
                     frozenset({VILLAGE_SECRETARY, UNIT_CONTACT}), _own_ledger_panel, order=11))
register_panel(Panel("ledger_township", "台账督办", "ledger/panels/township.html",
                     frozenset({TOWNSHIP_ADMIN}), _township_panel, order=14))
register_panel(Panel("ledger_talent", "我的服务活动", "ledger/panels/talent.html",
                     frozenset({TALENT}), _talent_panel, order=11))
register_panel(Panel("ledger_county", "活动台账概况", "ledger/panels/county.html",
                     frozenset({COUNTY_ADMIN, LEADER}), _county_panel, order=14,
                     width="col-12"))
