"""履职情况 (compliance): who was active in which month, as three org/person × month matrices.

- Org × month: counted activities (submitted + confirmed) each village (or unit, community)
  logged per month.
- Talent × month (004 四.四.2, each city talent joins at least one village service activity a
  month): counted activities of village organizations each city talent took part in.
- Unit × month (004 四.一.1, each county unit contacts its paired villages every month): counted
  activities that link a city organization with its villages (see `unit_matrix`).

One data function per matrix feeds both the page and the Excel export, so they always agree.
Each function runs a constant number of grouped queries over the monthly tallies
(ledger/tallies.py, kept by the database with every write), so its cost follows the number of
rows and months shown, not the number of activities or participations behind them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from ledger.models import (
    Activity,
    ActivityStatus,
    OrgMonthTally,
    PairedUnitMonthTally,
    Participation,
    PersonMonthTally,
    TalentMonthTotal,
    TownshipMonthTally,
    UnitMonthTally,
)
from ledger.periods import date_from_cursor, month_range, months_back
from pairing.models import Pairing, PairingStatus
from portal import org_tally
from portal.models import Organization, OrgPeopleTally, Person
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.scope import has_capability, scope_q, under_any_path
from portal.spreadsheets import Column, new_workbook, sheet_caption, workbook_bytes, write_sheet

CAPABILITY = "ledger.compliance"
# The statuses ActivityQuerySet.counted() keeps, for filters across a join (tested to agree).
COUNTED_STATUSES = (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
LAST_12 = "last12"
TOWNSHIP_PREFIX = 2 * Organization.steplen
COUNTY_DIRECT = "县直属"
# Org kinds the org × month matrix offers, villages first (the default).
MATRIX_KINDS = (OrgKind.VILLAGE, OrgKind.UNIT, OrgKind.COMMUNITY)

TALENT_HELP = (
    "行为城市人才（在册），列为其参加的村级活动数（已提交或已确认的村党组织活动）；"
    "每名城市人才每月至少参加 1 次村级服务活动，为 0 的月份标红。"
    "全县范围统计全县所有城市人才；乡镇范围统计所在单位与本乡镇村结对（结对中）或单位隶属本乡镇的"
    "城市人才，且只计本乡镇村的活动。"
)
UNIT_HELP = (
    "行为与本范围内的村有结对关系（结对中）的城市单位。一项活动（已提交或已确认）计入单位当月联系村数，"
    "只要满足其一：① 活动关联了该单位的结对关系（结对村在本范围内）；② 活动由该单位自己登记"
    "（单位在本范围内）；③ 活动由其结对村登记且该单位的城市人才参加。"
    "同一活动只计一次；为 0 的月份标红。"
)
ORG_HELP = ("单元格为该组织当月已提交或已确认的活动数（草稿和已退回的不计）；"
            "已开始的月份为 0 时标红。")


# --- Periods ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """The months shown as columns: one calendar year, or the twelve months up to this one."""

    key: str
    label: str
    months: tuple  # ((year, month), ...) oldest first

    @property
    def start(self) -> datetime.date:
        return month_range(*self.months[0])[0]

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        return month_range(*self.months[-1])[1]


def period_for(key, today=None) -> Period:
    """The period for a form value: a year ("2026") or LAST_12; anything else gives LAST_12."""
    today = today or timezone.localdate()
    if str(key).isdigit() and 2000 <= int(key) <= 2100:
        year = int(key)
        return Period(str(year), f"{year}年", tuple((year, m) for m in range(1, 13)))
    return Period(LAST_12, "最近12个月", tuple(months_back(today, 12)))


def month_period(year, month) -> Period:
    return Period(f"{year}-{month}", f"{year}年{month}月", ((year, month),))


def period_choices(today=None):
    today = today or timezone.localdate()
    return [(LAST_12, "最近12个月")] + [(str(y), f"{y}年")
                                       for y in range(today.year, today.year - 6, -1)]


def _in_period(prefix, period):
    return Q(**{f"{prefix}date__gte": period.start, f"{prefix}date__lt": period.end})


# --- Areas -----------------------------------------------------------------------------------

def compliance_areas(user):
    """The county and townships the user may see the matrices of, widest first."""
    return (Organization.objects.filter(scope_q(user, CAPABILITY, "path"))
            .filter(kind__in=[OrgKind.COUNTY, OrgKind.TOWNSHIP], is_active=True)
            .order_by("depth", "path"))


def _check_area(user, area):
    if not has_capability(user, CAPABILITY, area):
        raise PermissionDenied("您没有查看该范围履职情况的权限。")


def _is_county_wide(area):
    return area.kind == OrgKind.COUNTY


# --- Matrix structure ------------------------------------------------------------------------

@dataclass
class MatrixCell:
    year: int
    month: int
    count: int = 0
    started: bool = True
    url: str = ""  # the activities behind the cell, set by the view

    @property
    def red(self):
        return self.started and self.count == 0


@dataclass
class MatrixRow:
    pk: int
    label: str
    group: str = ""
    extra: str = ""  # a second descriptive column (home unit, paired villages)
    cells: list = field(default_factory=list)

    @property
    def total(self):
        return sum(cell.count for cell in self.cells)

    @property
    def silent_months(self):
        return sum(cell.red for cell in self.cells)


@dataclass
class MatrixGroup:
    label: str
    rows: list = field(default_factory=list)
    size: int = 0  # its rows in the whole matrix, known before they are built (for paging)

    def totals(self):
        return [sum(col) for col in zip(*[[c.count for c in r.cells] for r in self.rows],
                                        strict=True)]

    def total(self):
        return sum(row.total for row in self.rows)


@dataclass
class Matrix:
    """Rows × the period's months; `column_totals` and `column_silent` cover every row of the
    matrix (all pages of a paginated one), `rows` only those shown."""

    area: Organization
    period: Period
    title: str
    row_header: str
    extra_header: str = ""
    rows: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    grouped: bool = False
    group_totals: bool = False  # groups hold every row, not one page
    row_count: int = 0
    column_totals: list = field(default_factory=list)
    column_silent: list = field(default_factory=list)
    started: list = field(default_factory=list)
    page: object = None

    @property
    def months(self):
        return self.period.months

    @property
    def total(self):
        return sum(self.column_totals)

    @property
    def show_extra(self):
        """The extra column appears when rows are not already grouped by it."""
        return bool(self.extra_header) and not self.grouped

    @property
    def silent_cells(self):
        return list(zip(self.column_silent, self.started, strict=True))

    @property
    def width(self):
        return 1 + self.show_extra + len(self.months) + 2

    @property
    def latest_index(self):
        """Index of the last month that has started, or None when none has."""
        started = [i for i, on in enumerate(self.started) if on]
        return started[-1] if started else None

    @property
    def latest_month(self):
        index = self.latest_index
        return None if index is None else self.months[index]

    @property
    def silent_latest(self):
        index = self.latest_index
        return None if index is None else self.column_silent[index]


def _started(period, today):
    return [(y, m) <= (today.year, today.month) for y, m in period.months]


def _month_key(value):
    """(year, month) of a tally's month (its first day)."""
    return (value.year, value.month)


