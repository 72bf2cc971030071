"""Data functions for the monthly dispatch (每月调度) and the township half-year report figures.

Every figure is one grouped query over all the villages concerned (keyed by village id or by
the township's path prefix), so a page or a report runs the same number of queries for a
township of 5 villages or a county of 500. Only counted activities (submitted or confirmed)
enter the figures; drafts and returned entries do not.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractMonth, Substr
from django.utils import timezone

from ledger.models import (
    Activity,
    OrgMonthTally,
    Participation,
    PersonMonthTally,
    RequestStatus,
    ResidentRequest,
    TalentMonthTally,
    TownshipMonthTally,
)
from ledger.periods import month_range
from pairing.models import (
    Claim,
    ClaimStatus,
    JointMeeting,
    Need,
    NeedDeadlineTally,
    NeedStatus,
    Pairing,
)
from portal import trigger_sql
from portal.models import Organization, Person, TownshipOrgTally
from portal.models.orgs import OrgKind
from portal.scope import under_any_path
from portal.subqueries import count_per

TOWNSHIP_PREFIX = 2 * Organization.steplen
HALF_MONTHS = {1: range(1, 7), 2: range(7, 13)}


# ---------------------------------------------------------------- monthly dispatch (每月调度)

COUNTED = ("submitted", "confirmed")  # ActivityQuerySet.counted(), for lookups across joins


@dataclass
class DispatchRow:
    """One village (or, in the all-townships table, one township) of the monthly dispatch."""

    label: str
    org_id: int
    township: str = ""
    villages: int = 0
    activities: int = 0
    participations: int = 0
    talents: int = 0
    needs_open: int = 0
    needs_overdue: int = 0
    claims_waiting: int = 0
    silent: int = 0  # active villages without a counted activity in the month
    silent_names: list = field(default_factory=list)  # their names, for the rows listed


SUMMED = ("activities", "participations", "needs_open", "needs_overdue", "claims_waiting",
          "silent")


@dataclass
class Dispatch:
    year: int
    month: int
    township: object = None  # the chosen township, or None for the all-townships table
    rows: list = field(default_factory=list)  # all-townships table: the `shown` townships
    total: DispatchRow = field(default_factory=lambda: DispatchRow("合计", 0))

    @property
    def silent_villages(self):
        """(township name, village name) of every silent village of the rows, in tree order."""
        if self.township is not None:
            return [(row.township, row.label) for row in self.rows if row.silent]
        return [(row.label, name) for row in self.rows for name in row.silent_names]


def _unfilled_q():
    """The need deadline tally's `unfilled`: open, places not all confirmed (past its deadline
    such a need is overdue: pairing.services.needs.overdue_q)."""
    confirmed_n = count_per(Claim.objects.filter(status=ClaimStatus.CONFIRMED), "need")
    return Q(status=NeedStatus.PUBLISHED) & Q(places__gt=confirmed_n)


def _overdue_q(today):
    """Pairing's overdue rule on needs: unfilled and past the deadline. The deadline comes
    first, so only needs past it count their confirmed claims, each on the claims' need
    index: the needs of this month past their deadline (~1,000 at city scale) probe their own
    few claims, where one hashed set of every confirmed claim read all the claims (~14,000)
    per view."""
    return Q(deadline__lt=today) & _unfilled_q()


@dataclass
class NeedFigures:
    """How the dispatch reads its need figures (`_need_figures`): `aggregates` over the need
    deadline tally's cells; `raw`, this month's needs counted raw as `raw_name` (None without
    overdue needs); `_add_overdue_now` makes the overdue figure of the two."""

    aggregates: dict
    raw: object = None
    raw_name: str = ""


def _need_figures(today, overdue=True) -> NeedFigures:
    """The need figures of the dispatch.

    Open needs and claims awaiting confirmation are the sums of the tally's cells
    (pairing.need_deadline_tally: a city's 16,000 open needs and 2,800 awaiting claims were
    counted per view, 41 and 25 ms). Overdue needs: the unfilled ones of the cells of months
    before today's, all past their deadline, and those of this month — the one month the
    rule's date splits — past their deadline, counted raw over the deadline index. Early in
    the month those are a few days' needs; late in the month, most of the month's (a city's
    ~1,300 on its last day, 7 ms), so from the middle on they are this month's cell's unfilled
    needs less the few not yet due, counted raw (today to the month's end). The two reads
    must see one state of the needs: dispatch_summary reads in one snapshot."""
    first, following = month_range(today.year, today.month)
    needs = {"needs_open": Sum("open"), "claims_waiting": Sum("waiting")}
    if not overdue:
        return NeedFigures(needs)
    # 0, not None, for a village whose cells are all of this month or later.
    needs["needs_overdue"] = Coalesce(Sum("unfilled", filter=Q(deadline_month__lt=first)), 0)
    if today - first <= following - today:
        return NeedFigures(needs, Need.objects.filter(_overdue_q(today), deadline__gte=first),
                           "_overdue_now")
    needs["_unfilled_now"] = Coalesce(Sum("unfilled", filter=Q(deadline_month=first)), 0)
    not_yet_due = Q(deadline__gte=today) & Q(deadline__lt=following) & _unfilled_q()
    return NeedFigures(needs, Need.objects.filter(not_yet_due), "_not_yet_due")


def _add_overdue_now(values):
    """This month's overdue needs (see _need_figures) added to the earlier months'."""
    now = values.pop("_overdue_now", None) or 0
    unfilled_now = values.pop("_unfilled_now", None)
    not_yet_due = values.pop("_not_yet_due", None) or 0
    if unfilled_now is not None:
        now += max(unfilled_now - not_yet_due, 0)
    if now:
        values["needs_overdue"] = (values.get("needs_overdue") or 0) + now


def _village_figures(village_ids, year, month, today):
    """{village id: {figure: value}} for the villages `village_ids`, four queries, and
    {village id: ids of the city talents who took part in its counted activities}.

    Activities and participations come from the monthly org tallies (ledger/tallies.py); the
    talents from the person tallies: a person's row for a village-month holds a count > 0
    exactly when they took part in a counted activity of it."""
    start = month_range(year, month)[0]
    figures = {}

    def put(rows, key):
        for row in rows:
            figures.setdefault(row.pop(key), {}).update(row)

    put(OrgMonthTally.objects.filter(org_id__in=village_ids, month=start)
        .values("org_id").annotate(activities=Sum("activities"),
                                   participations=Sum("participations")).order_by(), "org_id")
    tallies = PersonMonthTally.objects.filter(org_id__in=village_ids, month=start,
                                              participations__gt=0)
    talents = {}
    for org_id, person_id in (tallies.filter(talent=True)
                              .values_list("org_id", "person_id")):
        talents.setdefault(org_id, set()).add(person_id)
    needs = _need_figures(today)
    put(NeedDeadlineTally.objects.filter(village_org_id__in=village_ids)
        .values("village_org_id").annotate(**needs.aggregates).order_by(), "village_org_id")
    put(needs.raw.filter(village_org_id__in=village_ids).values("village_org_id")
        .annotate(**{needs.raw_name: Count("id")}).order_by(), "village_org_id")
    for values in figures.values():
        _add_overdue_now(values)
    return figures, talents


def _add_to(target, row):
    """Add a village's (or a township's) figures and silent villages into `target`."""
    target.villages += row.villages
    target.silent_names.extend(row.silent_names)
    for attr in SUMMED:
        setattr(target, attr, getattr(target, attr) + getattr(row, attr))


def dispatch_summary(townships, year, month, *, single=None, today=None,
                     shown=None, people=True, overdue=True) -> Dispatch:
    """The 每月调度 figures for one month of `townships` (Organization rows).

    With `single` (one township) the rows are its villages; otherwise one row per township
    naming its silent villages. `shown` (some of `townships`, e.g. a page of them; all when
    None) narrows the township rows, their talents and silent village names to those
    townships, while the total still covers every township. `people=False` leaves out the
    participations and talents of the township table (None): they read the month's person
    tallies, the costliest figures, which the county's org page does not show; nor does it
    show overdue needs, which `overdue=False` leaves out (None): each open need past its
    deadline looks up its confirmed claims. Open needs and waiting claims are as of today.

    Its reads see one state of the data (one snapshot: this month's overdue needs are a tally
    cell less a raw count, which a need filled between the two reads would skew)."""
    today = today or timezone.localdate()
    if single is None:
        townships = list(townships)
        if not townships:
            return Dispatch(year=year, month=month)
    with trigger_sql.one_snapshot(connection):
        if single is not None:
            return _dispatch_by_village(single, year, month, today)
        return _dispatch_by_township(townships, None if shown is None else list(shown),
                                     year, month, today, people, overdue)


def _dispatch_by_village(township, year, month, today) -> Dispatch:
    """One row per active village of `township`, from per-village grouped queries."""
    # Inactive villages too: they have no row, but a talent who served one still counts.
    villages = list(Organization.objects.filter(path__startswith=township.path,
                                                kind=OrgKind.VILLAGE)
                    .order_by("path").values_list("pk", "name", "is_active"))
    figures, talents = _village_figures([pk for pk, *_ in villages], year, month, today)
    dispatch = Dispatch(year=year, month=month, township=township)
    all_talents = set()
    for pk, name, is_active in villages:
        served = talents.get(pk, set())
        all_talents.update(served)
        if not is_active:
            continue
        row = DispatchRow(name, pk, township=township.name, villages=1, talents=len(served),
                          **figures.get(pk, {}))
        if not row.activities:
            row.silent, row.silent_names = 1, [name]
        dispatch.rows.append(row)
        _add_to(dispatch.total, row)
    dispatch.total.talents = len(all_talents)
    return dispatch


def _in_townships(queryset, paths, field="path", *, every_village=False):
    """`queryset` narrowed to the rows whose `field` (an organization path, or the roll-up's
    township) lies under one of the township `paths`, annotated with that township's path as
    `_township`. With `every_village` (every village lies under `paths`: see
    _villages_elsewhere), a queryset of village rows needs no narrowing: a city's 250 paths
    were a parameter list bound into each figure's query (~1 ms each) and compared with every
    village's path prefix.

    One short list of township paths whatever the number of villages (a county of 4,000
    villages passed their ids as 4,000 query parameters to every figure's query)."""
    township = F(field) if field == "township" else Substr(field, 1, TOWNSHIP_PREFIX)
    queryset = queryset.annotate(_township=township)
    return queryset if every_village else queryset.filter(_township__in=paths)


def _villages_per_township(paths):
    """({township path of `paths`: its active villages}, whether a village (open or closed)
    lies under none of `paths`): one query over the organizations per township
    (portal.org_tally), a few hundred rows where grouping the villages by their paths' prefix
    read a city's 4,000 (3 ms)."""
    listed = set(paths)
    counts, elsewhere = {}, False
    for township, active in (TownshipOrgTally.objects.filter(kind=OrgKind.VILLAGE, orgs__gt=0)
                             .values_list("township")
                             .annotate(n=Sum("orgs", filter=Q(is_active=True))).order_by()):
        if township in listed:
            counts[township] = active or 0
        else:
            elsewhere = True
    return counts, elsewhere


def _under_townships(queryset, paths, field):
    """`_in_townships` for a few townships (a page of them): the organizations are found by
    their paths' prefixes (the path index), not by cutting every organization's path: the
    month's person tallies of a page of 25 townships, not a city's 90,000 hashed."""
    return (queryset.filter(under_any_path(field, paths))
            .annotate(_township=Substr(field, 1, TOWNSHIP_PREFIX)))


def _active_that_month(start):
    """The village (OuterRef pk) had a counted activity in the month starting `start`."""
    return Exists(OrgMonthTally.objects.filter(org=OuterRef("pk"), month=start,
                                               activities__gt=0))


def _figure_queries(start, today, people, overdue):
    """(queryset, the path field of its organization, aggregates) of every figure but the
    villages (_villages_per_township) and the talents: each one query, grouped by township for
    the rows or aggregated for the total."""
    active = {"kind": OrgKind.VILLAGE, "is_active": True}
    # The month's participations from the org tallies too: a few thousand rows, where the
    # person tallies summed ~130,000 at city scale (200 ms).
    sums = {"activities": Sum("activities")}
    if people:
        sums["participations"] = Sum("participations")
    needs = _need_figures(today, overdue)
    # Activities, participations and the villages that logged (silent: the others) from the
    # month's township roll-up (ledger/township_tally.py): one row per township, where the
    # org tallies were a month's 4,000 villages and more at city scale.
    sums["_logged"] = Sum("active_orgs")
    return [
        (TownshipMonthTally.objects.filter(month=start, kind=OrgKind.VILLAGE, org_active=True),
         "township", sums),
        (NeedDeadlineTally.objects.filter(**_prefixed("village_org", active)),
         "village_org__path", needs.aggregates),
        *([(needs.raw.filter(**_prefixed("village_org", active)), "village_org__path",
            {needs.raw_name: Count("id")})] if overdue else []),
    ]


def _silent_from_logged(values):
    """Silent villages: the villages less those that logged (the roll-up's active ones)."""
    values["silent"] = (values.get("villages") or 0) - (values.pop("_logged", None) or 0)


def _township_figures(paths, shown_paths, year, month, today, people, overdue):
    """({township path: {figure: value}}, total, talents).

    With `shown_paths` (a page of the townships, or all), each figure is one query grouped by
    the township's path over every township of `paths` (the rows add up to the total), the
    talents per township for the shown ones only; the total is None. Without (the county's
    org page), the figures are the total only, each one ungrouped query over `paths`, and the
    rows are empty. Talents: the number of distinct talents across `paths` (None without
    `people`)."""
    start = month_range(year, month)[0]
    queries = _figure_queries(start, today, people, overdue)
    villages, elsewhere = _villages_per_township(paths)
    every_village = not elsewhere  # each figure counts villages only
    figures = {path: {"villages": villages.get(path, 0)} for path in paths}
    total = None
    if shown_paths:
        for queryset, field, aggregates in queries:
            for row in (_in_townships(queryset, paths, field, every_village=every_village)
                        .values("_township").annotate(**aggregates).order_by()):
                # A village made since the test above, under a township not listed: left out.
                figures.get(row.pop("_township"), {}).update(row)
        for values in figures.values():
            _silent_from_logged(values)
            _add_overdue_now(values)
    else:
        # Totals only: the same figures without grouping every need, claim and tally by
        # township (a city's 250).
        total = {"villages": sum(villages.values())}
        for queryset, field, aggregates in queries:
            total.update(_in_townships(queryset, paths, field, every_village=every_village)
                         .aggregate(**aggregates))
        _silent_from_logged(total)
        _add_overdue_now(total)
    all_talents = None
    if people:
        # Inactive villages too: a talent who served a village closed since still counts.
        in_villages = PersonMonthTally.objects.filter(
            month=start, participations__gt=0, **_prefixed("org", {"kind": OrgKind.VILLAGE}))
        talents = in_villages.filter(talent=True)
        if shown_paths:
            for path, n in _talents_by_township(talents, shown_paths).items():
                figures[path]["talents"] = n
        all_talents = _talents_in(paths, start, talents, every_village)
    return figures, total, all_talents


def _talents_by_township(talents, paths):
    """{township path: distinct city talents who served its villages} for the townships
    `paths` (a page of them), from `talents` (the month's person tallies of talents in
    villages): the talents' rows of the page's villages only, by their flag's partial index
    (ledger/talent_flag.py). Told by the month's talent tallies, a city's ~13,000 were hashed
    per view (10 ms); looking up each of a page's ~7,000 rows' person, 11-13 ms."""
    return dict(_under_townships(talents, paths, "org__path").values("_township")
                .annotate(n=Count("person", distinct=True)).order_by()
                .values_list("_township", "n"))


def _talents_in(paths, start, talents, every_village):
    """The distinct city talents of `talents` (the month's person tallies of talents in
    villages) who served villages under the township `paths`.

    When every village lies under those townships (`every_village`: a county-wide dispatch),
    they are the
    month's talent tallies — one row per active talent who served any village — and the
    talents who have left since (not is_active, so without a talent tally), looked up from
    the few such people: ~15,000 index entries counted instead of a distinct count over the
    month's person tallies (~85,000 at city scale, 25 ms). Otherwise that distinct count."""
    if not every_village:
        return (_in_townships(talents, paths, "org__path")
                .aggregate(n=Count("person", distinct=True))["n"])
    # Talent tallies exist only for active people: the two sets never share a person.
    active = TalentMonthTally.objects.filter(month=start, participations__gt=0)
    served = talents.filter(person=OuterRef("pk"))
    gone = Person.objects.filter(is_city_talent=True, is_active=False).filter(Exists(served))
    return (active.values("person_id").order_by()
            .union(gone.values("pk").order_by(), all=True).count())


def _prefixed(relation, lookups):
    """`lookups` on the organization reached through `relation`."""
    return {f"{relation}__{name}": value for name, value in lookups.items()}


def _silent_villages(paths, year, month):
    """(township path, name) of the active villages under `paths` with no counted activity in
    the month, in tree order: only the silent villages are read, not every village."""
    start = month_range(year, month)[0]
    villages = Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True)
    return (_under_townships(villages, paths, "path").filter(~_active_that_month(start))
            .order_by("path").values_list("_township", "name"))


