"""季度晾晒 and 定期分析 (issue 10 §3, seed 003 二.3): an alliance's figures for a quarter, a
township board comparing its alliances by type and by level (分层分类比拼), the A3 poster, and a
generated quarterly analysis against the previous quarter.

`quarter_figures(alliances, year, quarter)` reads every alliance at once in a constant number of
grouped queries (never one per alliance). Ledger activities are reached through the reverse
relation `Alliance.activities` (alliances may not import the ledger).

What counts, for quarter Q:
- members: organizations that are members at Q's end (for the running quarter, the current
  members);
- activities: ledger activities linked to the alliance, submitted or confirmed, dated in Q;
  active members are the members that logged one, participants the distinct people in them;
- projects: the alliance's projects started by Q's end, their progress as at Q (the latest
  quarterly update up to Q; the project's own progress when no later update exists); done at
  100%; late when the planned end has passed (by Q's end, or today in the running quarter) and
  the project is neither done nor stopped; updates are those filed for Q;
- micro-wishes fulfilled: claims confirmed in Q on 微心愿 needs of member villages;
- meetings held: the alliance's meetings with status "held" starting in Q;
- stars: the rating that counts for Q (the latest of the quarter, as alliances/services/stars.py
  reads it);
- silent members: members with no counted activity linked to the alliance and no project update
  for Q on their individual list.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from alliances import stars as rules
from alliances.hooks import COUNTED_ACTIVITY_STATUSES
from alliances.models import (
    Alliance,
    AllianceKind,
    Meeting,
    MeetingStatus,
    Membership,
    Project,
    ProjectStatus,
    ProjectUpdate,
)
from alliances.services.stars import current_stars, stars_text
from pairing.models import Claim, ClaimStatus, NeedKind

# ---------------------------------------------------------------- quarters

def quarter_bounds(year, quarter):
    """First day of the quarter and first day of the next one."""
    next_year, next_quarter = rules.next_quarter(year, quarter)
    return (datetime.date(year, quarter * 3 - 2, 1),
            datetime.date(next_year, next_quarter * 3 - 2, 1))


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def quarter_label(year, quarter):
    return f"{year}年第{quarter}季度"


# ---------------------------------------------------------------- figures

@dataclass
class LateProject:
    pk: int
    name: str
    end_date: datetime.date
    progress: int
    member: str  # the member organization's name; "" for the common list


@dataclass
class Figures:
    """One alliance's 晾晒 figures for one quarter."""

    alliance: object
    year: int
    quarter: int
    members: int = 0
    activities: int = 0
    active_members: int = 0
    participants: int = 0
    projects: int = 0
    progress: int | None = None  # average % of the projects not stopped; None without any
    projects_done: int = 0
    projects_late: int = 0
    project_updates: int = 0
    wishes_fulfilled: int = 0
    meetings_held: int = 0
    stars: int | None = None
    rating: object = None
    late_projects: list = field(default_factory=list)
    silent_members: list = field(default_factory=list)  # organization names, by path

    @property
    def silent(self):
        return len(self.silent_members)

    @property
    def stars_text(self):
        return stars_text(self.stars) if self.stars else ""

    @property
    def label(self):
        return quarter_label(self.year, self.quarter)


def _members_at_end(ids, end):
    """{alliance id: [(org id, org name), ...]} of the members at the quarter's end."""
    rows = (Membership.objects.filter(alliance_id__in=ids, joined_on__lt=end)
            .filter(Q(left_on__isnull=True) | Q(left_on__gte=end))
            .order_by("org__path", "id").values_list("alliance_id", "org_id", "org__name"))
    members = {}
    for alliance_id, org_id, name in rows:
        members.setdefault(alliance_id, []).append((org_id, name))
    return members


def _activity_filter(start, end):
    return {"activities__status__in": COUNTED_ACTIVITY_STATUSES,
            "activities__date__gte": start, "activities__date__lt": end}


def _activities(alliances, start, end):
    """({alliance id: (activities, participants)}, {alliance id: {org ids that logged one}})."""
    linked = alliances.filter(**_activity_filter(start, end)).order_by()
    totals = {row["pk"]: (row["n"], row["people"]) for row in linked.values("pk").annotate(
        n=Count("activities", distinct=True),
        people=Count("activities__participations__person", distinct=True))}
    orgs = {}
    for alliance_id, org_id in linked.values_list("pk", "activities__org").distinct():
        orgs.setdefault(alliance_id, set()).add(org_id)
    return totals, orgs


