"""The core's navigation entries and home-page panels."""

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from portal import org_tally
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.models import (
    Organization,
    OrgPeopleTally,
    Person,
    RoleAssignment,
    TownshipOrgTally,
)
from portal.models.orgs import OrgKind
from portal.roles import role_org_ids
from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TALENT,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    scope_holds_every_org,
    scope_org_ids,
    scope_paths,
    scope_q,
    under_any_path,
)
from portal.search import (
    SearchHit,
    SearchResults,
    SearchSource,
    first_hits,
    name_q,
    register_search_source,
)

register_nav(NavItem("组织架构", "portal:org_tree", "bi-diagram-3", "org.view", 10))
register_nav(NavItem("人员", "portal:person_list", "bi-people", "person.view", 20))
# The system's pages share one drop-down, so the county admin's navbar fits at 1366 px.
SYSTEM = "系统"
register_nav(NavItem("导入导出", "portal:transfer_index", "bi-sliders", "data.export", 80, SYSTEM))
register_nav(NavItem("角色授权", "portal:role_list", "bi-person-badge", "role.manage", 90, SYSTEM))
register_nav(NavItem("审计日志", "portal:audit_log", "bi-journal-text", "audit.view", 95, SYSTEM))


def _scope_overview(request):
    """Counts of orgs by kind and people (在册) in everything the user may see; the people from
    the tallies of the organizations in scope (portal.people_tally: a city's 5,811 rows, not
    its 154,500 people)."""
    by_kind, everyone = _orgs_by_kind(request.user)
    tallies = OrgPeopleTally.objects.all()
    if not everyone:
        tallies = tallies.filter(scope_q(request.user, "person.view", "org__path"))
    figures = {name: n or 0 for name, n in tallies.aggregate(
        total=Sum("active"), talents=Sum("talents"), members=Sum("members")).items()}
    return {
        "figures": [
            ("乡镇", by_kind.get(OrgKind.TOWNSHIP, 0)),
            ("村", by_kind.get(OrgKind.VILLAGE, 0)),
            ("县直单位", by_kind.get(OrgKind.UNIT, 0)),
            ("党员", figures["members"]),
            ("城市人才", figures["talents"]),
            ("人员总数", figures["total"]),
        ]
    }


def _tally_sums(name, paths, outside=False):
    """{name: the tally's organizations under the roots `paths` (None: all), or `outside`
    them} for an annotate() over TownshipOrgTally."""
    if paths is None:
        return {name: Sum("orgs")}
    under = under_any_path("township", paths)
    return {name: Sum("orgs", filter=~under if outside else under)}


def _orgs_by_kind(user):
    """({kind: visible orgs}, whether every org lies in the user's people scope), in one query.

    When every org does, every person does too, and the people figures need no join to the
    org tree (a county-wide user's join of the people read all 5,811 orgs and 154,500 people
    at city scale; of the tallies, still every org).
    Only roles scoped to whole trees (root paths) can see every org, so only theirs count all
    orgs; a township's or a village's stays on its own subtree.
    """
    person_paths = scope_paths(user, "person.view")
    if person_paths is not None and not (
            person_paths and all(len(path) == Organization.steplen for path in person_paths)):
        visible = Organization.objects.visible_to(user)
        return dict(visible.values_list("kind").annotate(n=Count("id")).order_by()), False
    org_paths = scope_paths(user, "org.view")
    if org_paths is None or all(len(path) <= org_tally.PREFIX for path in org_paths):
        # From the organizations per township (portal.org_tally): a few hundred rows, where
        # counting the organizations read a city's 5,811 (4 ms).
        rows = list(TownshipOrgTally.objects.values("kind").annotate(
            **_tally_sums("n", org_paths),
            **({} if person_paths is None else _tally_sums("outside", person_paths, True)))
            .order_by())
    else:
        org_scope = scope_q(user, "org.view", "path")
        counts = {"n": Count("id", filter=org_scope) if org_scope else Count("id")}
        if person_paths is not None:
            counts["outside"] = Count("id", filter=~scope_q(user, "person.view", "path"))
        rows = list(Organization.objects.values("kind").annotate(**counts).order_by())
    by_kind = {row["kind"]: row["n"] for row in rows if row["n"]}
    return by_kind, not any(row.get("outside") for row in rows)


