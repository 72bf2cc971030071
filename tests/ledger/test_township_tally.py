"""Township roll-up (ledger/township_tally.py): kept from the org tally's own changes in the
same transaction, equal to a recount of the raw rows after service histories, a reopened month
edited, edits, deletes, activities moved to another month or organization, organizations
moved, retyped or closed; checked and rebuilt by `manage.py ledger_tallies`."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ledger import tallies, township_tally
from ledger.models import Activity, ActivityStatus, OrgMonthTally, Participation
from ledger.models import TownshipMonthTally as Rollup
from ledger.services import activities, locks
from pairing.models import Pairing
from portal.models import Organization
from tests.factories import add_org
from tests.ledger.test_compliance_matrices import data  # noqa: F401  (bulk-inserted history)
from tests.ledger.test_tallies import new_activity


def figures(org, month, kind="village", active=True):
    """(activities, participations, active orgs) of the roll-up row of `org`'s township."""
    row = Rollup.objects.filter(township=org.path[:township_tally.PREFIX], kind=kind,
                                org_active=active, month=month).first()
    return (row.activities, row.participations, row.active_orgs) if row else (0, 0, 0)


def agrees():
    assert township_tally.check() == []
    assert tallies.check_tallies()["OrgMonthTally"] == []
    return True


@pytest.fixture
def pairing(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2024, 1, 1))


def test_triggers_are_installed(db):
    assert township_tally.triggers_present()


def test_bulk_inserted_rows_roll_up(tree, data):  # noqa: F811
    assert agrees()
    march = datetime.date(2025, 3, 1)
    # 青山村: two counted activities in March (one per pairing row), one village active.
    assert figures(tree.village_a1, march)[0] == 2
    assert figures(tree.village_a1, march)[2] == 1


def test_two_pairings_of_one_village_count_it_once(tree, people, theme, today,
                                                   village_secretary, township_admin, pairing):
    month = today.replace(day=1)
    plain = new_activity(tree.village_a1, today, theme, village_secretary, [people.a1])
    activities.do_submit_activity(plain, actor=village_secretary)
    assert figures(tree.village_a1, month) == (1, 1, 1)
    paired = new_activity(tree.village_a1, today, theme, village_secretary,
                          [people.a1, people.unit], pairing=pairing)
    activities.do_submit_activity(paired, actor=village_secretary)
    assert OrgMonthTally.objects.filter(org=tree.village_a1, month=month).count() == 2
    assert figures(tree.village_a1, month) == (2, 3, 1)
    with transaction.atomic():  # 石桥村's secretary, outside the services
        second = Activity.objects.create(org=tree.village_a2, date=today, theme=theme,
                                         title="走访", content="-",
                                         status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=second, person=people.a2)
    assert figures(tree.village_a1, month) == (3, 4, 2)  # 石桥村 is in the same township
    activities.do_return_activity(plain, actor=township_admin, reason="缺照片")
    assert figures(tree.village_a1, month) == (2, 3, 2)  # 青山村 still has the paired one
    activities.do_return_activity(paired, actor=township_admin, reason="缺照片")
    assert figures(tree.village_a1, month) == (1, 1, 1)
    Activity.objects.filter(pk=second.pk).delete()
    assert figures(tree.village_a1, month) == (0, 0, 0)
    assert agrees()


def test_service_history_and_reopened_month(tree, people, theme, today, closed_day,
                                            village_secretary, township_admin, pairing):
    """A closed month's activity returned, the month reopened, the activity moved into another
    day with other participants and submitted again."""
    closed_month = closed_day.replace(day=1)
    with transaction.atomic():
        activity = Activity.objects.create(org=tree.village_a1, date=closed_day, theme=theme,
                                           title="补录", content="内容",
                                           status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=activity, person=people.unit)
    assert figures(tree.village_a1, closed_month) == (1, 1, 1)
    activities.do_return_activity(activity, actor=township_admin, reason="日期有误")
    assert figures(tree.village_a1, closed_month) == (0, 0, 0)
    locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                          actor=township_admin, reason="补录")
    activity.refresh_from_db()
    activity.date = closed_day + datetime.timedelta(days=1)
    activities.do_save_activity(
        activity, [(people.a1, 3, "organizer"), (people.unit, 2, "participant")],
        actor=village_secretary)
    activities.do_submit_activity(activity, actor=village_secretary)
    assert figures(tree.village_a1, closed_month) == (1, 2, 1)
    activities.do_confirm_activity(activity, actor=township_admin)
    assert figures(tree.village_a1, closed_month) == (1, 2, 1)
    assert agrees()


