"""活动台账概况 on the county home: this month's counted activities and participations come from
the monthly tallies, read without joining the org tree when the user's scope is the whole
tree (30 ms of the county home at city scale), and so do the silent villages (a village
logged when its month's tally is above 0; for the whole tree, the township roll-up's count
of the villages that logged); the same figures as counting the raw rows, and
another county's rows stay out once there is one."""

import datetime

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, Participation
from ledger.navigation import _county_panel
from portal.models import Organization
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory, add_org

TODAY = timezone.localdate()


def _panel(user):
    request = RequestFactory().get("/")
    request.user = user
    return _county_panel(request)


def _raw(org_path):
    this_month = Activity.objects.filter(org__path__startswith=org_path, date__year=TODAY.year,
                                         date__month=TODAY.month)
    counted = this_month.filter(status__in=[ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED])
    return {"activities": counted.count(),
            "waiting": this_month.filter(status=ActivityStatus.SUBMITTED).count(),
            "participations": Participation.objects.filter(activity__in=counted).count()}


def _log(org, theme, status, people=()):
    activity = Activity.objects.create(org=org, date=TODAY, theme=theme, status=status,
                                       title="活动", content="内容")
    Participation.objects.bulk_create(Participation(activity=activity, person=p) for p in people)


def test_figures_from_the_tallies_equal_the_raw_rows(tree, theme, county_admin, leader):
    people = [PersonFactory(home_org=tree.village_a1) for _ in range(3)]
    _log(tree.village_a1, theme, ActivityStatus.SUBMITTED, people)
    _log(tree.village_b1, theme, ActivityStatus.CONFIRMED, people[:2])
    _log(tree.unit, theme, ActivityStatus.CONFIRMED, people[:1])
    _log(tree.village_a2, theme, ActivityStatus.DRAFT, people)
    _log(tree.village_a2, theme, ActivityStatus.RETURNED, people)
    for user in (county_admin, leader):
        with CaptureQueriesContext(connection) as queries:
            panel = _panel(user)
        assert {key: panel[key] for key in ("activities", "waiting", "participations")} \
            == _raw(tree.county.path) == {"activities": 3, "waiting": 1, "participations": 6}
        sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"]]
        # Activities and participations: one sum of the org tallies, no person tally read;
        # the villages: one sum of the organizations per township, no organization read.
        assert len(sums) == 2 and not any("portal_organization" in sql for sql in sums)
        assert "portal_townshiporgtally" in sums[1]
        assert not any("ledger_personmonthtally" in q["sql"]
                       for q in queries.captured_queries)
        waiting = [q["sql"] for q in queries.captured_queries
                   if "ledger_activity" in q["sql"]]
        assert len(waiting) == 1 and "portal_organization" not in waiting[0]


def _raw_silent(org_path):
    villages = Organization.objects.filter(path__startswith=org_path, kind=OrgKind.VILLAGE,
                                           is_active=True)
    logged = villages.filter(activities__status__in=[ActivityStatus.SUBMITTED,
                                                     ActivityStatus.CONFIRMED],
                             activities__date__year=TODAY.year,
                             activities__date__month=TODAY.month).distinct()
    return villages.count(), villages.count() - logged.count()


def test_silent_villages_from_the_tallies_equal_the_raw_rows(tree, theme, county_admin,
                                                              leader):
    _log(tree.village_a1, theme, ActivityStatus.SUBMITTED)
    _log(tree.village_a1, theme, ActivityStatus.CONFIRMED)
    _log(tree.village_b1, theme, ActivityStatus.CONFIRMED)
    _log(tree.village_a2, theme, ActivityStatus.DRAFT)  # not counted: silent
    _log(tree.village_a2, theme, ActivityStatus.RETURNED)
    _log(tree.unit, theme, ActivityStatus.CONFIRMED)  # not a village
    Activity.objects.create(org=tree.village_b2, date=TODAY - datetime.timedelta(days=40),
                            theme=theme, status=ActivityStatus.CONFIRMED, title="上月",
                            content="内容")  # another month: silent this month
    returned = Activity.objects.create(org=tree.village_b1, date=TODAY, theme=theme,
                                       status=ActivityStatus.CONFIRMED, title="退回",
                                       content="内容")
    returned.status = ActivityStatus.RETURNED  # its tally goes back to 1, not away
    returned.save()
    for user in (county_admin, leader):
        with CaptureQueriesContext(connection) as queries:
            panel = _panel(user)
        assert (panel["villages"], panel["silent"]) == _raw_silent(tree.county.path) == (4, 2)
        # The whole tree: the villages that logged are the month's township roll-up's, not
        # one probe per village.
        sqls = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in sqls if "EXISTS" in sql]
        assert [sql for sql in sqls if "ledger_townshipmonthtally" in sql and "SUM(" in sql]
    # A village whose only activity is taken back (its tally row stays, at 0) is silent again.
    Activity.objects.filter(org=tree.village_b1).update(status=ActivityStatus.DRAFT)
    assert _panel(county_admin)["silent"] == _raw_silent(tree.county.path)[1] == 3


def test_a_second_county_stays_out(tree, theme, county_admin):
    person = PersonFactory(home_org=tree.village_a1)
    _log(tree.village_a1, theme, ActivityStatus.CONFIRMED, [person])
    other = add_org(None, "邻县", "county")
    village = add_org(add_org(other, "邻镇", "township"), "邻村", "village")
    _log(village, theme, ActivityStatus.CONFIRMED, [PersonFactory(home_org=village)])
    _log(village, theme, ActivityStatus.SUBMITTED)
    panel = _panel(county_admin)
    assert (panel["activities"], panel["participations"]) == (1, 1)
    assert (panel["waiting"], panel["villages"], panel["silent"]) == (0, 4, 3)
    _log(tree.village_b1, theme, ActivityStatus.CONFIRMED)
    assert _panel(county_admin)["silent"] == _raw_silent(tree.county.path)[1] == 2
