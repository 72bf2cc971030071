"""The activity list (活动台账) and the 待确认 queue at city scale: the townships are named
for the page's rows only (the count of up to 10,000 rows no longer looks one up per row), and
whether to offer an organization filter reads two organizations instead of counting them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import Activity, ActivityStatus


def make(org, theme, today, title, status=ActivityStatus.SUBMITTED):
    return Activity.objects.create(org=org, date=today, theme=theme, title=title,
                                   content="内容", status=status)


@pytest.mark.parametrize("url_name", ["ledger:activity_list", "ledger:activity_to_confirm"])
def test_townships_named_for_the_page_rows_only(url_name, login, tree, theme, today,
                                                 county_admin):
    make(tree.village_a1, theme, today, "青山村的活动")
    make(tree.village_b2, theme, today, "柳林村的活动")
    make(tree.unit, theme, today, "单位的活动")
    with CaptureQueriesContext(connection) as captured:
        response = login(county_admin).get(reverse(url_name))
    assert response.status_code == 200
    names = {a.title: a.township_name for a in response.context["page"]}
    assert names == {"青山村的活动": "青山镇", "柳林村的活动": "白水乡", "单位的活动": None}
    activity_queries = [q["sql"] for q in captured.captured_queries
                        if 'FROM "ledger_activity"' in q["sql"]]
    assert activity_queries
    for sql in activity_queries:  # neither the count nor the page looks townships up
        assert "SUBSTR" not in sql.upper(), sql
    page = response.content.decode()
    assert "青山镇" in page and "白水乡" in page


def test_a_village_secretary_sees_no_township_column(login, tree, theme, today,
                                                     village_secretary):
    make(tree.village_a1, theme, today, "青山村的活动", status=ActivityStatus.DRAFT)
    with CaptureQueriesContext(connection) as captured:
        response = login(village_secretary).get(reverse("ledger:activity_list"))
    assert [a.title for a in response.context["page"]] == ["青山村的活动"]
    assert not hasattr(response.context["page"][0], "township_name")
    assert not [q for q in captured.captured_queries
                if "'township'" in q["sql"] and '"path" IN (' in q["sql"]]


def test_the_organization_filters_read_two_organizations(login, tree, county_admin,
                                                         village_secretary):
    with CaptureQueriesContext(connection) as captured:
        response = login(county_admin).get(reverse("ledger:activity_list"))
    assert {"township", "org"} <= set(response.context["form"].fields)
    counts = [q["sql"] for q in captured.captured_queries
              if "COUNT(*)" in q["sql"] and 'FROM "portal_organization"' in q["sql"]]
    assert len(counts) == 2 and all("LIMIT 2" in sql for sql in counts), counts
    # One village: nothing to choose, no filter.
    fields = login(village_secretary).get(reverse("ledger:activity_list")).context["form"].fields
    assert "township" not in fields and "org" not in fields
