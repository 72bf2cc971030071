"""The unit page's 人才 section: each talent's village activities this month, counted through
the talent's own participations (bounded by them, not by the county's month of activities)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation
from tests.factories import add_org, bulk_people

TODAY = timezone.localdate()


def activity(org, status=ActivityStatus.SUBMITTED, date=None):
    return Activity.objects.create(org=org, date=date or TODAY.replace(day=1),
                                   theme=ActivityTheme.objects.first(), title="活动",
                                   content="内容", status=status)


def test_a_talent_counts_the_counted_village_activities_of_the_county_this_month(
        client, tree, unit_contact):
    talents = bulk_people(
        busy={"name": "甲人才", "home_org": tree.unit, "is_city_talent": True},
        idle={"name": "乙人才", "home_org": tree.unit, "is_city_talent": True})
    elsewhere = add_org(add_org(add_org(None, "外县", "county"), "外乡", "township"),
                        "外村", "village")
    last_month = TODAY.replace(day=1) - datetime.timedelta(days=1)
    counted = activity(tree.village_a1)
    joined = [counted, activity(tree.village_b1, ActivityStatus.CONFIRMED),
              activity(tree.village_a2, ActivityStatus.DRAFT),  # not counted
              activity(tree.unit),  # not a village
              activity(tree.village_a1, date=last_month),  # another month
              activity(elsewhere)]  # another county
    Participation.objects.bulk_create(Participation(activity=a, person=talents["busy"])
                                      for a in joined)
    Participation.objects.create(activity=counted, person=talents["idle"])
    client.force_login(unit_contact)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:org_detail", args=[tree.unit.pk]))
    section = next(context for section, context in response.context["sections"]
                   if section.key == "talents")
    assert [(row["name"], row["count"]) for row in section["rows"]] == [("乙人才", 1),
                                                                         ("甲人才", 2)]
    # The month's activities are reached through the participations, never as an IN over
    # every activity of the county's month.
    talents_sql = [q["sql"] for q in queries.captured_queries
                   if "COUNT(DISTINCT" in q["sql"] and "is_city_talent" in q["sql"]]
    assert talents_sql and all('FROM "ledger_activity"' not in sql for sql in talents_sql)