def _project_rows(ids, year, quarter, end):
    updates = ProjectUpdate.objects.filter(project=OuterRef("pk"))
    later = updates.filter(Q(year__gt=year) | Q(year=year, quarter__gt=quarter))
    up_to = (updates.filter(Q(year__lt=year) | Q(year=year, quarter__lte=quarter))
             .order_by("-year", "-quarter").values("progress")[:1])
    return (Project.objects.filter(alliance_id__in=ids, start_date__lt=end)
            .annotate(has_later=Exists(later), progress_then=Subquery(up_to),
                      filed=Exists(updates.filter(year=year, quarter=quarter)))
            .order_by("end_date", "id")
            .values("pk", "alliance_id", "member_id", "member__name", "name", "end_date",
                    "status", "progress", "has_later", "progress_then", "filed"))


def _add_projects(figures, rows, reference):
    """Fold the project rows into the figures; {alliance id: {member ids with an update}}."""
    totals, updated = {}, {}
    for row in rows:
        fig = figures[row["alliance_id"]]
        progress = (row["progress_then"] or 0) if row["has_later"] else row["progress"]
        done = progress >= 100
        stopped = row["status"] == ProjectStatus.STOPPED
        fig.projects += 1
        if not stopped:
            totals.setdefault(fig.alliance.pk, []).append(progress)
        fig.projects_done += done
        if row["filed"]:
            fig.project_updates += 1
            if row["member_id"]:
                updated.setdefault(fig.alliance.pk, set()).add(row["member_id"])
        if row["end_date"] < reference and not done and not stopped:
            fig.late_projects.append(LateProject(row["pk"], row["name"], row["end_date"],
                                                 progress, row["member__name"] or ""))
    for alliance_id, values in totals.items():
        figures[alliance_id].progress = round(sum(values) / len(values))
    for fig in figures.values():
        fig.projects_late = len(fig.late_projects)
    return updated


def _wishes_by_village(village_ids, start, end):
    rows = (Claim.objects.filter(status=ClaimStatus.CONFIRMED, need__kind=NeedKind.MICRO_WISH,
                                 need__village_org_id__in=village_ids,
                                 confirmed_at__gte=_aware(start), confirmed_at__lt=_aware(end))
            .order_by().values("need__village_org_id").annotate(n=Count("pk")))
    return {row["need__village_org_id"]: row["n"] for row in rows}


def _meetings(ids, start, end):
    rows = (Meeting.objects.filter(alliance_id__in=ids, status=MeetingStatus.HELD,
                                   starts_at__gte=_aware(start), starts_at__lt=_aware(end))
            .order_by().values("alliance_id").annotate(n=Count("pk")))
    return {row["alliance_id"]: row["n"] for row in rows}


def quarter_figures(alliances, year, quarter, *, today=None):
    """{alliance id: Figures} for the quarter, in the order given; `alliances` is a list of
    Alliance rows. Seven queries whatever the number of alliances, members or projects."""
    alliances = list(alliances)
    if not alliances:
        return {}
    today = today or timezone.localdate()
    start, end = quarter_bounds(year, quarter)
    ids = [alliance.pk for alliance in alliances]
    figures = {alliance.pk: Figures(alliance, year, quarter) for alliance in alliances}

    members = _members_at_end(ids, end)
    activity_totals, activity_orgs = _activities(Alliance.objects.filter(pk__in=ids), start, end)
    updated = _add_projects(figures, _project_rows(ids, year, quarter, end), min(end, today))
    village_ids = {org_id for rows in members.values() for org_id, _ in rows}
    wishes = _wishes_by_village(village_ids, start, end) if village_ids else {}
    meetings = _meetings(ids, start, end)
    ratings = current_stars(ids, year, quarter)

    for alliance_id, fig in figures.items():
        member_rows = members.get(alliance_id, [])
        logged = activity_orgs.get(alliance_id, set())
        reported = updated.get(alliance_id, set())
        fig.members = len(member_rows)
        fig.activities, fig.participants = activity_totals.get(alliance_id, (0, 0))
        fig.active_members = sum(1 for org_id, _ in member_rows if org_id in logged)
        fig.silent_members = [name for org_id, name in member_rows
                              if org_id not in logged and org_id not in reported]
        fig.wishes_fulfilled = sum(wishes.get(org_id, 0) for org_id, _ in member_rows)
        fig.meetings_held = meetings.get(alliance_id, 0)
        fig.rating = ratings.get(alliance_id)
        fig.stars = fig.rating.stars if fig.rating else None
    return figures


# ---------------------------------------------------------------- the board

def rank_key(fig):
    """Board order: stars, then activities, micro-wishes, average progress, meetings held."""
    return (fig.stars or 0, fig.activities, fig.wishes_fulfilled, fig.progress or 0,
            fig.meetings_held)