def _fill(matrix, rows, counts):
    """Give each row its cells from {(pk, (year, month)): count}."""
    for row in rows:
        row.cells = [MatrixCell(y, m, counts.get((row.pk, (y, m)), 0), started)
                     for (y, m), started in zip(matrix.months, matrix.started, strict=True)]
    matrix.rows = rows


def _complete_columns(matrix):
    """Column totals and silent counts over the rows (when every row is shown)."""
    matrix.row_count = len(matrix.rows)
    matrix.column_totals = [sum(r.cells[i].count for r in matrix.rows)
                            for i in range(len(matrix.months))]
    matrix.column_silent = [sum(r.cells[i].red for r in matrix.rows)
                            for i in range(len(matrix.months))]


def _tally_counts(tallies, key, count):
    """{(key, (year, month)): n} of one grouped query over tallies, summing `count`."""
    rows = tallies.values(key, "month").annotate(_n=Sum(count)).order_by()
    result = defaultdict(int)
    # Tuples, not dicts: a county-wide org matrix reads ~5,000 of these per page.
    for pk, month, n in rows.values_list(key, "month", "_n"):
        result[(pk, (month.year, month.month))] += n
    return result


def _tally_months(period):
    return Q(month__gte=period.start, month__lt=period.end)


# --- Org × month -----------------------------------------------------------------------------