def _dispatch_by_township(townships, shown, year, month, today, people, overdue) -> Dispatch:
    """One row per township of `shown` (every township when None), every figure grouped by the
    township's path in SQL, so a county of 250 townships and 4,000 villages runs the same
    queries as one of two townships. The total adds up every township of `townships` (with
    no township shown, from ungrouped queries); only the shown townships' silent villages are
    named (early in a month they can be most of a city's 4,000)."""
    dispatch = Dispatch(year=year, month=month)
    by_prefix = {t.path: DispatchRow(t.name, t.pk) for t in townships}
    if not by_prefix:
        return dispatch
    paths = list(by_prefix)
    shown_paths = paths if shown is None else [t.path for t in shown if t.path in by_prefix]
    figures, total, all_talents = _township_figures(paths, shown_paths, year, month, today,
                                                    people, overdue)
    for path, row in by_prefix.items():
        for attr, value in figures[path].items():
            setattr(row, attr, value or 0)
    # Named for the shown townships that have silent villages only: late in a month most have
    # none, and the names' query set every village's month tally against a page of villages.
    silent_paths = [path for path in shown_paths if figures[path].get("silent")]
    if silent_paths:
        for path, name in _silent_villages(silent_paths, year, month):
            by_prefix[path].silent_names.append(name)
    if total is None:
        for row in by_prefix.values():
            _add_to(dispatch.total, row)
    else:
        for attr in ("villages", *SUMMED):
            setattr(dispatch.total, attr, total.get(attr) or 0)
    # A talent who served villages of two townships counts once per township, once in total.
    dispatch.total.talents = all_talents
    dispatch.rows = [by_prefix[path] for path in shown_paths]
    for row in (*dispatch.rows, dispatch.total):
        if not people:
            row.participations = row.talents = None
        if not overdue:
            row.needs_overdue = None
    return dispatch


