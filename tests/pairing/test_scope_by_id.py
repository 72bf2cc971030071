"""Pairing pages of a scope below the tree's roots (a unit, a township) at city scale: the rows
in scope are named by id, so PostgreSQL reads the scope's pairings and needs through their
foreign keys instead of hashing a city's every pairing, organization or open need against the
OR of the scope's paths. The rows shown stay those of the path filter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing.models import AnnualAgreement, Need, Pairing, pairing_ids_below_roots
from portal.scope import ScopedQuerySetMixin
from portal.search import run_search
from tests.factories import add_org

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def queries_of(client, name, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def pairings(tree, pairing):
    """青山村 (the fixture's), 白水村 and 柳林村 paired with 县农业农村局; 石桥村 with a unit of
    青山镇; each with an agreement of this year."""
    town_unit = add_org(tree.town_a, "青山镇农业站", "unit")
    rows = [pairing] + [Pairing.objects.create(city_org=city, village_org=village,
                                               since=datetime.date(2026, 1, 1))
                        for city, village in ((tree.unit, tree.village_b1),
                                              (tree.unit, tree.village_b2),
                                              (town_unit, tree.village_a2))]
    for row in rows:
        AnnualAgreement.objects.create(pairing=row, year=YEAR)
    return rows


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "village_secretary",
                                     "unit_contact", "talent", "outsider"])
def test_agreements_in_scope_as_the_path_filter(pairings, persona, request):
    user = request.getfixturevalue(persona)
    reference = ScopedQuerySetMixin.visible_to(AnnualAgreement.objects.all(), user, "view")
    shown = AnnualAgreement.objects.visible_to(user)
    assert set(shown.values_list("pk", flat=True)) == set(reference.values_list("pk", flat=True))


def test_below_the_roots_the_pairings_are_a_union_of_both_sides(pairings, unit_contact,
                                                                county_admin):
    sql = str(AnnualAgreement.objects.visible_to(unit_contact).query)
    assert "UNION" in sql and " LIKE " not in sql.split("UNION")[0].split("IN (")[0]
    assert pairing_ids_below_roots(county_admin, "view") is None  # the root keeps the join


def test_unit_agreement_list_names_the_pairings_by_id(pairings, login, unit_contact):
    """The unit's agreements, the list's rows read by the pairings' ids (a list the planner
    counts right), not by an OR of the village's and the unit's paths across the joins."""
    response, sql = queries_of(login(unit_contact), "pairing:agreement_list")
    assert {a.pairing.village_org.name for a in response.context["page"]} == {
        "青山村", "白水村", "柳林村"}
    [rows] = [q for q in sql if q.startswith('SELECT "pairing_annualagreement"."id"')
              and "LIMIT" in q]
    assert '"pairing_annualagreement"."pairing_id" IN (' in rows
    assert " LIKE " not in rows.split("ORDER BY")[0].split("WHERE")[1]
    units = response.context["filter"].form.fields["unit"].queryset
    assert set(units.values_list("name", flat=True)) == {"县农业农村局"}


def test_township_agreement_list_keeps_both_sides(pairings, login, township_admin):
    response, _ = queries_of(login(township_admin), "pairing:agreement_list")
    assert {a.pairing.village_org.name for a in response.context["page"]} == {"青山村", "石桥村"}
    units = response.context["filter"].form.fields["unit"].queryset
    assert set(units.values_list("name", flat=True)) == {"县农业农村局", "青山镇农业站"}


def test_claim_board_reads_the_needs_of_the_scope_by_village_id(pairings, login, talent,
                                                                soon):
    """A talent's claimable needs: those of the unit's paired villages, read by the villages'
    ids (a city's 10,448 open needs were read to keep a unit's 245)."""
    for village in (pairings[0].village_org, pairings[1].village_org, pairings[3].village_org):
        Need.objects.create(village_org=village, title=f"{village.name}的需求",
                            description="-", deadline=soon)
    response, sql = queries_of(login(talent), "pairing:need_board")
    assert {n.title for n in response.context["page"]} == {"青山村的需求", "白水村的需求"}
    [rows] = [q for q in sql if q.startswith('SELECT "pairing_need"."id"') and "LIMIT" in q]
    assert '"pairing_need"."village_org_id" IN (' in rows
    assert '"pairing_need"."village_org_id" IN (SELECT' not in rows


def test_pairing_search_below_the_roots_names_the_scope_by_id(pairings, township_admin,
                                                             county_admin):
    with CaptureQueriesContext(connection) as queries:
        [(_, found)] = run_search(township_admin, "农业", 20, only="pairings")
    assert sorted(hit.title for hit in found.hits) == sorted(
        str(p) for p in (pairings[0], pairings[3]))
    [rows] = [q["sql"] for q in queries.captured_queries
              if q["sql"].startswith('SELECT "pairing_pairing"."id"') and "LIMIT" in q["sql"]]
    assert rows.count("UNION") == 1  # the names' union only; the scope is a list of ids
    [(_, everyone)] = run_search(county_admin, "农业", 20, only="pairings")
    assert len(everyone.hits) == 4


def _reference(model, user):
    return set(ScopedQuerySetMixin.visible_to(model.objects.all(), user, "view")
               .values_list("pk", flat=True))


def test_a_scope_of_the_whole_tree_reads_every_pairing_unfiltered(pairings, login,
                                                                  county_admin):
    """The county admin of the only county: no path filter, no join with the tree (a city's
    pairings' count and the unit picker's totals joined its 4,800 pairings to it)."""
    for model in (Pairing, AnnualAgreement):
        shown = model.objects.visible_to(county_admin)
        assert "WHERE" not in str(shown.query)
        assert set(shown.values_list("pk", flat=True)) == _reference(model, county_admin)
    _, sql = queries_of(login(county_admin), "pairing:pairing_list")
    count = [q for q in sql if q.startswith('SELECT COUNT(*) AS "__count" FROM "pairing_pairing"')]
    picker = [q for q in sql if "picker_totals" in q and "pairing_pairing" in q]
    assert count and picker
    assert not [q for q in count + picker if " LIKE " in q]


def test_with_a_second_county_each_county_admin_keeps_to_its_own(pairings, county_admin):
    other = add_org(None, "邻县", "county")
    village = add_org(add_org(other, "邻镇", "township"), "邻村", "village")
    elsewhere = Pairing.objects.create(city_org=add_org(other, "邻县农业局", "unit"),
                                       village_org=village, since=datetime.date(2026, 1, 1))
    AnnualAgreement.objects.create(pairing=elsewhere, year=YEAR)
    for model in (Pairing, AnnualAgreement):
        shown = set(model.objects.visible_to(county_admin).values_list("pk", flat=True))
        assert shown == _reference(model, county_admin) and shown
    assert elsewhere.pk not in Pairing.objects.visible_to(county_admin).values_list("pk",
                                                                                   flat=True)