def org_activities(area, kind, period):
    """Counted activities of `kind` organizations in `area` during `period`."""
    return (Activity.objects.counted()
            .filter(_in_period("", period), org__path__startswith=area.path, org__kind=kind,
                    org__is_active=True))


def _area_orgs_q(area, kind, prefix=""):
    """Q for the active organizations of `kind` in `area` (the org matrix's rows), on
    Organization fields under `prefix`."""
    return Q(**{f"{prefix}path__startswith": area.path, f"{prefix}kind": kind,
                f"{prefix}is_active": True})


def org_matrix(user, area, period, kind=OrgKind.VILLAGE, today=None, *,
               paginate=None) -> Matrix:
    """Organizations of `kind` in `area` × months; grouped by township for the county.

    County-wide, `paginate(groups)` returns the page of township groups to show: only those
    groups' rows are built (`_paged_org_matrix`); without it every row is (the Excel, the
    township matrices). Column figures always cover every row of the area."""
    _check_area(user, area)
    today = today or timezone.localdate()
    label = OrgKind(kind).label
    matrix = Matrix(area=area, period=period, title=f"{area.name}{label}活动开展情况",
                    row_header=label, started=_started(period, today),
                    grouped=_is_county_wide(area), group_totals=True)
    townships = {}
    if matrix.grouped:
        townships = dict(Organization.objects.filter(path__startswith=area.path,
                                                     kind=OrgKind.TOWNSHIP)
                         .values_list("path", "name"))
        if paginate is not None:
            return _paged_org_matrix(matrix, kind, townships, paginate)
    orgs = list(Organization.objects.filter(_area_orgs_q(area, kind))
                .order_by("path").values_list("pk", "path", "name"))
    counts = _tally_counts(
        OrgMonthTally.objects.filter(_tally_months(period), _area_orgs_q(area, kind, "org__")),
        "org_id", "activities")
    rows = []
    for pk, path, name in orgs:
        group = _township_label(townships, path) if matrix.grouped else ""
        rows.append(MatrixRow(pk=pk, label=name, group=group))
    _fill(matrix, rows, counts)
    _complete_columns(matrix)
    matrix.groups = _groups(rows, [townships[p] for p in sorted(townships)])
    if matrix.grouped:
        matrix.rows = [row for group in matrix.groups for row in group.rows]
    return matrix


def _township_label(townships, path):
    """The group of an org in the county-wide matrix: its township, or 县直属."""
    return townships.get(path[:TOWNSHIP_PREFIX], COUNTY_DIRECT)


def _paged_org_matrix(matrix, kind, townships, paginate):
    """The county-wide org matrix of one page of townships: the groups come from one grouped
    count of the orgs by township, rows and tallies are read for the shown groups only, and
    the column figures for the whole county come from one grouped query by month of the
    township roll-up — so the page's cost follows the townships shown, not the county's 4,000
    villages."""
    area = matrix.area
    orgs = (Organization.objects.filter(_area_orgs_q(area, kind))
            .annotate(_township=Substr("path", 1, TOWNSHIP_PREFIX)))
    # The organizations per township (portal.org_tally): ~250 rows at city scale, where
    # grouping the organizations cut and sorted 4,000 villages' paths (5 ms).
    by_township = org_tally.orgs_per_township(kind, [area.path]).items()
    prefixes = defaultdict(list)  # group label → township paths (path prefixes) in it
    sizes = defaultdict(int)  # group label → its organizations
    for prefix, n in by_township:
        label = _township_label(townships, prefix)
        prefixes[label].append(prefix)
        sizes[label] += n
        matrix.row_count += n
    order = [townships[p] for p in sorted(townships)]
    labels = [label for label in dict.fromkeys([*order, *prefixes]) if label in prefixes]
    matrix.page = paginate([MatrixGroup(label, size=sizes[label]) for label in labels])
    matrix.groups = list(matrix.page.object_list)
    shown = _org_groups_q(matrix.groups, prefixes, townships)
    shown_orgs = orgs.filter(shown).order_by("path")
    counts = _tally_counts(
        OrgMonthTally.objects.filter(_tally_months(matrix.period),
                                     org__in=shown_orgs.values("pk")),
        "org_id", "activities")
    groups = {group.label: group for group in matrix.groups}
    rows = []
    for pk, path, name in shown_orgs.values_list("pk", "path", "name"):
        row = MatrixRow(pk=pk, label=name, group=_township_label(townships, path))
        groups[row.group].rows.append(row)
        rows.append(row)
    _fill(matrix, rows, counts)
    matrix.rows = [row for group in matrix.groups for row in group.rows]
    if _shows_every_row(matrix):
        _complete_columns(matrix)
        return matrix
    # The county's township roll-up (ledger/township_tally.py): a few hundred rows a year,
    # where the org tallies were 120,000 at city scale.
    per_month = (TownshipMonthTally.objects
                 .filter(_tally_months(matrix.period), township__startswith=area.path,
                         kind=kind, org_active=True)
                 .values("month")
                 .annotate(_n=Sum("activities"), _active=Sum("active_orgs"))
                 .order_by().values_list("month", "_n", "_active"))
    _set_columns(matrix, per_month)
    return matrix


