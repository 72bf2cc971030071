"""Home-page panels of alliances: the alliance leader's (联盟负责人) and the township's (联盟星级
与晾晒). Each costs a constant number of queries, whatever the number of alliances, members,
projects, meetings or ratings: counts and "the next one" are correlated subqueries, never a
query per alliance."""

import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alliances import stars as rules
from alliances.models import (
    Alliance,
    Competition,
    CompetitionStatus,
    Entrant,
    Meeting,
    MeetingStatus,
    Membership,
    Project,
    ProjectStatus,
    StarRating,
)
from portal.dashboard import Panel, register_panel
from portal.fragments import valid_until
from portal.models import Role
from portal.scope import COUNTY_ADMIN, TOWNSHIP_ADMIN, active_roles, under_any_path
from portal.subqueries import count_per

LEADER_LIMIT = 6
TOWNSHIP_LIMIT = 8
DUE_DAYS = 30
CLOSED_PROJECT = (ProjectStatus.DONE, ProjectStatus.STOPPED)


def url_or_none(name, *args):
    """The URL of `name`, or None while no such route exists (another area's page not landed
    yet): the panel then leaves the link out instead of failing the home page."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def _first_per_alliance(queryset, ids, *order):
    """The first row of `queryset` per alliance of `ids` by `order`, in one query."""
    first = queryset.filter(alliance=OuterRef("alliance")).order_by(*order).values("pk")[:1]
    return queryset.filter(alliance_id__in=ids, pk=Subquery(first))


def _leader_panel(request):
    """联盟负责人: the open alliances whose leader (负责人) is the signed-in user's person — per
    alliance its current members, projects due within 30 days and late, the next planned
    meeting and the open or next 擂台赛 it enters. Six queries at most.

    Any role may see it (Panel.roles is every role): an alliance's leader is a Person, and
    the person behind any account — a village secretary, a unit contact, a township cadre, a
    talent — may be named leader, so no role can be left out honestly. The panel hides itself
    (None) when the user's person leads no open alliance. A user with no role at all sees no
    panels (portal.dashboard.home_panels), so such a leader is not reached; giving the leader a
    role is the way. Links open only the alliances and rounds the user's scope shows."""
    user = request.user
    led = Alliance.objects.open().filter(leader__user=user)
    total = led.count()
    if not total:
        return None
    today = timezone.localdate()
    open_projects = Project.objects.exclude(status__in=CLOSED_PROJECT)
    alliances = list(led.select_related("type").annotate(
        member_count=count_per(Membership.objects.current(), "alliance"),
        due_count=count_per(open_projects.filter(
            end_date__gte=today, end_date__lte=today + datetime.timedelta(days=DUE_DAYS)),
            "alliance"),
        late_count=count_per(open_projects.filter(end_date__lt=today), "alliance"),
    ).order_by("kind", "name", "id")[:LEADER_LIMIT])
    ids = [alliance.pk for alliance in alliances]
    visible = set(Alliance.objects.visible_to(user).filter(pk__in=ids)
                  .values_list("pk", flat=True))
    meetings = {meeting.alliance_id: meeting for meeting in _first_per_alliance(
        Meeting.objects.filter(status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()),
        ids, "starts_at", "id")}
    if meetings:  # a next meeting shown gives way to the one after when it starts
        valid_until(request, min(meeting.starts_at for meeting in meetings.values()))
    # Open (judges scoring) or still to be held; an open round was held first, so it leads.
    entries = {entry.alliance_id: entry for entry in _first_per_alliance(
        Entrant.objects.filter(Q(competition__status=CompetitionStatus.OPEN)
                               | Q(competition__held_on__gte=today)),
        ids, "competition__held_on", "competition_id").select_related("competition")}
    shown_rounds = set(Competition.objects.visible_to(user).filter(
        pk__in=[entry.competition_id for entry in entries.values()])
        .values_list("pk", flat=True))
    rows = []
    for alliance in alliances:
        meeting, entry = meetings.get(alliance.pk), entries.get(alliance.pk)
        rows.append({
            "alliance": alliance, "linked": alliance.pk in visible,
            "meeting": meeting,
            "meeting_url": url_or_none("alliances:meeting_detail", meeting.pk) if meeting else None,
            "competition": entry.competition if entry else None,
            "competition_linked": entry is not None and entry.competition_id in shown_rounds,
        })
    return {"rows": rows, "total": total, "due_days": DUE_DAYS}


LEADER_PANEL = Panel("alliances_led", "我负责的党建联盟", "alliances/dashboard/leader.html",
                     frozenset(Role.values), _leader_panel, order=19)
register_panel(LEADER_PANEL)


# The panel's rows after 示范点 and stars (and the unrated ones among themselves).
TREE_ORDER = ("owner__path", "kind", "name", "id")


def _stars_of(year, quarter):
    """The stars that count for the quarter (the latest rating), per alliance, as a subquery."""
    newest = (StarRating.objects.filter(alliance=OuterRef("pk"), year=year, quarter=quarter)
              .order_by("-rated_at", "-id").values("stars")[:1])
    return Subquery(newest, output_field=IntegerField())


