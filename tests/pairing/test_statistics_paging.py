"""结对共建统计 at scale: the figures equal the former grouped queries (COUNT DISTINCT over the
children, LEFT JOIN … IS NULL for "not superseded") on a county with every edge case; the table
shows the townships a page at a time while the total row, the cards and the Excel cover them
all, in the same number of queries whatever the number of townships."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pairing.models import (
    AgreementStatus,
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    Claim,
    ClaimStatus,
    Need,
    Pairing,
    ProjectItem,
    ProjectStatus,
)
from pairing.statistics import (
    STATISTICS_CAPABILITY,
    TOWNSHIP_PREFIX,
    pairing_statistics,
    statistics_workbook,
)
from pairing.views.statistics import TOWNSHIPS_PER_PAGE
from portal.scope import scope_q
from tests.factories import PersonFactory, UserFactory, add_org

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
DAY = datetime.date(YEAR, 1, 1)


def former_figures(user, year):
    """{township prefix: {figure: value}} of the four grouped queries as they were written
    before the EXISTS rewrite: the reference the new queries must agree with."""

    def scoped(path_field):
        return scope_q(user, STATISTICS_CAPABILITY, path_field)

    def grouped(queryset, path_field, **aggregates):
        rows = (queryset.annotate(_township=Substr(path_field, 1, TOWNSHIP_PREFIX))
                .values("_township").annotate(**aggregates).order_by())
        return {row.pop("_township"): row for row in rows}

    figures = {}
    for group in (
        grouped(AnnualAgreement.objects.filter(scoped("pairing__village_org__path"), year=year,
                                               status=AgreementStatus.FILED),
                "pairing__village_org__path", agreements_filed=Count("pairing", distinct=True)),
        grouped(ProjectItem.objects.filter(scoped("agreement__pairing__village_org__path"),
                                           agreement__year=year,
                                           agreement__superseded_by__isnull=True)
                .exclude(status=ProjectStatus.CANCELLED),
                "agreement__pairing__village_org__path", projects=Count("id"),
                budget=Sum("budget")),
        grouped(Need.objects.filter(scoped("village_org__path"), created_at__year=year),
                "village_org__path", needs_published=Count("id", distinct=True),
                needs_claimed=Count("id", distinct=True, filter=Q(claims__status__in=[
                    ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED])),
                needs_confirmed=Count("id", distinct=True,
                                      filter=Q(claims__status=ClaimStatus.CONFIRMED))),
        grouped(AidPairing.objects.filter(scoped("household__village_org__path"),
                                          is_active=True),
                "household__village_org__path", households=Count("household", distinct=True)),
    ):
        for prefix, values in group.items():
            figures.setdefault(prefix, {}).update(values)
    return figures


@pytest.fixture
def edge_cases(tree):
    """Both townships with: two filed versions of one year's agreement (the second supersedes
    the first, whose projects no longer count), a draft and last year's agreement, a cancelled
    project, needs with several live and withdrawn claims, households helped by two cadres,
    an inactive help and a household nobody helps."""
    unit_b = add_org(tree.county, "县农业局", "unit", code="U0900")
    unit_c = add_org(tree.county, "县水利局", "unit", code="U0901")
    claimant, other = UserFactory(), UserFactory()
    cadre, cadre2 = PersonFactory(home_org=tree.unit), PersonFactory(home_org=tree.unit)
    for village, unit in ((tree.village_a1, tree.unit), (tree.village_b1, unit_b),
                          (tree.village_b2, tree.unit)):
        pairing = Pairing.objects.create(city_org=unit, village_org=village, since=DAY)
        first = AnnualAgreement.objects.create(pairing=pairing, year=YEAR, status="filed")
        ProjectItem.objects.create(agreement=first, name="旧版项目", budget=Decimal("100"))
        second = AnnualAgreement.objects.create(pairing=pairing, year=YEAR, version=2,
                                                status="filed", supersedes=first)
        ProjectItem.objects.create(agreement=second, name="新版项目", budget=Decimal("200.50"))
        ProjectItem.objects.create(agreement=second, name="取消", budget=9, status="cancelled")
        last_year = AnnualAgreement.objects.create(pairing=pairing, year=YEAR - 1,
                                                   status="filed")
        ProjectItem.objects.create(agreement=last_year, name="去年", budget=Decimal("7"))
        draft_pairing = Pairing.objects.create(city_org=unit_c, village_org=village, since=DAY)
        AnnualAgreement.objects.create(pairing=draft_pairing, year=YEAR, status="draft")
        for title, claims in (("无人认领", ()),
                              ("两人认领", ((claimant, "claimed"), (other, "done"))),
                              ("已确认", ((claimant, "confirmed"), (other, "confirmed"))),
                              ("只撤回", ((claimant, "withdrawn"),))):
            need = Need.objects.create(village_org=village, title=title, description="说明",
                                       deadline=DAY + datetime.timedelta(days=400), places=3)
            for user, status in claims:
                Claim.objects.create(need=need, claimant=user, status=status)
        helped = AidHousehold.objects.create(village_org=village, head_name="张三",
                                             difficulty="illness")
        AidPairing.objects.create(cadre=cadre, household=helped, since=DAY, plan="帮扶")
        AidPairing.objects.create(cadre=cadre2, household=helped, since=DAY, plan="帮扶")
        no_longer = AidHousehold.objects.create(village_org=village, head_name="李四",
                                                difficulty="poverty")
        AidPairing.objects.create(cadre=cadre, household=no_longer, since=DAY, plan="帮扶",
                                  is_active=False)
        AidHousehold.objects.create(village_org=village, head_name="王五", difficulty="elderly")


def test_figures_equal_the_former_grouped_queries(county_admin, tree, edge_cases):
    stats = pairing_statistics(county_admin, YEAR)
    former = former_figures(county_admin, YEAR)
    names = ("agreements_filed", "projects", "budget", "needs_published", "needs_claimed",
             "needs_confirmed", "households")
    for row in stats.rows:
        township = {"青山镇": tree.town_a, "白水乡": tree.town_b}[row.label]
        expected = former[township.path[:TOWNSHIP_PREFIX]]
        assert {name: getattr(row, name) for name in names} == {
            name: expected[name] or 0 for name in names}
    by_label = {row.label: row for row in stats.rows}
    # Hand-checked: one filed pairing per village, the current version's one live project.
    assert (by_label["白水乡"].agreements_filed, by_label["白水乡"].projects,
            by_label["白水乡"].budget) == (2, 2, Decimal("401.00"))
    assert (by_label["青山镇"].needs_claimed, by_label["青山镇"].needs_confirmed,
            by_label["青山镇"].households) == (2, 1, 1)
    assert stats.total.households == 3 and stats.total.budget == Decimal("601.50")


def test_the_superseded_check_is_not_a_left_join(county_admin, edge_cases):
    with CaptureQueriesContext(connection) as queries:
        pairing_statistics(county_admin, YEAR)
    assert not [q for q in queries.captured_queries
                if 'LEFT OUTER JOIN "pairing_annualagreement"' in q["sql"]]


def _add_townships(tree, n):
    """`n` more townships of one village each, every village paired with the county unit."""
    for i in range(n):
        township = add_org(tree.county, f"新增镇{i:02d}", "township")
        village = add_org(township, f"新增村{i:02d}", "village")
        Pairing.objects.create(city_org=tree.unit, village_org=village, since=DAY)


def _page(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pairing:statistics"), params)
    assert response.status_code == 200
    return response, len(queries)


def test_the_table_shows_a_page_of_townships_and_the_total_covers_all(login, county_admin,
                                                                       tree):
    _add_townships(tree, TOWNSHIPS_PER_PAGE + 3)
    client = login(county_admin)
    first, _ = _page(client)
    second, _ = _page(client, page=2, year=YEAR)
    whole = pairing_statistics(county_admin, YEAR)
    everyone = whole.rows
    assert len(everyone) == TOWNSHIPS_PER_PAGE + 5
    # Each page's rows are the whole table's rows of its townships, figure for figure.
    assert first.context["stats"].rows == everyone[:TOWNSHIPS_PER_PAGE]
    assert second.context["stats"].rows == everyone[TOWNSHIPS_PER_PAGE:]
    assert [t.name for t in first.context["page"]] == [r.label for r in
                                                       everyone[:TOWNSHIPS_PER_PAGE]]
    assert first.context["chart"]["townships"] == [r.label for r in everyone[:TOWNSHIPS_PER_PAGE]]
    html = second.content.decode()
    assert everyone[-1].label in html and everyone[0].label not in html
    assert f"year={YEAR}&amp;page=1" in html
    for response in (first, second):
        total = response.context["stats"].total
        assert total == whole.total
        assert (total.villages, total.pairings) == (4 + TOWNSHIPS_PER_PAGE + 3,
                                                    TOWNSHIPS_PER_PAGE + 3)
    workbook = load_workbook(io.BytesIO(statistics_workbook(whole)))
    labels = [row[0] for row in workbook.active.iter_rows(min_row=3, values_only=True)]
    assert labels == [row.label for row in everyone] + ["合计"]


def test_a_page_of_townships_groups_only_their_organizations(login, county_admin, tree):
    """The table's query over the tree is narrowed to the page's townships by their paths
    (the whole county's organizations were grouped to show 25 rows)."""
    _add_townships(tree, TOWNSHIPS_PER_PAGE + 3)
    client = login(county_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pairing:statistics"), {"page": 2})
    shown = {t.path for t in response.context["page"]}
    assert len(shown) == 5  # the two fixture townships and 28 more: 25 on page 1
    grouped = [q["sql"] for q in queries.captured_queries
               if "GROUP BY" in q["sql"] and "pairing_villagepairingtally" in q["sql"]]
    assert len(grouped) == 1
    prefixes = {path for path in re.findall(r"LIKE '(\w+)%'", grouped[0])
                if len(path) == TOWNSHIP_PREFIX}
    assert prefixes == shown


def test_query_count_does_not_follow_the_townships(login, county_admin, tree, edge_cases):
    client = login(county_admin)
    _, few = _page(client)
    _add_townships(tree, TOWNSHIPS_PER_PAGE + 3)
    _, many = _page(client)
    _, last_page = _page(client, page=2)
    assert many == few == last_page