def _shows_every_row(matrix):
    """Whether the page holds the whole matrix (a small county's townships), whose column
    figures then come from its rows rather than from one more grouped query."""
    return matrix.page.paginator.num_pages == 1


def _org_groups_q(groups, prefixes, townships):
    """Q for the orgs of the shown groups: a township's are found by its path's range of the
    path index (cutting every organization's path to compare it read a city's 4,000 villages
    for a page of three townships); 县直属 is every org under no township (on an `_township`
    path-prefix annotation), which may be many prefixes (each county unit its own)."""
    query = under_any_path("path", [p for group in groups for p in prefixes[group.label]
                                    if p in townships])
    if any(group.label == COUNTY_DIRECT for group in groups):
        query |= ~Q(_township__in=list(townships))
    return query


def _set_columns(matrix, per_month):
    """Column totals and silent counts from (month, total, rows active that month) of a
    grouped query over every row of the matrix: a started month's silent rows are the
    rows less the active ones (the counts are never negative)."""
    totals, active = {}, {}
    for month, total, n_active in per_month:
        totals[_month_key(month)] = total
        active[_month_key(month)] = n_active
    matrix.column_totals = [totals.get(m, 0) for m in matrix.months]
    matrix.column_silent = [matrix.row_count - active.get(m, 0) if started else 0
                            for m, started in zip(matrix.months, matrix.started, strict=True)]


def _groups(rows, order):
    """Rows gathered by their group label, in `order` (others after, in first-seen order)."""
    groups = {label: MatrixGroup(label) for label in order}
    for row in rows:
        groups.setdefault(row.group, MatrixGroup(row.group)).rows.append(row)
    return [group for group in groups.values() if group.rows]


def org_month_activities(org, year, month):
    """The counted activities behind one org × month cell."""
    return Activity.objects.counted().filter(org=org).in_month(year, month)


# --- Talent × month --------------------------------------------------------------------------

def _talent_q(area, *, home_org=None, search="", prefix=""):
    """Q for the area's talents (see TALENT_HELP) on Person fields under `prefix`; written as
    joins rather than `person__in=<subquery>`, which SQLite plans badly at county scale."""

    def q(**lookups):
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    query = q(is_city_talent=True, is_active=True)
    if _is_county_wide(area):
        query &= q(home_org__path__startswith=area.path)
    else:
        query &= q(home_org_id__in=_talent_homes(area))
    if home_org is not None:
        query &= q(home_org=home_org)
    search = (search or "").strip()
    if search:  # as PersonQuerySet.search, without the ID-number branch
        query &= q(name__icontains=search) | q(phone=search)
    return query


