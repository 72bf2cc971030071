"""The compliance pages: what they show, the cell lists, bad input, and query counts that do
not grow with the number of villages, talents and activities."""

import itertools
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import ActivityStatus
from ledger.periods import months_back
from pairing.models import Pairing
from portal.models import Person
from tests.factories import add_org, unique_id_number
from tests.ledger.test_compliance_matrices import add_activities, add_participations


@pytest.fixture
def this_month():
    today = timezone.localdate()
    return today.replace(day=1)


@pytest.fixture
def paired(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=timezone.localdate().replace(year=2020))


def page(client, name, params=None):
    response = client.get(reverse(f"ledger:{name}"), params or {})
    assert response.status_code == 200
    return response


def test_org_matrix_page_marks_silent_villages(login, county_admin, tree, people, this_month):
    add_activities([(tree.village_a1, this_month, ActivityStatus.SUBMITTED),
                    (tree.village_a1, this_month, ActivityStatus.DRAFT)])
    response = page(login(county_admin), "compliance_orgs")
    matrix = response.context["matrix"]
    assert matrix.period.months[-1] == (this_month.year, this_month.month)
    assert matrix.silent_latest == 3
    html = response.content.decode()
    assert "青山镇" in html and "白水乡" in html
    cell_url = reverse("ledger:compliance_org_month",
                       args=[tree.village_a1.pk, this_month.year, this_month.month])
    # Relative to the page (lighter): it resolves to the cell's page.
    relative = cell_url.removeprefix(reverse("ledger:compliance_orgs"))
    assert relative != cell_url and urljoin(reverse("ledger:compliance_orgs"), relative) == cell_url
    assert f'href="{relative}?area={tree.county.pk}"' in html
    assert html.count("matrix-zero") == 3 * 12 + 11  # 3 silent villages, 青山村 11 months


def test_org_matrix_kind_and_township(login, township_admin, tree, this_month):
    client = login(township_admin)
    response = page(client, "compliance_orgs", {"area": tree.town_b.pk})  # not theirs
    assert response.context["matrix"].area == tree.town_a
    assert [r.label for r in response.context["matrix"].rows] == ["青山村", "石桥村"]
    response = page(client, "compliance_orgs", {"kind": "community"})
    assert response.context["matrix"].rows == []
    assert "该范围内没有城市社区" in response.content.decode()


@pytest.mark.parametrize("params", [
    {"area": "abc", "period": "zzz", "kind": "nothing"},
    {"area": "-1", "period": "1900", "unit": "999999", "q": "x" * 80, "page": "abc"},
    {"page": "9999", "unit": "abc"},
])
def test_bad_filters_fall_back_to_defaults(login, county_admin, tree, params):
    client = login(county_admin)
    for name in ("compliance_orgs", "compliance_talents", "compliance_units"):
        response = page(client, name, params)
        assert response.context["matrix"].area == tree.county
        assert response.context["matrix"].period.key == "last12"


def test_talent_matrix_page_and_cell(login, county_admin, tree, people, paired, this_month):
    (activity,) = add_activities([(tree.village_a1, this_month, ActivityStatus.CONFIRMED)])
    add_participations([(activity, people.unit)])
    client = login(county_admin)
    response = page(client, "compliance_talents")
    matrix = response.context["matrix"]
    assert [r.label for r in matrix.rows] == ["陈农业"]
    assert matrix.rows[0].cells[-1].count == 1 and matrix.silent_latest == 0
    html = response.content.decode()
    assert "乡镇范围统计所在单位与本乡镇村结对" in html  # the definition is on the page
    cell = reverse("ledger:compliance_talent_month",
                   args=[people.unit.pk, this_month.year, this_month.month])
    page_path = reverse("ledger:compliance_talents")
    assert f'href="{cell.removeprefix(page_path)}?area=' in html  # relative to the page
    listing = client.get(cell, {"area": tree.town_a.pk})
    assert listing.status_code == 200
    assert [a.pk for a in listing.context["page"]] == [activity.pk]
    detail = reverse("ledger:activity_detail", args=[activity.pk])
    assert detail in listing.content.decode()
    # 白水乡 has no village paired with the talent's unit: not one of its rows.
    assert client.get(cell, {"area": tree.town_b.pk}).status_code == 404