def _may_lead(alliances, groups, year, quarter):
    """Q of those of `alliances` that may be among the first TOWNSHIP_LIMIT (示范点 first, then
    by this quarter's stars, then in tree order), given the summary's {(示范点, stars): n}: the
    demonstration points and the alliances rated at least the stars where the first
    TOWNSHIP_LIMIT end (any rating of the quarter: the latest, which counts, is among them).
    The rows are then ordered by the stars of these few (~90 of a city's 906 open alliances)
    rather than of every one. When they end among the unrated (most of a quarter, before its
    ratings), every 示范点 and rated alliance leads and the first TOWNSHIP_LIMIT unrated ones
    in tree order follow: those are found without looking up every alliance's stars."""
    ranked = sorted(groups, key=lambda group: (not group[0], group[1] is None, -(group[1] or 0)))
    seen, last = 0, None
    for group in ranked:  # to the group where the first TOWNSHIP_LIMIT end (or the last)
        seen, last = seen + groups[group], group
        if seen >= TOWNSHIP_LIMIT:
            break
    demonstration, stars = last
    if demonstration:
        return Q(is_demonstration=True)
    rated = StarRating.objects.filter(year=year, quarter=quarter)
    if stars is None:
        unrated = (alliances.filter(is_demonstration=False)
                   .exclude(pk__in=rated.values("alliance_id"))
                   .order_by(*TREE_ORDER).values("pk")[:TOWNSHIP_LIMIT])
        return (Q(is_demonstration=True) | Q(pk__in=rated.values("alliance_id"))
                | Q(pk__in=unrated))
    rated = rated.filter(stars__gte=stars)
    return Q(is_demonstration=True) | Q(pk__in=rated.values("alliance_id"))


def _counts_by_stars(alliances, year, quarter):
    """(示范点, this quarter's stars, n) of `alliances`. Before the quarter's first rating (most
    of a quarter) every alliance is unrated: counted by 示范点 alone, without looking up each
    one's stars (a city's 906 open alliances, 1.9 ms)."""
    if not StarRating.objects.filter(year=year, quarter=quarter).exists():
        return [(demonstration, None, n) for demonstration, n in
                alliances.values_list("is_demonstration").annotate(n=Count("pk")).order_by()]
    return (alliances.values_list("is_demonstration", "stars_now")
            .annotate(n=Count("pk")).order_by())


def _change(now, before):
    if now is None:
        return ""
    if before is None:
        return "new"
    return "up" if now > before else "down" if now < before else "same"


def _township_panel(request):
    """乡镇管理员 (their townships), 县委组织部 (the whole county): the open alliances with this
    quarter's stars, the change since last quarter and the 示范点, a summary of all of them
    and links to the star board and the 晾晒 board. Three queries: whether the quarter has a
    rating yet, the summary and the rows."""
    held = [(role, path) for role, path, _ in active_roles(request.user)
            if role in (TOWNSHIP_ADMIN, COUNTY_ADMIN)]
    paths = [path for _, path in held]
    if not paths:
        return None
    in_scope = under_any_path("owner__path", paths)
    year, quarter = rules.quarter_of(timezone.localdate())
    previous = rules.previous_quarter(year, quarter)
    alliances = Alliance.objects.open().filter(in_scope).annotate(
        stars_now=_stars_of(year, quarter), stars_before=_stars_of(*previous))
    # Grouped by (示范点, stars), summed here: each FILTER of one aggregate repeated the
    # stars subquery, six lookups per alliance (10 of 14 ms at city scale).
    summary = {"total": 0, "demonstration": 0, "unrated": 0,
               **{f"s{stars}": 0 for stars in range(rules.MAX_STARS, 0, -1)}}
    groups = {}
    for demonstration, stars, n in _counts_by_stars(alliances, year, quarter):
        summary["total"] += n
        summary["demonstration"] += n if demonstration else 0
        summary["unrated" if stars is None else f"s{stars}"] += n
        groups[demonstration, stars] = groups.get((demonstration, stars), 0) + n
    rows = []
    if summary["total"]:
        shown = (alliances.filter(_may_lead(alliances, groups, year, quarter))
                 .select_related("type", "owner")
                 .order_by("-is_demonstration", F("stars_now").desc(nulls_last=True),
                           *TREE_ORDER)[:TOWNSHIP_LIMIT])
        rows = [{"alliance": alliance, "stars_text": "★" * (alliance.stars_now or 0),
                 "change": _change(alliance.stars_now, alliance.stars_before)}
                for alliance in shown]
    return {
        "rows": rows, "summary": summary, "year": year, "quarter": quarter,
        "by_stars": [(stars, summary[f"s{stars}"]) for stars in range(rules.MAX_STARS, 0, -1)],
        "county_wide": len(held) > 1 or held[0][0] == COUNTY_ADMIN,
        "star_board_url": reverse("alliances:star_board"),
        "showcase_url": url_or_none("alliances:showcase_board"),
    }


TOWNSHIP_PANEL = Panel("alliances_stars", "联盟星级与晾晒", "alliances/dashboard/township.html",
                       frozenset({TOWNSHIP_ADMIN, COUNTY_ADMIN}), _township_panel, order=21)
register_panel(TOWNSHIP_PANEL)