def _talent_homes(area) -> list:
    """Ids of the organizations whose active talents a township answers for (see TALENT_HELP):
    those under it and the city units paired with its villages, a few dozen, read by one
    UNION query. As an OR of the two (path prefix or paired unit) inside the talent queries,
    PostgreSQL tested every talent and organization of a city against it: the count 23 ms,
    the unit filter 12 ms (city scale).

    Read once per `area` instance (a request's): the talent page's unit filter and its matrix
    ask for the same ids."""
    homes = getattr(area, "_talent_homes", None)
    if homes is None:
        under = Organization.objects.filter(path__startswith=area.path).order_by().values("pk")
        paired = Pairing.objects.filter(status=PairingStatus.ACTIVE,
                                        village_org__path__startswith=area.path)
        homes = area._talent_homes = sorted(
            under.union(paired.order_by().values("city_org")).values_list("pk", flat=True))
    return homes


def talents_in(area):
    """City talents (active) whose compliance the area answers for (see TALENT_HELP)."""
    return Person.objects.filter(_talent_q(area))


def _talent_activity_q(area, period, prefix=""):
    """Q for counted activities of villages in `area` during `period`, on Activity fields
    under `prefix`: what a talent's cell counts."""
    return (Q(**{f"{prefix}status__in": COUNTED_STATUSES}) & _in_period(prefix, period)
            & Q(**{f"{prefix}org__kind": OrgKind.VILLAGE,
                   f"{prefix}org__path__startswith": area.path}))


def talent_activities(area, period):
    return Activity.objects.filter(_talent_activity_q(area, period))


def talent_units(area):
    """Home organizations of the area's talents, for the filter: the area's part of
    `_talent_q` on the organizations themselves, the homes of active talents read from the
    people tally (OrgPeopleTally.talents, one row per organization) rather than from every
    talent (a city's 30,000 hashed per view: 24 ms under load)."""
    homes = OrgPeopleTally.objects.filter(talents__gt=0).values("org_id")
    in_area = (Q(path__startswith=area.path) if _is_county_wide(area)
               else Q(pk__in=_talent_homes(area)))
    return Organization.objects.filter(in_area, pk__in=homes).order_by("path")


def filtered_talents(area, *, home_org=None, search=""):
    return (Person.objects.filter(_talent_q(area, home_org=home_org, search=search))
            .select_related("home_org").order_by("home_org__path", "name", "id"))


def talent_matrix(user, area, period, *, home_org=None, search="", paginate=None,
                  today=None) -> Matrix:
    """City talents × months. `paginate(queryset, count=None)` returns the page to show
    (`count`: the number of rows when a tally tells it); without it every talent is a row
    (the Excel). Column figures always cover every filtered talent."""
    _check_area(user, area)
    today = today or timezone.localdate()
    matrix = Matrix(area=area, period=period, title=f"{area.name}城市人才参加村级活动情况",
                    row_header="城市人才", extra_header="所在单位",
                    started=_started(period, today), grouped=True)
    talents = filtered_talents(area, home_org=home_org, search=search)
    unfiltered = home_org is None and not (search or "").strip()
    if paginate is not None:
        count = _talent_count(area) if unfiltered and _is_county_wide(area) else None
        matrix.page = paginate(talents, count=count)
        people = list(matrix.page.object_list)
        matrix.row_count = matrix.page.paginator.count
    else:
        people = list(talents)
        matrix.row_count = len(people)
    participations = PersonMonthTally.objects.filter(
        _tally_months(period), org__kind=OrgKind.VILLAGE, org__path__startswith=area.path,
        participations__gt=0)
    every_talent = participations.filter(_talent_q(area, home_org=home_org, search=search,
                                                   prefix="person__"))
    shown = (participations.filter(person_id__in=[p.pk for p in people])
             if paginate is not None else every_talent)
    counts = _tally_counts(shown, "person_id", "participations")
    rows = [MatrixRow(pk=p.pk, label=p.name, group=p.home_org.name, extra=p.home_org.name)
            for p in people]
    _fill(matrix, rows, counts)
    matrix.groups = _groups(rows, [])
    # Column figures over every filtered talent, not just this page: one grouped query.
    if unfiltered and _holds_every_org(area):
        per_month = _talent_tally_figures(period)
    else:
        per_month = _person_tally_figures(every_talent)
    _set_columns(matrix, per_month)
    return matrix