RANK_RULE = ("排序依据：星级、活动次数、微心愿实现数、项目平均进度、例会次数"
             "（依次比较，全部相同者并列）。")


HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
FALLBACK_COLOUR = "#6c757d"


def safe_colour(colour):
    """The type's colour if it is a hex colour (it goes into print CSS), else a neutral grey."""
    return colour if colour and HEX_COLOUR.fullmatch(colour) else FALLBACK_COLOUR


@dataclass
class BoardRow:
    rank: int
    figures: Figures

    @property
    def colour(self):
        return safe_colour(self.figures.alliance.type.colour)


@dataclass
class BoardGroup:
    label: str
    colour: str  # "" for the level groups
    rows: list


def ranked(figures):
    """BoardRows from best to worst; equal keys share a rank and the next rank skips."""
    ordered = sorted(figures, key=lambda fig: (tuple(-v for v in rank_key(fig)),
                                               fig.alliance.name, fig.alliance.pk))
    rows, previous = [], None
    for position, fig in enumerate(ordered, start=1):
        rank = rows[-1].rank if previous == rank_key(fig) else position
        rows.append(BoardRow(rank, fig))
        previous = rank_key(fig)
    return rows


def board_groups(figures):
    """(by type, by level): BoardGroups ranked within each group. Types in their order (红色,
    绿色, 蓝色, then the county's own), levels core → area → task; empty groups left out."""
    figures = list(figures)
    by_type = {}
    for fig in sorted(figures, key=lambda f: (f.alliance.type.order, f.alliance.type_id)):
        by_type.setdefault(fig.alliance.type_id, (fig.alliance.type, []))[1].append(fig)
    types = [BoardGroup(kind.name, safe_colour(kind.colour), ranked(rows))
             for kind, rows in by_type.values()]
    levels = []
    for value, label in AllianceKind.choices:
        rows = [fig for fig in figures if fig.alliance.kind == value]
        if rows:
            levels.append(BoardGroup(label, "", ranked(rows)))
    return types, levels


def board_totals(figures):
    figures = list(figures)
    return {"alliances": len(figures),
            "activities": sum(f.activities for f in figures),
            "wishes": sum(f.wishes_fulfilled for f in figures),
            "meetings": sum(f.meetings_held for f in figures),
            "late": sum(f.projects_late for f in figures)}


def township_board(user, owner, year, quarter) -> dict:
    """The board of `owner` (a township, or the county) for a quarter as `user` sees it: its
    alliances of the quarter (founded by its end, not closed before it), their figures grouped
    and ranked, and the totals. The page and the poster both read it, so they always agree."""
    figures = []
    if owner is not None:
        start, end = quarter_bounds(year, quarter)
        alliances = (Alliance.objects.visible_to(user).filter(owner=owner, founded__lt=end)
                     .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
                     .select_related("type").order_by("type__order", "type_id", "kind", "name"))
        figures = list(quarter_figures(alliances, year, quarter).values())
    by_type, by_level = board_groups(figures)
    return {"owner": owner, "year": year, "quarter": quarter,
            "label": quarter_label(year, quarter), "by_type": by_type, "by_level": by_level,
            "totals": board_totals(figures), "rank_rule": RANK_RULE}


def poster_title(owner, year, quarter):
    return f"{owner.name}党建联盟{quarter_label(year, quarter)}晾晒"


def showcase_pdf(context) -> bytes:
    """The township board as an A3 landscape poster (portal/pdf.py, embedded CJK font)."""
    from portal.pdf import render_pdf

    return render_pdf("pdf/alliance_showcase.html", context)


def poster_pdf(user, owner, year, quarter, *, generated_at=None) -> bytes:
    """The A3 poster of `owner`'s board for a quarter, as `user` sees it (a background job:
    WeasyPrint takes seconds on a township's board)."""
    return showcase_pdf({**township_board(user, owner, year, quarter),
                         "title": poster_title(owner, year, quarter),
                         "generated_at": generated_at or timezone.localtime()})


# ---------------------------------------------------------------- 定期分析

@dataclass
class Comparison:
    key: str
    label: str
    unit: str
    now: int | None
    before: int | None
    higher_is_better: bool = True

    @property
    def delta(self):
        if self.now is None or self.before is None:
            return None
        return self.now - self.before

    @property
    def direction(self):
        """"up", "down", "same", or "" when a side is missing."""
        delta = self.delta
        if delta is None:
            return ""
        return "up" if delta > 0 else "down" if delta < 0 else "same"

    @property
    def abs_delta(self):
        return abs(self.delta) if self.delta is not None else None

    @property
    def good(self):
        """Whether the change is for the better (None when unchanged or unknown)."""
        if self.direction in ("", "same"):
            return None
        return (self.direction == "up") == self.higher_is_better