def _my_orgs(request):
    ids = role_org_ids(request.user, TOWNSHIP_ADMIN, VILLAGE_SECRETARY, UNIT_CONTACT, TALENT,
                       ASSESSOR)
    orgs = Organization.objects.filter(pk__in=ids).order_by("path")
    return {"orgs": orgs} if ids else None


def _role_summary(request):
    active = RoleAssignment.objects.active()
    return {"by_role": active.values_list("role").annotate(n=Count("id")).order_by("role")}


register_panel(Panel("overview", "数据概览", "portal/panels/overview.html",
                     frozenset({COUNTY_ADMIN, LEADER, TOWNSHIP_ADMIN, ASSESSOR}),
                     _scope_overview, order=10, width="col-12"))
register_panel(Panel("my_orgs", "我的组织", "portal/panels/my_orgs.html",
                     frozenset({TOWNSHIP_ADMIN, VILLAGE_SECRETARY, UNIT_CONTACT, TALENT,
                                ASSESSOR}), _my_orgs, order=20))
register_panel(Panel("roles", "角色授权", "portal/panels/roles.html",
                     frozenset({COUNTY_ADMIN}), _role_summary, order=90))


def _searchable(model, user):
    """The rows of `model` the user may view; with no scope filter when the scope holds the
    whole tree, where the filter is a path test of every row (a county leader's "王": each of a
    city's 5,811 organization names split for the name index's test in a sequential scan, when
    the index alone finds the 46 that match); people below the roots by their organizations'
    ids."""
    capability = f"{model.scope_domain}.view"
    if scope_holds_every_org(user, capability):
        return model.objects.all()
    if model is Person:
        # The scope's organizations by id: with their paths PostgreSQL guessed one
        # organization and tested each of a township's 40 against all 4,026 "王" in turn.
        return Person.objects.filter(home_org__in=scope_org_ids(user, capability))
    return model.objects.visible_to(user)


def _search_orgs(user, text, limit):
    """Organizations by name, pinyin, initials or exact code; townships before villages."""
    # Text without case (Chinese, digits) equals a code exactly, which the code's unique index
    # answers; UPPER(code) has no index, and its OR with the name made every name be read.
    code_q = Q(code=text) if text.upper() == text.lower() else Q(code__iexact=text)
    orgs = (_searchable(Organization, user).filter(name_q(text) | code_q)
            .with_township_name().order_by("depth", "path"))

    def hit(org):
        above = org.township_name if org.township_name and org.kind != OrgKind.TOWNSHIP else ""
        inactive = "" if org.is_active else "已停用"
        detail = " · ".join(filter(None, [org.get_kind_display(), above, inactive]))
        return SearchHit(org.name, org.get_absolute_url(), detail)

    return first_hits(orgs, limit, hit)


def _search_people(user, text, limit):
    """People by name, pinyin or initials, or exact phone; never by a shown ID number."""
    # The organization's name is looked up for the hits alone (a subquery PostgreSQL runs after
    # the sort and its LIMIT): joined, every organization of the city was hashed before the
    # matches were ranked (4,026 people named 王).
    home_org_name = (Organization.objects.filter(pk=OuterRef("home_org_id")).order_by()
                     .values("name")[:1])
    people = (_searchable(Person, user).filter(name_q(text) | Q(phone=text))
              .annotate(home_org_name=Subquery(home_org_name)).order_by("id"))

    def hit(person):
        detail = " · ".join(filter(None, [person.home_org_name, person.position,
                                          "" if person.is_active else "不在册"]))
        return SearchHit(person.name, reverse("portal:person_detail", args=[person.pk]), detail)

    # The first matches by id (the primary key's order: a common name's matches are met early
    # and the reading stops there), shown active first, then by name: ranking every match by
    # name read them all (4,026 people named 王, 1,971 pages, at city scale). When every match
    # fits, the hits and their order are those of the ranking.
    rows = list(people[:limit + 1])
    shown = sorted(rows[:limit], key=lambda person: (not person.is_active, person.name, person.pk))
    return SearchResults([hit(person) for person in shown], more=len(rows) > limit)


register_search_source(SearchSource("orgs", "组织", "bi-diagram-3", _search_orgs, 10))
register_search_source(SearchSource("people", "人员", "bi-people", _search_people, 20))
