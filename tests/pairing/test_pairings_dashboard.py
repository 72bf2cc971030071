"""Navigation and home-page panels of 结对共建 for every persona, in bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing.models import AnnualAgreement, Claim, JointMeeting, Need, Pairing
from pairing.services.pairings import half_year_of
from portal import scope
from tests.factories import UserFactory, add_org
from tests.permission_matrix import PERSONAS

SOON = timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def board(tree, pairing, talent):
    """Two open needs in 青山村: one the talent claimed and reported done; one left open."""
    claimed = Need.objects.create(village_org=tree.village_a1, title="修水渠", description="说明",
                                  deadline=SOON, places=2, taken_places=1)
    Claim.objects.create(need=claimed, claimant=talent, status="done")
    Need.objects.create(village_org=tree.village_a1, title="送戏下乡", description="说明",
                        deadline=SOON, places=1)
    return claimed


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _panels(response):
    return {shown.panel.key: shown.data for shown in response.context["panels"]}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_home_renders_for_every_persona(request, login, persona, board):
    response = login(request.getfixturevalue(persona)).get(reverse("portal:home"))
    assert response.status_code == 200
    expected = {
        "county_admin": {"pairing_coverage"}, "leader": {"pairing_coverage"},
        "township_admin": {"pairing_coverage"}, "village_secretary": {"pairing_village"},
        "other_village_secretary": {"pairing_village"}, "unit_contact": {"pairing_unit"},
        "talent": {"pairing_talent"}, "outsider": set(),
    }[persona]
    assert {k for k in _panels(response) if k.startswith("pairing_")} == expected
    nav = {item.url_name for entry in response.context["nav_items"] for item in entry.items}
    assert ("pairing:pairing_list" in nav) == (persona != "outsider")
    assert ("pairing:statistics" in nav) == (persona in ("county_admin", "leader",
                                                         "township_admin"))


def test_panel_figures(login, tree, pairing, board, village_secretary, talent, unit_contact,
                       county_admin):
    village = _panels(login(village_secretary).get(reverse("portal:home")))["pairing_village"]
    assert (village["open_needs"], village["to_confirm"]) == (2, 1)
    assert [p.city_org for p in village["pairings"]] == [tree.unit]

    data = _panels(login(talent).get(reverse("portal:home")))["pairing_talent"]
    # 修水渠 is already the talent's; only 送戏下乡 is left to claim.
    assert data["claimable"] == 1 and [n.title for n in data["needs"]] == ["送戏下乡"]
    assert dict((status, n) for _, n, status in data["claims"])["done"] == 1

    unit = _panels(login(unit_contact).get(reverse("portal:home")))["pairing_unit"]
    assert (unit["count"], unit["no_agreement"], unit["no_meeting"]) == (1, 1, 1)
    year, half = half_year_of(timezone.localdate())
    AnnualAgreement.objects.create(pairing=pairing, year=year, status="filed")
    JointMeeting.objects.create(pairing=pairing, year=year, half=half, date=timezone.localdate(),
                                place="村部", attendees="双方", topics="议题")
    unit = _panels(login(unit_contact).get(reverse("portal:home")))["pairing_unit"]
    assert (unit["no_agreement"], unit["no_meeting"]) == (0, 0)

    coverage = _panels(login(county_admin).get(reverse("portal:home")))["pairing_coverage"]
    assert (coverage["villages"], coverage["covered"], coverage["uncovered"],
            coverage["filed"], coverage["no_meeting"]) == (4, 1, 3, 1, 0)


def _home_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("portal:home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("many_paths", [0, 10**6], ids=["scope-by-ids", "scope-by-paths"])
@pytest.mark.parametrize("persona", ["county_admin", "village_secretary", "unit_contact",
                                     "talent"])
def test_dashboard_queries_do_not_grow(request, login, tree, board, persona, many_paths,
                                       monkeypatch):
    # A scope read as organization ids (portal.scope.MANY_PATHS) costs one query more than
    # one read as path prefixes: the talent's 2 villages grow to 27 below, past the threshold.
    monkeypatch.setattr(scope, "MANY_PATHS", many_paths)
    client = login(request.getfixturevalue(persona))
    small = _home_queries(client)
    helper = UserFactory()
    for n in range(25):
        village = add_org(tree.town_a, f"新村{n}", "village")
        Pairing.objects.create(city_org=tree.unit, village_org=village,
                               since=datetime.date(2026, 1, 1))
        need = Need.objects.create(village_org=village, title=f"需求{n}", description="说明",
                                   deadline=SOON, places=2, taken_places=1)
        Claim.objects.create(need=need, claimant=helper, status="done")
    assert _home_queries(client) == small


def _coverage(user):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from pairing.navigation import _coverage_panel

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(pk=user.pk)  # a new request's user object
    with CaptureQueriesContext(connection) as ctx:
        data = _coverage_panel(request)
    (sql,) = [q["sql"] for q in ctx.captured_queries if "pairing_annualagreement" in q["sql"]]
    return data, sql


def test_a_whole_tree_scope_counts_the_pairings_without_the_scope_join(tree, pairing,
                                                                       county_admin):
    """A scope holding every root counts every active pairing with no join to the org tree;
    another county's pairing stays out of the first county's figures once there is one."""
    year, _ = half_year_of(timezone.localdate())
    AnnualAgreement.objects.create(pairing=pairing, year=year, status="filed")
    before, sql = _coverage(county_admin)
    assert "portal_organization" not in sql
    other = add_org(None, "邻县", "county")
    village = add_org(add_org(other, "邻镇", "township"), "邻村", "village")
    Pairing.objects.create(city_org=add_org(other, "邻县单位", "unit"), village_org=village,
                           since=datetime.date(2026, 1, 1))
    after, sql = _coverage(county_admin)
    assert "portal_organization" in sql
    figures = ("villages", "covered", "pairings", "filed", "not_filed", "no_meeting")
    assert [after[key] for key in figures] == [before[key] for key in figures] \
        == [4, 1, 1, 1, 0, 1]


def test_covered_villages_come_from_the_village_tallies(tree, pairing, county_admin):
    """Covered villages: the villages' pairing tallies joined once, not a probe of the
    pairings per village (4,000 at city scale); a pairing ended leaves its village uncovered."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from pairing.navigation import _coverage_panel

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(pk=county_admin.pk)
    with CaptureQueriesContext(connection) as ctx:
        data = _coverage_panel(request)
    (sql,) = [q["sql"] for q in ctx.captured_queries if '"covered"' in q["sql"]]
    assert "pairing_villagepairingtally" in sql and "EXISTS" not in sql
    assert (data["villages"], data["covered"]) == (4, 1)
    pairing.status = "ended"
    pairing.save()
    assert _coverage_panel(request)["covered"] == 0