def test_unit_matrix_page_and_cell(login, township_admin, tree, people, paired, this_month):
    own, linked = add_activities([(tree.unit, this_month, ActivityStatus.SUBMITTED),
                                  (tree.unit, this_month, ActivityStatus.SUBMITTED, paired)])
    client = login(township_admin)
    response = page(client, "compliance_units")
    (row,) = response.context["matrix"].rows
    assert row.label == "县农业农村局" and row.cells[-1].count == 1  # only the linked one
    listing = client.get(reverse("ledger:compliance_unit_month",
                                 args=[tree.unit.pk, this_month.year, this_month.month]))
    assert [a.pk for a in listing.context["page"]] == [linked.pk]


def test_org_cell_lists_only_counted_activities(login, leader, tree, this_month):
    counted, _, _ = add_activities([
        (tree.village_b1, this_month, ActivityStatus.SUBMITTED),
        (tree.village_b1, this_month, ActivityStatus.DRAFT),
        (tree.village_b1, this_month, ActivityStatus.RETURNED)])
    response = login(leader).get(reverse("ledger:compliance_org_month", args=[
        tree.village_b1.pk, this_month.year, this_month.month]))
    assert [a.pk for a in response.context["page"]] == [counted.pk]
    assert response.context["page"][0].participant_count == 0


def test_export_starts_a_job(login, county_admin, tree):
    response = login(county_admin).post(reverse("ledger:compliance_orgs_export"),
                                        {"area": tree.town_a.pk, "period": "2025",
                                         "kind": "village"})
    from portal.models import Job

    job = Job.objects.get()
    assert response.status_code == 302 and str(job.uuid) in response["Location"]
    assert job.kind == "ledger_compliance_orgs" and job.scope_org == tree.town_a
    assert job.params["period"] == "2025" and job.params["capability"] == "ledger.compliance"


def test_export_of_an_area_outside_the_scope_is_refused(login, township_admin, tree):
    from portal.models import Job

    client = login(township_admin)
    url = reverse("ledger:compliance_talents_export")
    response = client.post(url, {"area": tree.county.pk, "period": "2025", "q": "李"})
    assert response["Location"] == reverse("ledger:compliance_talents")
    assert not Job.objects.exists()
    response = client.post(url, {"area": tree.town_a.pk, "period": "2025", "q": "李"})
    job = Job.objects.get()
    assert response.status_code == 302 and str(job.uuid) in response["Location"]
    assert job.scope_org == tree.town_a and job.params["q"] == "李"


