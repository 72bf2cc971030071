"""活动台账概况 on the county home: this month's counted activities and participations come from
the monthly tallies, read without joining the org tree when the user's scope is the whole
tree (30 ms of the county home at city scale); the same figures as counting the raw rows, and
another county's rows stay out once there is one."""

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, Participation
from ledger.navigation import _county_panel
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
        tallies = [q["sql"] for q in queries.captured_queries if "monthtally" in q["sql"]]
        assert len(tallies) == 2 and not any("portal_organization" in sql for sql in tallies)


def test_a_second_county_stays_out(tree, theme, county_admin):
    person = PersonFactory(home_org=tree.village_a1)
    _log(tree.village_a1, theme, ActivityStatus.CONFIRMED, [person])
    other = add_org(None, "邻县", "county")
    village = add_org(add_org(other, "邻镇", "township"), "邻村", "village")
    _log(village, theme, ActivityStatus.CONFIRMED, [PersonFactory(home_org=village)])
    panel = _panel(county_admin)
    assert (panel["activities"], panel["participations"]) == (1, 1)