def test_moves_to_another_month_org_and_township(tree, people, theme):
    day = datetime.date(2025, 5, 10)
    may, june = datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)
    activity = Activity.objects.create(org=tree.village_a1, date=day, theme=theme, title="走访",
                                       content="-", status=ActivityStatus.CONFIRMED)
    Participation.objects.create(activity=activity, person=people.a1)
    Participation.objects.create(activity=activity, person=people.unit)
    Activity.objects.filter(pk=activity.pk).update(date=datetime.date(2025, 6, 3))
    assert figures(tree.village_a1, may) == (0, 0, 0)
    assert figures(tree.village_a1, june) == (1, 2, 1)
    Activity.objects.filter(pk=activity.pk).update(org=tree.village_a2)
    assert figures(tree.village_a2, june) == (1, 2, 1)
    Activity.objects.filter(pk=activity.pk).update(org=tree.village_b1, date=day)
    assert figures(tree.village_a1, june) == (0, 0, 0)
    assert figures(tree.village_b1, may) == (1, 2, 1)
    Activity.objects.filter(pk=activity.pk).update(org=tree.unit)
    assert figures(tree.unit, may, kind="unit") == (1, 2, 1)
    assert agrees()
    Participation.objects.filter(activity=activity, person=people.a1).delete()
    assert figures(tree.unit, may, kind="unit") == (1, 1, 1)
    activity.delete()
    assert figures(tree.unit, may, kind="unit") == (0, 0, 0)
    assert agrees()


def test_organizations_moved_retyped_or_closed(tree, people, theme):
    may = datetime.date(2025, 5, 1)
    for org in (tree.village_a1, tree.village_a2):
        Activity.objects.create(org=org, date=may, theme=theme, title="走访", content="-",
                                status=ActivityStatus.SUBMITTED)
    assert figures(tree.village_a1, may) == (2, 0, 2)
    Organization.objects.filter(pk=tree.village_a2.pk).update(is_active=False)
    assert figures(tree.village_a1, may) == (1, 0, 1)
    assert figures(tree.village_a1, may, active=False) == (1, 0, 1)
    Organization.objects.filter(pk=tree.village_a1.pk).update(kind="community")
    assert figures(tree.village_a1, may) == (0, 0, 0)
    assert figures(tree.village_a1, may, kind="community") == (1, 0, 1)
    village = Organization.objects.get(pk=tree.village_a1.pk)
    Organization.objects.move(village, Organization.objects.get(pk=tree.town_b.pk),
                              "last-child")
    village.refresh_from_db()
    assert figures(village, may, kind="community") == (1, 0, 1)
    assert figures(tree.village_a2, may, kind="community") == (0, 0, 0)
    new_village = add_org(tree.town_a, "新村", "village")
    Activity.objects.create(org=new_village, date=may, theme=theme, title="走访", content="-",
                            status=ActivityStatus.SUBMITTED)
    assert figures(new_village, may) == (1, 0, 1)
    assert agrees()


def test_check_and_rebuild(tree, data, capsys):  # noqa: F811
    Rollup.objects.filter(month=datetime.date(2025, 3, 1)).update(active_orgs=9)
    Rollup.objects.filter(month=datetime.date(2025, 6, 1)).delete()
    wrong = township_tally.check()
    assert {key[3] for key, _stored, _expected in wrong} == {"2025-03-01", "2025-06-01"}
    with pytest.raises(SystemExit):
        call_command("ledger_tallies", "--check")
    assert "TownshipMonthTally" in capsys.readouterr().out
    call_command("ledger_tallies", "--rebuild", "--year", "2025")
    assert "TownshipMonthTally" in capsys.readouterr().out
    assert agrees()
    call_command("ledger_tallies", "--check")