def test_export_without_an_area_says_so_on_the_matrix_page(login, county_admin, monkeypatch):
    from ledger.forms import compliance as forms
    from portal.models import Job
    from portal.models import Organization as Org

    monkeypatch.setattr(forms, "compliance_areas", lambda user: Org.objects.none())
    client = login(county_admin)
    response = client.post(reverse("ledger:compliance_units_export"), {"period": "2025"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:compliance_units")
    assert "您没有可导出的范围。" in client.get(response["Location"]).content.decode()
    assert not Job.objects.exists()


# --- Query counts ----------------------------------------------------------------------------

_codes = itertools.count(1)


def grow(tree, *, villages, talents, activities):
    """Add villages (paired with one new unit each third), talents in those units and counted
    activities over the last twelve months, each with two talents taking part."""
    months = months_back(timezone.localdate(), 12)
    new_villages = [add_org(tree.town_a if i % 2 else tree.town_b, f"新村{n}", "village",
                            code=f"GV{n:05d}")
                    for i, n in enumerate(next(_codes) for _ in range(villages))]
    units = [add_org(tree.county, f"新单位{n}", "unit", code=f"GU{n:05d}")
             for n in (next(_codes) for _ in range(max(villages // 3, 1)))]
    Pairing.objects.bulk_create([
        Pairing(city_org=units[i % len(units)], village_org=v, since=timezone.localdate())
        for i, v in enumerate(new_villages)])
    people = Person.objects.bulk_create([
        Person(name=f"人才{next(_codes)}", gender="F", id_number=unique_id_number(),
               home_org=units[i % len(units)], is_city_talent=True)
        for i in range(talents)])
    if any(p.pk is None for p in people):
        people = list(Person.objects.filter(is_city_talent=True, name__startswith="人才"))
    specs = []
    for i in range(activities):
        year, month = months[i % 12]
        specs.append((new_villages[i % len(new_villages)],
                      timezone.datetime(year, month, 1 + i % 27).date(),
                      ActivityStatus.CONFIRMED))
    created = add_activities(specs)
    add_participations([(a, people[(i + k) % len(people)]) for i, a in enumerate(created)
                        for k in (0, 1)])


def count_queries(client, name, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"ledger:{name}"), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


PAGES = [("compliance_orgs", None), ("compliance_orgs", {"kind": "unit"}),
         ("compliance_talents", None), ("compliance_talents", {"q": "人才", "page": "2"}),
         ("compliance_units", None)]


@pytest.mark.parametrize("persona", ["county_admin", "township_admin"])
def test_matrix_queries_do_not_grow(persona, request, client, tree, people):
    client.force_login(request.getfixturevalue(persona))
    client.get(reverse("ledger:compliance_orgs"))  # session warm, as in real use

    def measure():
        counts, rows = [], []
        for name, params in PAGES:
            n, response = count_queries(client, name, params)
            counts.append(n)
            rows.append(response.context["matrix"].row_count)
        return counts, rows

    grow(tree, villages=3, talents=5, activities=10)
    small, small_rows = measure()
    grow(tree, villages=27, talents=55, activities=290)
    large, large_rows = measure()
    assert large == small
    assert large_rows[0] > small_rows[0] and large_rows[2] > small_rows[2]


def test_county_org_matrix_shows_a_page_of_townships_with_the_whole_countys_totals(
        login, county_admin, tree, this_month, monkeypatch):
    """County-wide, the org matrix pages by whole townships within a row budget: the page
    holds only its townships' villages, the totals and silent counts under it cover every
    village."""
    from ledger.views import compliance as views

    monkeypatch.setattr(views, "ORG_ROWS_PER_PAGE", 5)
    townships = [add_org(tree.county, f"新{i}镇", "township") for i in range(5)]
    villages = [add_org(town, f"新{i}村", "village") for i, town in enumerate(townships)]
    add_activities([(village, this_month, ActivityStatus.CONFIRMED) for village in villages]
                   + [(tree.village_a1, this_month, ActivityStatus.CONFIRMED)])
    client = login(county_admin)
    first = page(client, "compliance_orgs").context
    second = page(client, "compliance_orgs", {"page": "2"}).context
    shown = [[g.label for g in context["matrix"].groups] for context in (first, second)]
    # 青山镇 and 白水乡 hold two villages each: 2 + 2 + 1 rows on the first page.
    assert shown[0] == ["青山镇", "白水乡", "新0镇"]
    assert shown[1] == ["新1镇", "新2镇", "新3镇", "新4镇"]
    assert [len(g.rows) for g in first["matrix"].groups] == [2, 2, 1]
    assert not set(shown[0]) & set(shown[1])
    assert first["page"].paginator.count == 7  # 青山镇, 白水乡 and the five new ones
    for context in (first, second):
        matrix = context["matrix"]
        assert matrix.row_count == 9 and matrix.column_totals[-1] == 6
    html = client.get(reverse("ledger:compliance_orgs"), {"page": "2"}).content.decode()
    assert "第 2 / 2 页" in html and f"area={tree.county.pk}" in html
    assert "共 7 个乡镇" in html and "共 7 条" not in html  # townships, not rows


def test_unit_matrix_pages_its_units_with_totals_of_all(login, county_admin, tree, monkeypatch,
                                                        this_month):
    from ledger.views import compliance as views

    monkeypatch.setattr(views, "UNITS_PER_PAGE", 2)
    units = [add_org(tree.county, f"县直单位{i}", "unit") for i in range(3)]
    for unit in units:
        Pairing.objects.create(city_org=unit, village_org=tree.village_a1,
                               since=this_month.replace(year=2020))
    client = login(county_admin)
    first = page(client, "compliance_units").context
    last = page(client, "compliance_units", {"page": "2"}).context
    assert [len(c["matrix"].groups[0].rows) for c in (first, last)] == [2, 1]
    assert first["matrix"].row_count == last["matrix"].row_count == 3
    assert first["page"].paginator.num_pages == 2
    assert "empty-state" not in client.get(reverse("ledger:compliance_units")).content.decode()


def test_township_talent_page_reads_its_talent_homes_once(login, township_admin, tree, people):
    """The unit filter and the matrix of a township's talent page share one read of the
    organizations whose talents it answers for (the UNION of its own and its paired units)."""
    client = login(township_admin)
    client.get(reverse("ledger:compliance_talents"))  # session warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("ledger:compliance_talents"))
    assert response.status_code == 200
    homes_reads = [q["sql"] for q in ctx.captured_queries if " UNION " in q["sql"]
                   and "pairing_pairing" in q["sql"]]
    assert len(homes_reads) == 1