# ---------------------------------------------------------------- half-year report (004 四.二.3)

def half_bounds(year, half):
    """The half year as a half-open date range (first day, first day after it)."""
    months = HALF_MONTHS[half]
    return month_range(year, months[0])[0], month_range(year, months[-1])[1]


def township_report_figures(township, year, half, *, today=None) -> dict:
    """The figures of a township's half-year report, JSON-ready (money as a string).

    Activities by theme, participation, talents active, silent villages per month, needs
    published / claimed / confirmed, pairings and joint meetings held, villagers' requests."""
    today = today or timezone.localdate()
    start, end = half_bounds(year, half)
    under = township.path
    villages = list(Organization.objects.filter(path__startswith=under, kind=OrgKind.VILLAGE,
                                                is_active=True)
                    .order_by("path").values_list("pk", "name"))
    activities = Activity.objects.counted().filter(org__path__startswith=under,
                                                   org__kind=OrgKind.VILLAGE,
                                                   date__gte=start, date__lt=end)
    by_theme = [{"theme": name, "count": n} for name, n in
                activities.values("theme__order", "theme__name").annotate(n=Count("id"))
                .order_by("theme__order", "theme__name").values_list("theme__name", "n")]
    totals = activities.aggregate(activities=Count("id"), funds=Sum("funds"),
                                  beneficiaries=Sum("beneficiaries"))
    people = Participation.objects.filter(activity__in=activities).aggregate(
        participations=Count("id"), people=Count("person", distinct=True),
        talents=Count("person", distinct=True, filter=Q(person__is_city_talent=True)),
        hours=Sum("hours"))
    active_months = set(activities.annotate(m=ExtractMonth("date")).values_list("org_id", "m")
                        .distinct().order_by())
    silent = []
    for month in HALF_MONTHS[half]:
        if datetime.date(year, month, 1) > today:
            silent.append({"month": month, "future": True, "count": 0, "villages": []})
            continue
        names = [name for pk, name in villages if (pk, month) not in active_months]
        silent.append({"month": month, "future": False, "count": len(names), "villages": names})
    needs = Need.objects.filter(village_org__path__startswith=under,
                                created_at__date__gte=start,
                                created_at__date__lt=end).aggregate(
        published=Count("id", distinct=True),
        claimed=Count("id", distinct=True, filter=Q(claims__status__in=[
            ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED])),
        confirmed=Count("id", distinct=True, filter=Q(claims__status=ClaimStatus.CONFIRMED)))
    pairings = Pairing.objects.active().filter(village_org__path__startswith=under)
    meetings = JointMeeting.objects.filter(pairing__village_org__path__startswith=under,
                                           year=year, half=half)
    requests = ResidentRequest.objects.filter(village_org__path__startswith=under,
                                              date__gte=start, date__lt=end).aggregate(
        received=Count("id"),
        published=Count("id", filter=Q(need__isnull=False)),
        resolved=Count("id", filter=Q(status=RequestStatus.RESOLVED)))
    return {
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "period": {"year": year, "half": half, "start": start.isoformat(),
                   "end": (end - datetime.timedelta(days=1)).isoformat()},  # last day
        "villages": len(villages),
        "activities": totals["activities"],
        "funds": f"{totals['funds'] or 0:.2f}",
        "beneficiaries": totals["beneficiaries"] or 0,
        "by_theme": by_theme,
        "participations": people["participations"],
        "people": people["people"],
        "talents_active": people["talents"],
        "hours": f"{people['hours'] or 0:.1f}",
        "silent_by_month": silent,
        "needs": needs,
        "pairings": pairings.count(),
        "meetings_held": meetings.count(),
        "pairings_met": pairings.filter(meetings__year=year, meetings__half=half)
        .values("pk").distinct().count(),
        "requests": requests,
    }


