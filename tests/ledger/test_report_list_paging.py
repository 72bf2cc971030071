"""The half-year report list at city scale (250 townships in one county's tree): the table
shows a page of townships under its own page parameter, the figures above it still cover
every township, and the history below keeps `page`."""

import pytest
from django.urls import reverse

from ledger.services import reports as services
from ledger.views.reports import REPORTS_PER_PAGE, TOWNSHIP_PAGE_PARAM, TOWNSHIPS_PER_PAGE
from tests.factories import add_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_townships(tree):
    """The tree's two townships and TOWNSHIPS_PER_PAGE more (so the table has two pages)."""
    return [add_org(tree.county, f"第{n:02d}镇", "township", code=f"TX{n:04d}")
            for n in range(TOWNSHIPS_PER_PAGE)]


def test_a_page_of_townships_with_figures_over_all(login, county_admin, township_admin, tree,
                                                  many_townships, today):
    year, half = services.previous_half(*services.current_half(today))
    services.do_submit_report(tree.town_a, year, half, actor=township_admin, summary="a",
                              problems="b", next_steps="c")
    client = login(county_admin)
    url = reverse("ledger:report_list")
    first = client.get(url, {"year": year, "half": half})
    total = TOWNSHIPS_PER_PAGE + 2
    assert len(first.context["rows"]) == TOWNSHIPS_PER_PAGE
    assert first.context["township_count"] == total
    assert first.context["not_submitted"] == total - 1  # 青山镇 submitted, on page one
    body = first.content.decode()
    assert f"{total}个乡镇" in body and f"未提交 {total - 1} 个" in body
    assert f"{TOWNSHIP_PAGE_PARAM}=2" in body and f"year={year}" in body
    second = client.get(url, {"year": year, "half": half, TOWNSHIP_PAGE_PARAM: 2})
    assert second.context["not_submitted"] == total - 1
    shown = [row["township"] for row in first.context["rows"] + second.context["rows"]]
    assert len(shown) == total == len(set(shown))
    assert [t.path for t in shown] == sorted(t.path for t in shown)
    # A bad page number gives the nearest page; the history keeps its own `page`.
    assert len(client.get(url, {TOWNSHIP_PAGE_PARAM: "x"}).context["rows"]) == TOWNSHIPS_PER_PAGE
    assert [r.township for r in second.context["page"]] == [tree.town_a]


def test_the_history_shows_a_page_of_reports(login, county_admin, township_admin, tree,
                                             many_townships, today):
    from ledger.models import TownshipReport

    TownshipReport.objects.bulk_create(
        TownshipReport(township=township, year=2025, half=1) for township in many_townships)
    response = login(county_admin).get(reverse("ledger:report_list"))
    assert len(response.context["page"]) == REPORTS_PER_PAGE
    assert response.context["page"].paginator.count == len(many_townships)


def test_the_history_reads_no_report_text(login, county_admin, tree, many_townships):
    """The history lists reports without their text and figures (sorted for a page, each
    row was 1.5 KB of them at city scale), and rendering it reads none of them later."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger.models import TownshipReport

    TownshipReport.objects.bulk_create(
        TownshipReport(township=township, year=2025, half=1, summary="总结" * 200,
                       figures={"activities": 1}) for township in many_townships)
    client = login(county_admin)
    url = reverse("ledger:report_list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["page"]) == REPORTS_PER_PAGE
    history = [q["sql"] for q in queries.captured_queries
               if 'FROM "ledger_townshipreport"' in q["sql"] and "LIMIT" in q["sql"]]
    assert history
    for sql in [q["sql"] for q in queries.captured_queries]:
        assert '"ledger_townshipreport"."summary"' not in sql
        assert '"ledger_townshipreport"."figures"' not in sql
