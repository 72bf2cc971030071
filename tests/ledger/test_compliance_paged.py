"""The paged compliance matrices (the county-wide org matrix by township, the unit matrix by
unit) build only the rows they show, yet show exactly the figures of the full matrix (the
Excel's): every shown cell, each group's totals, and the column totals and silent counts of
the whole area; and they run the same number of queries however many townships or units
the area has."""

import datetime
import itertools

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger import compliance
from pairing.models import Pairing, PairingStatus
from tests.factories import PersonFactory, add_org
from tests.ledger.test_compliance_matrices import (
    CONFIRMED,
    DRAFT,
    RETURNED,
    SUBMITTED,
    TODAY,
    YEAR,
    add_activities,
    add_participations,
    day,
)

_names = itertools.count(1)


def pages_of(per_page, number):
    return lambda items: Paginator(items, per_page).get_page(number)


def cells(row):
    return [(c.year, c.month, c.count, c.started, c.red) for c in row.cells]


def row_figures(rows):
    return [(r.pk, r.label, r.group, r.extra, cells(r), r.total, r.silent_months)
            for r in rows]


def group_figures(groups):
    return [(g.label, row_figures(g.rows), g.totals(), g.total()) for g in groups]


def column_figures(matrix):
    return (matrix.row_count, matrix.column_totals, matrix.column_silent, matrix.total,
            matrix.latest_month, matrix.silent_latest)


@pytest.fixture(params=[str(YEAR), compliance.LAST_12], ids=["year", "last12"])
def period(request):
    return compliance.period_for(request.param, TODAY)


def add_township(tree, villages=2, *, activities=True):
    """A township with `villages` villages, each active in a few months (one month twice,
    once linked to a pairing, so one village has two tally rows in a month)."""
    n = next(_names)
    town = add_org(tree.county, f"新{n}镇", "township")
    made = [add_org(town, f"新{n}镇{i}村", "village") for i in range(villages)]
    if activities:
        unit = add_org(tree.county, f"新{n}局", "unit")
        pairing = Pairing.objects.create(city_org=unit, village_org=made[0],
                                         since=datetime.date(2024, 1, 1))
        specs = []
        for i, village in enumerate(made):
            specs += [(village, day(1 + (n + i) % 6), SUBMITTED),
                      (village, day(1 + (n + 2 * i) % 12), CONFIRMED),
                      (village, day(2 + i % 5), DRAFT)]
        specs += [(made[0], day(3), SUBMITTED, pairing), (made[0], day(3, 4), CONFIRMED),
                  (made[-1], day(11, year=YEAR - 1), SUBMITTED)]
        add_activities(specs)
    return town, made


@pytest.fixture
def county(tree):
    """Seven townships (青山镇, 白水乡 and five new ones, one without activities), a village
    right under the county (县直属), an inactive village, a community and activities of
    every status over 2024 and 2025."""
    a1, a2, b1 = tree.village_a1, tree.village_a2, tree.village_b1
    add_activities([(a1, day(3), SUBMITTED), (a1, day(4), RETURNED), (a2, day(5), CONFIRMED),
                    (b1, day(6), SUBMITTED), (a1, day(12, year=YEAR - 1), SUBMITTED)])
    for villages in (3, 1, 2, 2):
        add_township(tree, villages)
    add_township(tree, 2, activities=False)
    direct = add_org(tree.county, "县直属村", "village")
    gone = add_org(tree.town_a, "撤并村", "village", is_active=False)
    community = add_org(tree.town_b, "白水社区", "community")
    add_activities([(direct, day(2), SUBMITTED), (gone, day(2), SUBMITTED),
                    (community, day(2), SUBMITTED)])
    return tree


# --- Org × month -----------------------------------------------------------------------------