def test_rebuild_of_a_year_leaves_other_years(tree, theme):
    for day in (datetime.date(2024, 12, 5), datetime.date(2025, 1, 5)):
        Activity.objects.create(org=tree.village_a1, date=day, theme=theme, title="走访",
                                content="-", status=ActivityStatus.SUBMITTED)
    Rollup.objects.update(activities=7)
    assert township_tally.rebuild(2025) == 1
    assert figures(tree.village_a1, datetime.date(2025, 1, 1))[0] == 1
    assert figures(tree.village_a1, datetime.date(2024, 12, 1))[0] == 7


def test_paused_then_rebuilt(tree, theme):
    with tallies.paused():
        Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 2, 2), theme=theme,
                                title="走访", content="-", status=ActivityStatus.SUBMITTED)
    assert not Rollup.objects.exists()
    tallies.rebuild_tallies()
    assert figures(tree.village_a1, datetime.date(2025, 2, 1)) == (1, 0, 1)
    assert township_tally.triggers_present() and agrees()
    # The rebuild pauses the triggers on the tallies while it writes them (PostgreSQL), and
    # leaves them on after.
    assert township_tally.PAUSE_SETTING == tallies.PAUSE_SETTING
    Activity.objects.create(org=tree.village_a2, date=datetime.date(2025, 2, 3), theme=theme,
                            title="走访", content="-", status=ActivityStatus.SUBMITTED)
    assert figures(tree.village_a1, datetime.date(2025, 2, 1)) == (2, 0, 2)


def test_migration_back_and_forth_keeps_the_roll_up(transactional_db, tree, theme):
    from django.core.management import call_command as run

    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 2, 2), theme=theme,
                            title="走访", content="-", status=ActivityStatus.SUBMITTED)
    run("migrate", "ledger", "0016", verbosity=0)
    assert township_tally.ROLLUP not in connection.introspection.table_names()
    assert tallies.triggers_present()
    Activity.objects.create(org=tree.village_a2, date=datetime.date(2025, 2, 3), theme=theme,
                            title="走访", content="-", status=ActivityStatus.SUBMITTED)
    run("migrate", "ledger", verbosity=0)
    assert township_tally.triggers_present()
    assert figures(tree.village_a1, datetime.date(2025, 2, 1)) == (2, 0, 2)
    assert agrees()


def test_trends_of_a_scope_below_a_township(tree, theme, today, django_user_model):
    """A scope rooted below a township holds part of its roll-up: its organizations are
    summed from their org tallies instead (the village's activity, not its neighbour's)."""
    from ledger import trend_panels
    from tests.factories import grant

    user = django_user_model.objects.create(username="village_leader")
    grant(user, tree.village_a1, "leader")
    for org in (tree.village_a1, tree.village_a2, tree.village_a2):
        Activity.objects.create(org=org, date=today, theme=theme, title="走访", content="-",
                                status=ActivityStatus.SUBMITTED)
    trends = trend_panels.ledger_trends(user, today=today)
    assert (trends.activities[today.month - 1], trends.active[today.month - 1]) == (1, 1)
    assert sum(trends.activities) == 1


def test_admin_lists_the_roll_up_read_only(client, tree, theme, django_user_model):
    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 2, 2), theme=theme,
                            title="走访", content="-", status=ActivityStatus.SUBMITTED)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "x"))
    listing = client.get("/admin/ledger/townshipmonthtally/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "乡镇月度活动汇总" in html and "开展活动的组织数" in html and "村" in html
    assert client.get("/admin/ledger/townshipmonthtally/add/").status_code == 403
    row = Rollup.objects.get()
    assert "删除" not in client.get(f"/admin/ledger/townshipmonthtally/{row.pk}/change/")\
        .content.decode().split('id="content-main"')[1].split("</form>")[0]