def _talent_count(area):
    """The active talents whose homes lie under `area` (a county's rows), summed from the
    people tally's talents per organization: a city's 1,500 talent homes instead of counting
    30,000 talents joined to their organizations (18 ms)."""
    return (OrgPeopleTally.objects.filter(org__path__startswith=area.path)
            .aggregate(n=Sum("talents"))["n"] or 0)


def _holds_every_org(area):
    """Whether `area` is the only root of the tree, so every talent and village lies in it;
    asked once per area object (a page asks it for several figures)."""
    if "_holds_every_org" not in area.__dict__:
        area.__dict__["_holds_every_org"] = area.depth == 1 and not (
            Organization.objects.filter(depth=1).exclude(pk=area.pk).exists())
    return area.__dict__["_holds_every_org"]


def _person_tally_figures(talent_tallies):
    """[(month, participations, talents active)] of the (person, org, month) tallies given."""
    return (talent_tallies.values("month")
            .annotate(_people=Count("person_id", distinct=True), _n=Sum("participations"))
            .order_by().values_list("month", "_n", "_people"))


def _talent_tally_figures(period):
    """The same figures for every talent and village of the tree, from the talent totals (the
    talent tallies summed per month in 16 buckets by a trigger): a year sums 192 rows instead
    of reading 184,000 talent tallies at city scale (65 ms -> well under 1)."""
    return (TalentMonthTotal.objects.filter(_tally_months(period))
            .values("month").annotate(_n=Sum("participations"), _people=Sum("talents"))
            .order_by().values_list("month", "_n", "_people"))


def talent_month_activities(person, area, year, month):
    """The activities behind one talent × month cell."""
    return talent_activities(area, month_period(year, month)).filter(participations__person=person)


# --- Unit × month ----------------------------------------------------------------------------

def _active_pairings(area):
    """The active pairings of villages in `area`; for the area holding the whole tree, every
    active pairing, without joining each village to test its path (a city's 5,811
    organizations read and hashed for every figure of the units page, 3-5 ms each)."""
    pairings = Pairing.objects.filter(status=PairingStatus.ACTIVE)
    if _holds_every_org(area):
        return pairings
    return pairings.filter(village_org__path__startswith=area.path)


def paired_units(area):
    """City organizations actively paired with villages in `area`, in tree order (their
    villages: `_village_counts`)."""
    if _holds_every_org(area):
        # One semi-join with the active pairings' units, not a probe per organization.
        paired = Q(pk__in=_active_pairings(area).values("city_org_id"))
    else:
        paired = Exists(_active_pairings(area).filter(city_org=OuterRef("pk")))
    return Organization.objects.filter(paired, kind__in=CITY_KINDS).order_by("path")


def _village_counts(area, units):
    """{unit pk: villages in `area` it is actively paired with} of the `units` shown: counted
    for them alone, so a page of units costs its own rows, not a grouping of every pairing of
    the area before the page is cut (4,663 at city scale)."""
    return dict(_active_pairings(area).filter(city_org__in=[u.pk for u in units])
                .values("city_org").annotate(n=Count("village_org", distinct=True))
                .order_by().values_list("city_org", "n"))


def _paired_unit_ids(area):
    """Ids of `paired_units(area)` as a subquery, without its per-unit village count."""
    return _active_pairings(area).filter(city_org__kind__in=CITY_KINDS).values("city_org_id")


def _unit_parts(area, period, units):
    """The three disjoint ways an activity counts for a unit (see UNIT_HELP), as
    (tally queryset, unit key) pairs restricted to `units` (ids or a subquery); disjoint, so
    their counts add up without overlap."""
    months = _tally_months(period)
    own_pairing = Pairing.objects.filter(pk=OuterRef("pairing_id"),
                                         village_org__path__startswith=area.path)
    by_pairing = OrgMonthTally.objects.filter(
        months, pairing__city_org__kind__in=CITY_KINDS,
        pairing__village_org__path__startswith=area.path, pairing__city_org__in=units)
    own = (OrgMonthTally.objects.filter(months, org__kind__in=CITY_KINDS,
                                        org__path__startswith=area.path, org__in=units)
           .exclude(Exists(own_pairing.filter(city_org=OuterRef("org_id")))))
    talents = (UnitMonthTally.objects.filter(months, org__kind=OrgKind.VILLAGE,
                                             org__path__startswith=area.path, activities__gt=0,
                                             unit__in=units)
               .filter(Exists(Pairing.objects.filter(status=PairingStatus.ACTIVE,
                                                     city_org=OuterRef("unit_id"),
                                                     village_org=OuterRef("org_id"))))
               .exclude(Exists(own_pairing.filter(city_org=OuterRef("unit_id")))))
    return ((by_pairing, "pairing__city_org_id"), (own, "org_id"), (talents, "unit_id"))