@pytest.mark.parametrize("per_page", [1, 2, 5, 8])
def test_every_page_of_townships_shows_the_full_matrixs_figures(county_admin, county, period,
                                                                per_page):
    full = compliance.org_matrix(county_admin, county.county, period, today=TODAY)
    assert len(full.groups) == 8 and full.groups[-1].label == compliance.COUNTY_DIRECT
    shown_groups = []
    for number in range(1, -(-len(full.groups) // per_page) + 1):
        paged = compliance.org_matrix(county_admin, county.county, period, today=TODAY,
                                      paginate=pages_of(per_page, number))
        expected = full.groups[(number - 1) * per_page:number * per_page]
        assert group_figures(paged.groups) == group_figures(expected)
        assert row_figures(paged.rows) == row_figures(r for g in expected for r in g.rows)
        assert column_figures(paged) == column_figures(full)
        assert paged.page.paginator.count == len(full.groups)
        shown_groups += paged.groups
    assert [g.label for g in shown_groups] == [g.label for g in full.groups]


def test_a_page_builds_only_its_townships_rows(county_admin, county, period):
    full = compliance.org_matrix(county_admin, county.county, period, today=TODAY)
    paged = compliance.org_matrix(county_admin, county.county, period, today=TODAY,
                                  paginate=pages_of(2, 2))
    assert [g.label for g in paged.groups] == [g.label for g in full.groups[2:4]]
    assert {r.pk for r in paged.rows} == {r.pk for g in full.groups[2:4] for r in g.rows}
    assert len(paged.rows) < paged.row_count == len(full.rows) == 15


def test_county_units_are_one_county_direct_group(county_admin, county, period):
    add_org(county.unit, "县农业农村局下属站", "unit")
    add_activities([(county.unit, day(2), SUBMITTED)])
    full = compliance.org_matrix(county_admin, county.county, period, "unit", today=TODAY)
    paged = compliance.org_matrix(county_admin, county.county, period, "unit", today=TODAY,
                                  paginate=pages_of(5, 1))
    assert [g.label for g in paged.groups] == [compliance.COUNTY_DIRECT]
    assert group_figures(paged.groups) == group_figures(full.groups)
    assert column_figures(paged) == column_figures(full)


def test_a_township_matrix_is_not_paged(township_admin, county, period):
    full = compliance.org_matrix(township_admin, county.town_a, period, today=TODAY)
    paged = compliance.org_matrix(township_admin, county.town_a, period, today=TODAY,
                                  paginate=pages_of(1, 1))
    assert paged.page is None and not paged.grouped
    assert row_figures(paged.rows) == row_figures(full.rows)
    assert column_figures(paged) == column_figures(full)


def test_an_empty_county_has_one_empty_page(county_admin, tree, period):
    paged = compliance.org_matrix(county_admin, tree.county, period, "community", today=TODAY,
                                  paginate=pages_of(5, 1))
    assert paged.groups == [] and paged.rows == [] and paged.row_count == 0
    assert paged.column_totals == [0] * 12 and set(paged.column_silent) == {0}


def count_queries(build):
    build()  # warm: the first call also reads the user's roles
    with CaptureQueriesContext(connection) as queries:
        build()
    return len(queries)


def test_paged_org_matrix_queries_do_not_grow_with_townships(county_admin, county, period):
    def build():
        return compliance.org_matrix(county_admin, county.county, period, today=TODAY,
                                     paginate=pages_of(5, 2))

    before = count_queries(build)
    for villages in (4, 1, 3, 2, 5, 2):
        add_township(county, villages)
    assert count_queries(build) == before
    assert build().row_count == 15 + 17


# --- Unit × month ----------------------------------------------------------------------------

@pytest.fixture
def units(tree, people):
    """Six paired city organizations (a community and an enterprise among them) with
    activities that count each of the three ways (see UNIT_HELP), one meeting two of them,
    an ended pairing and units paired only in 白水乡."""
    a1, a2, b1, b2 = tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2
    made = [tree.unit] + [add_org(tree.county, f"县直单位{i}", kind)
                          for i, kind in enumerate(["unit", "community", "enterprise", "unit",
                                                    "unit"])]
    since = datetime.date(2024, 1, 1)
    links = [(0, a1), (1, a1), (1, b1), (2, a2), (3, b2), (4, b1), (5, b2)]
    pairings = {(u, v.pk): Pairing.objects.create(city_org=made[u], village_org=v, since=since)
                for u, v in links}
    ended = Pairing.objects.create(city_org=made[4], village_org=a2, since=since,
                                   status=PairingStatus.ENDED)
    talents = [PersonFactory(name=f"人才{i}", home_org=unit, is_city_talent=True)
               for i, unit in enumerate(made)]
    acts = add_activities([
        (a1, day(3), SUBMITTED, pairings[(0, a1.pk)]),   # 0: by pairing, with a talent too
        (a1, day(3, 2), SUBMITTED),                       # 1: talents of units 0 and 1
        (made[1], day(4), CONFIRMED),                     # 2: the unit's own
        (made[1], day(4, 3), SUBMITTED, pairings[(1, b1.pk)]),  # 3: own and by pairing
        (b1, day(5), SUBMITTED, pairings[(1, b1.pk)]),    # 4: by pairing
        (a2, day(5, 2), CONFIRMED),                       # 5: unit 2's talent
        (a2, day(6), DRAFT),                              # 6: a draft, talent joined
        (b2, day(2), SUBMITTED, pairings[(3, b2.pk)]),    # 7
        (b2, day(1, 5), CONFIRMED),                       # 8: units 3 and 5's talents
        (a2, day(2), SUBMITTED, ended),                   # 9: an ended pairing's activity
        (made[4], day(6), SUBMITTED),                     # 10: own
        (made[5], day(12, year=YEAR - 1), SUBMITTED),     # 11: before 2025
        (b1, day(7, 1), SUBMITTED, pairings[(4, b1.pk)]),  # 12: July
    ])
    add_participations([(acts[0], talents[0]), (acts[1], talents[0]), (acts[1], talents[1]),
                        (acts[5], talents[2]), (acts[6], talents[2]), (acts[8], talents[3]),
                        (acts[8], talents[5]), (acts[9], talents[4]), (acts[4], talents[1])])
    return made


@pytest.mark.parametrize("area_name", ["county", "town_a", "town_b"])
@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_every_page_of_units_shows_the_full_matrixs_figures(county_admin, tree, units, period,
                                                            area_name, per_page):
    area = getattr(tree, area_name)
    full = compliance.unit_matrix(county_admin, area, period, today=TODAY)
    assert full.rows and any(full.column_totals)
    shown = []
    for number in range(1, -(-len(full.rows) // per_page) + 1):
        paged = compliance.unit_matrix(county_admin, area, period, today=TODAY,
                                       paginate=pages_of(per_page, number))
        expected = full.rows[(number - 1) * per_page:number * per_page]
        assert row_figures(paged.rows) == row_figures(expected)
        assert group_figures(paged.groups) == [("", row_figures(expected), *_totals(expected))]
        assert column_figures(paged) == column_figures(full)
        shown += paged.rows
    assert [r.pk for r in shown] == [r.pk for r in full.rows]


def _totals(rows):
    group = compliance.MatrixGroup("", list(rows))
    return group.totals(), group.total()


def test_unit_page_figures_are_what_the_rules_say(county_admin, tree, units):
    """The column figures of a page of one unit, checked by hand (January–June started)."""
    period = compliance.period_for(str(YEAR), TODAY)
    paged = compliance.unit_matrix(county_admin, tree.county, period, today=TODAY,
                                   paginate=pages_of(1, 1))
    assert [r.pk for r in paged.rows] == [units[0].pk] and paged.row_count == 6
    # Jan: act 8 (units 3, 5); Feb: act 7 (unit 3), act 9 (unit 4: a pairing counts for its
    # activities after it ended); Mar: act 0 (unit 0), act 1 (units 0, 1); Apr: acts 2, 3
    # (unit 1, act 3 once); May: act 4 (unit 1), act 5 (unit 2); Jun: act 10; Jul: act 12.
    assert paged.column_totals[:7] == [2, 2, 3, 2, 2, 1, 1]
    assert paged.column_silent[:7] == [4, 4, 4, 5, 4, 5, 0]


@pytest.mark.parametrize(("area_name", "reader", "page"), [
    ("county", "_whole_tree_unit_figures", 2),  # the whole tree: the units' own tally
    ("town_a", "_unit_page_figures", 1),
])
def test_a_unit_page_reads_cells_of_its_units_only(county_admin, tree, units, monkeypatch,
                                                   area_name, reader, page):
    period = compliance.period_for(str(YEAR), TODAY)
    seen = []
    original = getattr(compliance, reader)

    def recording(*args):
        cells, columns = original(*args)
        seen.append((list(args[-1]), {unit for unit, _month in cells}))
        return cells, columns

    monkeypatch.setattr(compliance, reader, recording)
    paged = compliance.unit_matrix(county_admin, getattr(tree, area_name), period, today=TODAY,
                                   paginate=pages_of(2, page))
    shown = [r.pk for r in paged.rows]
    assert len(shown) == 2 and seen == [(shown, set(shown))]


def test_paged_unit_matrix_queries_do_not_grow_with_units(county_admin, tree, units, period):
    def build():
        return compliance.unit_matrix(county_admin, tree.county, period, today=TODAY,
                                      paginate=pages_of(3, 1))

    before = count_queries(build)
    for n in range(6):
        unit = add_org(tree.county, f"加单位{n}", "unit")
        Pairing.objects.create(city_org=unit, village_org=tree.village_a1,
                               since=datetime.date(2024, 1, 1))
        add_activities([(unit, day(1 + n), SUBMITTED)])
    assert count_queries(build) == before
    assert build().row_count == 12


# --- Pages -----------------------------------------------------------------------------------

def test_org_page_shows_the_full_figures_and_its_queries_do_not_grow(
        client, county_admin, county, monkeypatch):
    from ledger.views import compliance as views

    monkeypatch.setattr(views, "ORG_ROWS_PER_PAGE", 4)
    client.force_login(county_admin)
    url = reverse("ledger:compliance_orgs")
    client.get(url)  # session warm

    def page_two():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page": "2", "period": str(YEAR)})
        assert response.status_code == 200
        return len(queries), response.context["matrix"]

    n, matrix = page_two()
    full = compliance.org_matrix(county_admin, county.county, matrix.period)
    # Whole townships of at most 4 villages a page: 青山镇 (2) + 白水乡 (2), then 3 + 1.
    assert [len(g.rows) for g in full.groups[:4]] == [2, 2, 3, 1]
    assert group_figures(matrix.groups) == group_figures(full.groups[2:4])
    assert column_figures(matrix) == column_figures(full)
    for villages in (2, 3, 1):
        add_township(county, villages)
    assert page_two()[0] == n


def test_unit_page_shows_the_full_figures_and_its_queries_do_not_grow(
        client, county_admin, tree, units, monkeypatch):
    from ledger.views import compliance as views

    monkeypatch.setattr(views, "UNITS_PER_PAGE", 2)
    client.force_login(county_admin)
    url = reverse("ledger:compliance_units")
    client.get(url)

    def page_two():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page": "2", "period": str(YEAR)})
        assert response.status_code == 200
        return len(queries), response.context["matrix"]

    n, matrix = page_two()
    full = compliance.unit_matrix(county_admin, tree.county, matrix.period)
    assert row_figures(matrix.rows) == row_figures(full.rows[2:4])
    assert column_figures(matrix) == column_figures(full)
    for i in range(4):
        unit = add_org(tree.county, f"又一单位{i}", "unit")
        Pairing.objects.create(city_org=unit, village_org=tree.village_b2,
                               since=datetime.date(2024, 1, 1))
    assert page_two()[0] == n


def test_the_whole_trees_unit_page_reads_the_pairings_without_their_villages(
        client, county_admin, tree, units):
    """County-wide (the only root), every active pairing is the county's: the paired units,
    their count and their villages are read from the pairings alone, without joining each
    pairing's village to test its path (a city's organizations read for every figure)."""
    client.force_login(county_admin)
    url = reverse("ledger:compliance_units")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"period": str(YEAR)})
    assert response.context["matrix"].row_count == 6
    pairing_reads = [q["sql"] for q in queries.captured_queries
                     if '"pairing_pairing"' in q["sql"]]
    assert len(pairing_reads) >= 2
    for sql in pairing_reads:
        assert '"pairing_pairing"."village_org_id" = ' not in sql, sql
        assert 'U0."village_org_id" = ' not in sql, sql


def test_with_a_second_county_each_countys_units_are_its_own(county_admin, tree, units,
                                                           period):
    """With another root the county no longer holds every village: its units are still
    those paired with its own villages, not the neighbour's."""
    neighbour = add_org(None, "邻县", "county")
    village = add_org(add_org(neighbour, "邻镇", "township"), "邻村", "village")
    unit = add_org(neighbour, "邻县单位", "unit")
    Pairing.objects.create(city_org=unit, village_org=village, since=datetime.date(2024, 1, 1))
    matrix = compliance.unit_matrix(county_admin, tree.county, period)
    assert matrix.row_count == 6 and unit.pk not in [row.pk for row in matrix.rows]
    paged = compliance.unit_matrix(county_admin, tree.county, period,
                                   paginate=pages_of(50, 1))
    assert paged.row_count == 6 and unit.pk not in [row.pk for row in paged.rows]


def test_the_county_org_page_counts_townships_from_the_tally_and_reads_their_path_ranges(
        client, county_admin, county, monkeypatch):
    """The county-wide org matrix's villages per township come from the organizations per
    township (portal.org_tally), and a page's townships' villages are found by their path
    ranges, not by cutting every village's path to compare it."""
    from ledger.views import compliance as views

    monkeypatch.setattr(views, "ORG_ROWS_PER_PAGE", 4)
    client.force_login(county_admin)
    url = reverse("ledger:compliance_orgs")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"period": str(YEAR)})
    matrix = response.context["matrix"]
    assert matrix.row_count == 15 and [g.label for g in matrix.groups] == ["青山镇", "白水乡"]
    sql = [q["sql"] for q in queries.captured_queries]
    assert [s for s in sql if "portal_townshiporgtally" in s]
    assert not [s for s in sql if "SUBSTR" in s.upper() and '"portal_organization"' in s]
