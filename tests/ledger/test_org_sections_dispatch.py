"""The county's (a township's) 本月调度 section: activities to confirm are counted up to
WAITING_SHOWN ("999+"), reading no more rows than that."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger import org_sections
from ledger.models import Activity, ActivityStatus, ActivityTheme
from ledger.org_sections import at_most


def waiting_figure(client, user, org):
    client.force_login(user)
    response = client.get(reverse("portal:org_detail", args=[org.pk]))
    section = next(context for section, context in response.context["sections"]
                   if section.key == "dispatch")
    return next(value for label, value, _, _ in section["figures"] if label == "待确认活动")


def add_waiting(village, n, status=ActivityStatus.SUBMITTED):
    Activity.objects.bulk_create(
        Activity(org=village, date=timezone.localdate().replace(day=1),
                 theme=ActivityTheme.objects.first(), title=f"活动{i}", content="内容",
                 status=status) for i in range(n))


def test_the_queue_is_counted_up_to_a_bound(client, monkeypatch, tree, county_admin):
    add_waiting(tree.village_a1, 2)
    add_waiting(tree.village_b1, 1)
    add_waiting(tree.village_b1, 2, ActivityStatus.CONFIRMED)
    assert waiting_figure(client, county_admin, tree.county) == 3
    monkeypatch.setattr(org_sections, "WAITING_SHOWN", 2)
    assert waiting_figure(client, county_admin, tree.county) == "2+"


def test_at_most_reads_one_row_past_the_bound(tree):
    add_waiting(tree.village_a1, 3)
    queryset = Activity.objects.all()
    assert at_most(queryset, 5) == 3
    assert at_most(queryset, 3) == 3
    assert at_most(queryset, 2) == "2+"
    with CaptureQueriesContext(connection) as queries:
        at_most(queryset, 2)
    sql = queries.captured_queries[0]["sql"]
    assert "LIMIT 3" in sql and "ORDER BY" not in sql  # no sort of the whole queue first