def _unit_counts(area, period, units):
    """{(unit pk, (year, month)): activities} of `units`: the three parts added up."""
    counts = defaultdict(int)
    for tallies, key in _unit_parts(area, period, units):
        for cell, n in _tally_counts(tallies, key, "activities").items():
            counts[cell] += n
    return counts


def _unit_page_figures(area, period, shown):
    """One query for a page of the unit matrix: the cells {(unit pk, (year, month)):
    activities} of the `shown` unit ids, and (month, activities, units active that month)
    over every paired unit of the area. The three parts, summed per unit and month, are a
    common table read twice: grouped by month for the columns, filtered to the shown units
    for the cells. A UNION ALL read again is beyond the ORM, so the parts' compiled SQL is
    wrapped by hand; a unit is active in a month when its parts add up to more than 0."""
    parts = [tallies.annotate(unit_pk=F(key), tally_month=F("month"))
             .values("unit_pk", "tally_month").annotate(n=Sum("activities")).order_by()
             .values_list("unit_pk", "tally_month", "n")
             for tallies, key in _unit_parts(area, period, _paired_unit_ids(area))]
    combined = parts[0].union(*parts[1:], all=True)
    sql, params = combined.query.get_compiler(combined.db).as_sql()
    query = (f"WITH parts AS ({sql}) SELECT tally_month, NULL, SUM(n),"
             " COUNT(DISTINCT CASE WHEN n > 0 THEN unit_pk END) FROM parts GROUP BY tally_month")
    shown = list(shown)
    if shown:
        query += (" UNION ALL SELECT tally_month, unit_pk, n, NULL FROM parts WHERE unit_pk IN"
                  f" ({', '.join(['%s'] * len(shown))})")
    with connections[combined.db].cursor() as cursor:
        cursor.execute(query, (*params, *shown))
        results = cursor.fetchall()
    cells, columns = defaultdict(int), []
    for month, unit, n, active in results:
        month = date_from_cursor(month)
        if unit is None:
            columns.append((month, int(n), active))
        else:
            cells[(unit, _month_key(month))] += int(n)
    return cells, columns


def _whole_tree_unit_figures(period, shown=None):
    """The cells {(unit pk, (year, month)): activities} of the `shown` unit ids (every unit
    when None) and (month, activities, units active) over every paired unit, for the area
    holding the whole tree, from the units' own monthly tally (ledger.unit_tally): a year of
    units x 12 rows instead of the org and unit tallies behind them."""
    tallies = PairedUnitMonthTally.objects.filter(_tally_months(period))
    cells = _tally_counts(tallies if shown is None else tallies.filter(unit_id__in=shown),
                          "unit_id", "activities")
    columns = (tallies.values("month")
               .annotate(_n=Sum("activities"), _active=Count("unit_id", filter=Q(activities__gt=0)))
               .order_by().values_list("month", "_n", "_active"))
    return cells, columns


def unit_matrix(user, area, period, today=None, *, paginate=None) -> Matrix:
    """Paired city organizations × months: activities that link them with their villages.
    `paginate(queryset)` returns the page of units to show: its cells and the column figures
    over every paired unit then come from one query (`_unit_page_figures`), without building
    the other units' rows. Without it every unit is a row (the Excel). For the area holding
    the whole tree (the county-wide page) both come from the units' monthly tally instead."""
    _check_area(user, area)
    today = today or timezone.localdate()
    matrix = Matrix(area=area, period=period, title=f"{area.name}结对单位联系村情况",
                    row_header="结对单位", extra_header="结对村数",
                    started=_started(period, today))
    whole_tree = _holds_every_org(area)
    if paginate is None:
        units = list(paired_units(area))
        counts = (_whole_tree_unit_figures(period)[0] if whole_tree
                  else _unit_counts(area, period, _paired_unit_ids(area)))
    else:
        matrix.page = paginate(paired_units(area))
        units = list(matrix.page.object_list)
        matrix.row_count = matrix.page.paginator.count
        shown = [u.pk for u in units]
        counts, columns = (_whole_tree_unit_figures(period, shown) if whole_tree
                           else _unit_page_figures(area, period, shown))
    villages = _village_counts(area, units)
    rows = [MatrixRow(pk=u.pk, label=u.name, extra=f"{villages.get(u.pk, 0)}") for u in units]
    _fill(matrix, rows, counts)
    if paginate is None:
        _complete_columns(matrix)
    else:
        _set_columns(matrix, columns)
    matrix.groups = _groups(rows, [])
    return matrix