# (key, label, unit, higher is better)
COMPARED = [
    ("members", "成员组织", "个", True),
    ("activities", "开展活动", "次", True),
    ("active_members", "参与活动的成员组织", "个", True),
    ("participants", "参与活动人员", "人", True),
    ("projects", "项目", "个", True),
    ("progress", "项目平均进度", "%", True),
    ("projects_done", "已完成项目", "个", True),
    ("projects_late", "逾期项目", "个", False),
    ("project_updates", "填报项目进展", "次", True),
    ("wishes_fulfilled", "实现微心愿", "个", True),
    ("meetings_held", "召开例会与观摩", "次", True),
    ("silent", "沉默成员组织", "个", False),
    ("stars", "星级", "星", True),
]


@dataclass
class Analysis:
    """定期分析 of one alliance for one quarter."""

    figures: Figures
    previous: Figures
    comparisons: list
    sentences: list

    @property
    def late_projects(self):
        return self.figures.late_projects

    @property
    def silent_members(self):
        return self.figures.silent_members


def _change_words(comparison):
    """"比上季度增加 3 次" / "减少" / "与上季度持平"; progress in percentage points."""
    delta, unit = comparison.delta, comparison.unit
    if delta == 0:
        return "与上季度持平"
    if unit == "%":
        return f"比上季度{'提高' if delta > 0 else '下降'} {abs(delta)} 个百分点"
    if unit == "星":
        return f"比上季度{'提升' if delta > 0 else '下降'} {abs(delta)} 星"
    return f"比上季度{'增加' if delta > 0 else '减少'} {abs(delta)} {unit}"


def _sentence(comparison, lead):
    text = f"{lead} {comparison.now} {comparison.unit}" if comparison.unit != "%" \
        else f"{lead} {comparison.now}%"
    if comparison.before is None:
        return f"{text}，上季度无可比数据。"
    return f"{text}，{_change_words(comparison)}。"


def _names(items, limit=5):
    shown = "、".join(items[:limit])
    return f"{shown}等 {len(items)} 个" if len(items) > limit else shown


def _sentences(fig, by_key):
    sentences = [
        _sentence(by_key["activities"], "本季度开展活动"),
        f"{fig.members} 个成员组织中有 {fig.active_members} 个参与联盟活动，"
        f"参与人员 {fig.participants} 人。",
        _sentence(by_key["wishes_fulfilled"], "实现微心愿"),
        _sentence(by_key["meetings_held"], "召开例会与观摩"),
    ]
    if fig.projects:
        progress = by_key["progress"]
        sentences.append(f"共有项目 {fig.projects} 个，已完成 {fig.projects_done} 个，"
                         + (_sentence(progress, "平均进度") if progress.now is not None
                            else "均已终止。"))
    else:
        sentences.append("本季度没有在推进的项目。")
    late = [project.name for project in fig.late_projects]
    sentences.append(f"有 {len(late)} 个项目逾期未完成：{_names(late)}，请督促推进。"
                     if late else "没有逾期项目。")
    if fig.silent_members:
        sentences.append(f"{_names(fig.silent_members)}本季度既无联盟活动也无项目进展，"
                         "请关注并带动参与。")
    elif fig.members:
        sentences.append("所有成员组织本季度均有联盟活动或项目进展。")
    stars = by_key["stars"]
    if stars.now is None:
        sentences.append("本季度尚未评星。")
    elif stars.before is None:
        sentences.append(f"本季度评为 {stars.now} 星。")
    else:
        sentences.append(f"本季度评为 {stars.now} 星，{_change_words(stars)}。")
    return sentences


def compare(now, before):
    """The Comparisons of two quarters' Figures of one alliance."""
    return [Comparison(key, label, unit, getattr(now, key), getattr(before, key), better)
            for key, label, unit, better in COMPARED]


def analyse(alliance, year, quarter, *, today=None):
    """定期分析: the quarter against the previous one, the late projects, the silent members
    and a few generated sentences (fourteen queries, twice quarter_figures)."""
    previous = rules.previous_quarter(year, quarter)
    now = quarter_figures([alliance], year, quarter, today=today)[alliance.pk]
    before = quarter_figures([alliance], *previous, today=today)[alliance.pk]
    comparisons = compare(now, before)
    by_key = {comparison.key: comparison for comparison in comparisons}
    return Analysis(now, before, comparisons, _sentences(now, by_key))
