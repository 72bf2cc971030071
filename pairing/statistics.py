"""结对共建统计: county-wide and per-township figures, one data function for the page and Excel
(the exporter is in pairing/exporters.py).

The figures are grouped by the township's path prefix (a village's path starts with its
township's: steplen 4, townships at depth 2) in three queries, for a county of 5 villages or
500. Pairings, coverage, units and households helped are as of today; agreements, projects and
needs belong to the chosen year.

They are summed from per-village rows kept by database triggers (pairing.village_tally), not
counted from the raw rows per view (a city's pairings, 7,500 projects and 10,000 households
took 15-25 ms a figure): pairings, coverage and households from VillagePairingTally, agreements
filed and projects with their budget from VillageYearTally, the needs from NeedYearTally (the
sums of pairing.need_tally's village-months) — all joined in one pass over the organizations in
scope, with the village count and the townships' names. Units (参与单位, distinct units paired
with the township's villages) do not add up across villages: they are counted from the active
pairings themselves (an index-only scan of one row per active pairing), distinct per township
and once more for the total.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, FilteredRelation, Max, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from pairing.models import (
    AgreementStatus,
    AnnualAgreement,
    JointMeeting,
    NeedYearTally,
    Pairing,
    PairingStatus,
    VillagePairingTally,
    VillageYearTally,
)
from pairing.services.pairings import half_year_of
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import scope_holds_every_org, scope_paths, scope_q, under_any_path
from portal.spreadsheets import Column, new_workbook, sheet_caption, workbook_bytes, write_sheet

STATISTICS_CAPABILITY = "pairing.statistics"  # granted in pairing/scope.py

TOWNSHIP_PREFIX = 2 * Organization.steplen

# (attribute, Excel column): the page's table and the Excel share this order.
FIGURES = (
    ("villages", Column("村总数", 10)),
    ("covered", Column("已结对村", 10)),
    ("uncovered", Column("未结对村", 10)),
    ("pairings", Column("结对关系", 10)),
    ("units", Column("参与单位", 10)),
    ("agreements_filed", Column("协议已备案", 12)),
    ("projects", Column("共建项目", 10)),
    ("budget", Column("项目预算（元）", 16)),
    ("needs_published", Column("发布需求", 10)),
    ("needs_claimed", Column("已认领需求", 12)),
    ("needs_confirmed", Column("已确认需求", 12)),
    ("households", Column("帮扶户数", 10)),
)
COLUMNS = (Column("乡镇", 18), *(column for _, column in FIGURES))


@dataclass
class StatRow:
    label: str
    township_id: int | None = None
    villages: int = 0
    covered: int = 0
    pairings: int = 0
    units: int = 0
    agreements_filed: int = 0
    projects: int = 0
    budget: Decimal = Decimal("0")
    needs_published: int = 0
    needs_claimed: int = 0
    needs_confirmed: int = 0
    households: int = 0

    @property
    def uncovered(self):
        return max(self.villages - self.covered, 0)

    @property
    def coverage(self):
        """Share of villages with an active pairing, in percent (one decimal)."""
        return round(100 * self.covered / self.villages, 1) if self.villages else 0.0

    def values(self):
        return [getattr(self, name) for name, _ in FIGURES]


@dataclass
class Statistics:
    year: int
    rows: list = field(default_factory=list)
    total: StatRow = field(default_factory=lambda: StatRow("合计"))

    def table_rows(self):
        """Rows for the Excel sheet: one per township, then the total."""
        for row in [*self.rows, self.total]:
            yield [row.label, *row.values()]

    def chart(self, rows=None):
        """Data for the ECharts bar chart (passed through json_script) of `rows` (the page's
        townships; all of them by default)."""
        rows = self.rows if rows is None else rows
        return {
            "townships": [row.label for row in rows],
            "covered": [row.covered for row in rows],
            "uncovered": [row.uncovered for row in rows],
        }


def with_this_year(pairings):
    """Annotate whether this year's agreement is filed and this half year's meeting held."""
    year, half = half_year_of(timezone.localdate())
    return pairings.annotate(
        filed_this_year=Exists(AnnualAgreement.objects.filter(
            pairing=OuterRef("pk"), year=year, status=AgreementStatus.FILED)),
        met_this_half=Exists(JointMeeting.objects.filter(pairing=OuterRef("pk"), year=year,
                                                         half=half)),
    )


def this_year_figures(pairings):
    """{total, filed, met} of `pairings`: how many there are, have this year's agreement filed,
    and held this half year's meeting. The filed and met pairings are IN-subqueries hashed once
    rather than two EXISTS probes per pairing (a city's 4,700 active pairings: 23 -> 5 ms)."""
    year, half = half_year_of(timezone.localdate())
    filed = AnnualAgreement.objects.filter(year=year, status=AgreementStatus.FILED)
    met = JointMeeting.objects.filter(year=year, half=half)
    return pairings.aggregate(
        total=Count("id"), filed=Count("id", filter=Q(pk__in=filed.values("pairing_id"))),
        met=Count("id", filter=Q(pk__in=met.values("pairing_id"))))


def counted_pairings(user, capability=STATISTICS_CAPABILITY):
    """The pairings a county's or township's figures count (home tile and statistics alike):
    共建中 (active today) pairings whose *village* lies in the user's scope. A pairing counts for
    its village's township, never for the township of the unit or community paired with it."""
    return Pairing.objects.filter(scope_q(user, capability, "village_org__path"),
                                  status=PairingStatus.ACTIVE)


def _grouped(queryset, path_field, **aggregates):
    """{township prefix: {name: value}} of `aggregates` over `queryset`, in one query."""
    rows = (queryset.annotate(_township=Substr(path_field, 1, TOWNSHIP_PREFIX))
            .values("_township").annotate(**aggregates).order_by())
    return {row.pop("_township"): row for row in rows}


def _covers_everything(user, within):
    """Whether the figures cover every organization, so they need no scope filter (at city
    scale a join of every pairing, need, project and household with the tree): the user's
    scope holds every root and `within` (if any) is the only root."""
    if not scope_holds_every_org(user, STATISTICS_CAPABILITY):
        return False
    if within is None:
        return True
    paths = scope_paths(user, STATISTICS_CAPABILITY)
    return within.depth == 1 and paths is not None and list(paths) == [within.path]


def statistics_townships(user):
    """The townships the statistics have a row for (every township in the user's scope), in
    tree order: the page's table pages through them."""
    return (Organization.objects.filter(scope_q(user, STATISTICS_CAPABILITY, "path"),
                                        kind=OrgKind.TOWNSHIP)
            .order_by("path").only("pk", "path", "name"))


def pairing_statistics(user, year, within=None, *, by_township=True,
                       townships=None) -> Statistics:
    """The statistics of every township in the user's scope for `year`, and their total; with
    `within` (an organization) only of the townships under it — a township's org page reads
    its own rows, not the county's 250 townships' (at city scale). `by_township=False` gives
    the total alone (no rows), each figure one aggregate with no grouping: the county's org
    page shows only the total. `townships` (some of statistics_townships', e.g. a page of
    them) narrows the rows to those townships, found by their paths' prefixes, while the total
    still covers every township, from the ungrouped aggregates: the page's table groups its
    25 townships' organizations, not a city's 5,800."""
    if townships is None:
        return _statistics(user, year, within, by_township)
    stats = _statistics(user, year, within, True, prefixes=[t.path for t in townships])
    stats.total = _statistics(user, year, within, False).total
    return stats


def _statistics(user, year, within, by_township, prefixes=None) -> Statistics:
    """pairing_statistics; `prefixes`: the township paths the rows are narrowed to (their
    figures then add up to a partial total, which the caller replaces)."""
    # Township rows join the tree anyway to group by township: only the total drops the join.
    everything = not by_township and _covers_everything(user, within)
    stats = Statistics(year=year)
    if prefixes == []:
        return stats

    def scoped(path_field):
        if everything:
            return Q()
        query = scope_q(user, STATISTICS_CAPABILITY, path_field)
        if within is not None:
            query &= Q(**{f"{path_field}__startswith": within.path})
        if prefixes is not None:
            query &= under_any_path(path_field, prefixes)
        return query

    def figures(queryset, path_field, **aggregates):
        if by_township:
            return _grouped(queryset, path_field, **aggregates)
        return {None: queryset.aggregate(**aggregates)}

    active = (Pairing.objects.filter(status=PairingStatus.ACTIVE) if everything  # in scope
              else counted_pairings(user).filter(scoped("village_org__path")))
    if everything:
        # No tree to join: each tally summed whole (the county's org page).
        groups = {
            "villages": figures(
                Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True),
                "path", villages=Count("id")),
            "today": figures(VillagePairingTally.objects.all(), "village_org__path",
                             **_today_figures("")),
            "year": figures(VillageYearTally.objects.filter(year=year), "village_org__path",
                            **_year_figures("")),
            "needs": figures(NeedYearTally.objects.filter(year=year), "village_org__path",
                             **_need_figures("")),
        }
    else:
        # One pass over the organizations in scope: each village's tally rows (at most one of
        # today, one of the year) joined to it, the townships' names and ids among them.
        orgs = Organization.objects.filter(scoped("path")).annotate(
            year_tally=FilteredRelation("pairing_year_tallies",
                                        condition=Q(pairing_year_tallies__year=year)),
            need_tally=FilteredRelation("need_year_tallies",
                                        condition=Q(need_year_tallies__year=year)))
        aggregates = {"villages": Count("id", filter=Q(kind=OrgKind.VILLAGE, is_active=True)),
                      **_today_figures("pairing_tally__"), **_year_figures("year_tally__"),
                      **_need_figures("need_tally__")}
        if by_township:
            aggregates |= {"_township_id": Max("id", filter=Q(kind=OrgKind.TOWNSHIP)),
                           "_township_name": Max("name", filter=Q(kind=OrgKind.TOWNSHIP))}
        groups = {"orgs": figures(orgs, "path", **aggregates)}
    groups["units"] = figures(active, "village_org__path", units=Count("city_org", distinct=True))
    by_prefix = {}
    if by_township:
        for prefix, values in sorted(groups["orgs"].items()):
            pk, name = values.pop("_township_id"), values.pop("_township_name")
            if pk is not None:
                row = StatRow(name, pk)
                stats.rows.append(row)
                by_prefix[prefix] = row
    total = stats.total
    for group in groups.values():
        for prefix, values in group.items():
            row = by_prefix.get(prefix)
            for name, value in values.items():
                value = value or 0
                if row is not None:
                    setattr(row, name, value)
                setattr(total, name, getattr(total, name) + value)
    if by_township and prefixes is None:
        # A unit paired with villages in two townships counts once in the total; with every
        # organization in scope, counted over the active pairings alone (no tree to join).
        if _covers_everything(user, within):
            active = Pairing.objects.filter(status=PairingStatus.ACTIVE)
        total.units = active.aggregate(n=Count("city_org", distinct=True))["n"]
    return stats


def _today_figures(tally):
    """Sums of VillagePairingTally rows (reached through `tally`, a lookup prefix)."""
    return {"pairings": Sum(f"{tally}active_pairings"),
            "covered": Count(f"{tally}id", filter=Q(**{f"{tally}active_pairings__gt": 0})),
            "households": Sum(f"{tally}households")}


def _need_figures(tally):
    """Sums of NeedYearTally rows (reached through `tally`, a lookup prefix)."""
    return {f"needs_{name}": Sum(f"{tally}{name}")
            for name in ("published", "claimed", "confirmed")}


def _year_figures(tally):
    """Sums of VillageYearTally rows (reached through `tally`, a lookup prefix)."""
    return {"agreements_filed": Sum(f"{tally}agreements_filed"),
            "projects": Sum(f"{tally}projects"), "budget": Sum(f"{tally}budget")}


def statistics_workbook(stats: Statistics, scope=None) -> bytes:
    """The statistics table as Excel under a title row naming `scope` (who it covers)."""
    workbook = new_workbook()
    write_sheet(workbook, f"{stats.year}年结对共建统计", COLUMNS, stats.table_rows(),
                caption=sheet_caption("结对共建统计", scope, f"{stats.year}年"))
    return workbook_bytes(workbook)