def unit_month_activities(unit, area, year, month):
    """The activities behind one unit × month cell: the same three conditions as a query."""
    paired_with_unit = Pairing.objects.filter(status=PairingStatus.ACTIVE, city_org=unit,
                                              village_org=OuterRef("org"))
    with_talents = Participation.objects.filter(activity=OuterRef("pk"), person__home_org=unit)
    return (Activity.objects.counted().in_month(year, month).filter(
        Q(pairing__city_org=unit, pairing__village_org__path__startswith=area.path)
        | Q(org=unit, org__path__startswith=area.path)
        | Q(Exists(paired_with_unit), Exists(with_talents), org__kind=OrgKind.VILLAGE,
            org__path__startswith=area.path)))


# --- Excel -----------------------------------------------------------------------------------

ZERO_FILL = PatternFill("solid", fgColor="F8D7DA")
ZERO_FONT = Font(color="9C0006", bold=True)
TOTAL_FONT = Font(bold=True)


def _month_header(year, month):
    return f"{year}年{month}月"


def matrix_columns(matrix):
    columns = []
    if matrix.grouped:
        columns.append(Column("乡镇" if matrix.extra_header == "" else matrix.extra_header, 20))
    columns.append(Column(matrix.row_header, 18))
    if matrix.show_extra:
        columns.append(Column(matrix.extra_header, 10))
    columns += [Column(_month_header(y, m), 10) for y, m in matrix.months]
    columns += [Column("合计", 8), Column("空白月数", 10)]
    return columns


def _lead(matrix, first, second, third=""):
    values = [first] if matrix.grouped else []
    values.append(second)
    if matrix.show_extra:
        values.append(third)
    return values


def matrix_rows(matrix, sheet):
    """Sheet rows: one per matrix row (zero cells of started months filled red), a totals row
    and a row counting the silent rows per month."""

    def zero(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.fill, cell.font = ZERO_FILL, ZERO_FONT
        return cell

    def bold(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = TOTAL_FONT
        return cell

    for row in matrix.rows:
        cells = [zero(0) if c.red else (c.count if c.started else None) for c in row.cells]
        yield [*_lead(matrix, row.group, row.label, row.extra), *cells, row.total,
               row.silent_months]
    yield [bold(v) for v in _lead(matrix, "合计", "", "")] + [
        bold(n) for n in matrix.column_totals] + [bold(matrix.total), None]
    yield [bold(v) for v in _lead(matrix, "空白数", "", "")] + [
        bold(n) if started else None
        for n, started in zip(matrix.column_silent, matrix.started, strict=True)] + [None, None]


def matrix_workbook(matrix) -> bytes:
    """The matrix as Excel under a title row (its title, which names the area, the period and
    the generation time)."""
    workbook = new_workbook()
    rows = _SheetRows(workbook, matrix)
    write_sheet(workbook, f"{matrix.period.label}"[:31], matrix_columns(matrix), rows,
                caption=sheet_caption(matrix.title, period=matrix.period.label))
    return workbook_bytes(workbook)


class _SheetRows:
    """Rows for `write_sheet` that style cells: WriteOnlyCell needs its sheet, which
    write_sheet creates before it reads the first row, so the sheet is looked up lazily."""

    def __init__(self, workbook, matrix):
        self.workbook, self.matrix = workbook, matrix

    def __iter__(self):
        return matrix_rows(self.matrix, self.workbook.worksheets[-1])