def report_overview(figures) -> list[tuple[str, str]]:
    """(label, value) rows of a report's headline figures, for the page and the PDF alike."""
    if not figures:
        return []
    needs, requests = figures.get("needs", {}), figures.get("requests", {})
    pairings, met = figures.get("pairings", 0), figures.get("pairings_met", 0)
    return [
        ("村（社区）数", f"{figures.get('villages', 0)}个"),
        ("开展活动", f"{figures.get('activities', 0)}次"),
        ("参与人次", f"{figures.get('participations', 0)}人次"),
        ("参与人数", f"{figures.get('people', 0)}人"),
        ("参与活动的城市人才", f"{figures.get('talents_active', 0)}人"),
        ("服务时长", f"{figures.get('hours', '0')}小时"),
        ("受益群众", f"{figures.get('beneficiaries', 0)}人"),
        ("投入资金", f"¥{float(figures.get('funds', 0)):,.2f}"),
        ("发布需求", f"{needs.get('published', 0)}项"),
        ("已认领需求", f"{needs.get('claimed', 0)}项"),
        ("已确认完成需求", f"{needs.get('confirmed', 0)}项"),
        ("结对关系", f"{pairings}对"),
        ("召开联席会议", f"{figures.get('meetings_held', 0)}次（{met}/{pairings}对已召开）"),
        ("收集民情诉求", f"{requests.get('received', 0)}条（发布为需求"
                     f"{requests.get('published', 0)}条，办结{requests.get('resolved', 0)}条）"),
    ]


def computed_at(figures):
    """When the stored figures were compiled (an aware datetime), or None."""
    try:
        return datetime.datetime.fromisoformat(figures["computed_at"])
    except (KeyError, TypeError, ValueError):
        return None
