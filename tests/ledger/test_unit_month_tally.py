"""The paired units' monthly tally (ledger/unit_tally.py): equal to a recount of the raw rows,
and to the unit matrix's figures of the old three-part query, after bulk inserts, a history of
service calls with a reopened month, and the writes outside the services that feed it (an
activity moved, people moving, a pairing ending, coming back or deleted, an organization
changing kind); checked and rebuilt by `manage.py unit_tally`."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from ledger import compliance, unit_tally
from ledger.models import Activity, ActivityStatus, PairedUnitMonthTally, Participation
from ledger.services import activities, locks
from pairing.models import Pairing, PairingStatus
from portal.models import Organization, Person
from tests.factories import PersonFactory
from tests.ledger.test_compliance_matrices import data  # noqa: F401  (bulk-inserted history)
from tests.ledger.test_tallies import new_activity


def cell(unit, month):
    return sum(PairedUnitMonthTally.objects.filter(unit=unit, month=month)
               .values_list("activities", flat=True))


def agrees(area):
    """The tally agrees with the raw rows, and with the matrix's three parts over the tally's
    months, cell by cell and in the column figures."""
    assert unit_tally.check() == {}
    months = sorted({m for m in PairedUnitMonthTally.objects.values_list("month", flat=True)}
                    | {a.date.replace(day=1) for a in Activity.objects.all()})
    if not months:
        return
    period = compliance.Period("test", "test", tuple(
        (m.year, m.month) for m in _month_span(months[0], months[-1])))
    old = compliance._unit_counts(area, period, compliance._paired_unit_ids(area))
    new, columns = compliance._whole_tree_unit_figures(period)
    assert {k: n for k, n in new.items() if n} == {k: n for k, n in old.items() if n}
    _cells, old_columns = compliance._unit_page_figures(area, period, [])
    assert sorted((m, n, a) for m, n, a in columns if n or a) == sorted(
        (m, n, a) for m, n, a in old_columns if n or a)


def _month_span(first, last):
    month = first
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


@pytest.fixture
def pairing(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2024, 1, 1))


def test_bulk_inserted_rows_are_tallied(tree, data):  # noqa: F811
    agrees(tree.county)
    # March: act 0 (paired village, the unit's talent) and act 1 (the pairing's); April: act 6
    # (the unit's own) and act 7 (the unit's, with the pairing: once); May: act 8 (paired
    # village, talent), not act 9 (石桥村 is not paired); June: act 5 (白水村, not paired).
    assert [cell(tree.unit, datetime.date(2025, m, 1)) for m in (3, 4, 5, 6)] == [2, 2, 1, 0]
    assert not PairedUnitMonthTally.objects.filter(unit=data.unit2).exists()  # not paired
    assert not PairedUnitMonthTally.objects.filter(unit=tree.village_a1).exists()


def test_service_history_with_a_reopened_month(tree, people, theme, today, closed_day,
                                               village_secretary, township_admin, pairing):
    month = today.replace(day=1)
    talent2 = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    activity = new_activity(tree.village_a1, today, theme, village_secretary,
                            [people.a1, people.unit, talent2])
    assert cell(tree.unit, month) == 0  # a draft counts nowhere
    activities.do_submit_activity(activity, actor=village_secretary)
    assert cell(tree.unit, month) == 1  # two of the unit's people, one activity
    activities.do_confirm_activity(activity, actor=township_admin)
    linked = new_activity(tree.village_a1, today, theme, village_secretary, [people.unit],
                          pairing=pairing)
    activities.do_submit_activity(linked, actor=village_secretary)
    assert cell(tree.unit, month) == 2  # the pairing's and the talent's: once
    activities.do_return_activity(linked, actor=township_admin, reason="缺照片")
    activities.do_save_activity(linked, [(people.a1, 2, "participant")], actor=village_secretary)
    activities.do_submit_activity(linked, actor=village_secretary)
    assert cell(tree.unit, month) == 2  # still the pairing's, without the unit's people
    # The unit's people leave the first activity in one statement, then one comes back.
    Participation.objects.filter(activity=activity, person__home_org=tree.unit).delete()
    assert cell(tree.unit, month) == 1
    Participation.objects.create(activity=activity, person=talent2)
    assert cell(tree.unit, month) == 2
    activities.do_delete_activity(new_activity(tree.village_a1, today, theme, village_secretary,
                                               [people.unit]), actor=village_secretary)
    agrees(tree.county)

    closed_month = closed_day.replace(day=1)
    with transaction.atomic():  # logged before the month closed (no service may write it now)
        old = Activity.objects.create(org=tree.village_a1, date=closed_day, theme=theme,
                                      title="补录", content="内容", status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=old, person=people.unit)
    assert cell(tree.unit, closed_month) == 1
    activities.do_return_activity(old, actor=township_admin, reason="日期有误")
    assert cell(tree.unit, closed_month) == 0
    locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                          actor=township_admin, reason="补录")
    old.refresh_from_db()
    old.date = closed_day + datetime.timedelta(days=1)
    activities.do_save_activity(old, [(people.a1, 3, "organizer")], actor=village_secretary)
    activities.do_submit_activity(old, actor=village_secretary)
    assert cell(tree.unit, closed_month) == 0  # no one of the unit took part any more
    Activity.objects.filter(pk=old.pk).update(pairing=pairing)
    assert cell(tree.unit, closed_month) == 1  # linked to the unit's pairing
    agrees(tree.county)


def test_writes_outside_the_services(tree, people, data):  # noqa: F811
    """An activity moved, people moving singly and in bulk, the pairing ending, coming back
    and deleted, organizations changing kind: each keeps the tally and the old figures."""
    first = data.acts[0]
    first.org, first.date = tree.village_b1, datetime.date(2025, 2, 27)
    first.save()
    agrees(tree.county)
    data.talent.home_org = data.unit2
    data.talent.save()
    agrees(tree.county)
    Person.objects.filter(home_org=data.unit2).update(home_org=tree.unit)
    agrees(tree.county)
    movers = list(Person.objects.filter(pk__in=[data.talent.pk, data.talent2.pk]))
    for person in movers:
        person.home_org = data.unit2
    Person.objects.bulk_update(movers, ["home_org"])
    agrees(tree.county)
    Person.objects.filter(pk=data.talent.pk).update(home_org=tree.unit)

    march = datetime.date(2025, 3, 1)
    Pairing.objects.filter(pk=data.pairing.pk).update(status=PairingStatus.ENDED)
    assert not PairedUnitMonthTally.objects.filter(unit=tree.unit, activities__gt=0).exists()
    agrees(tree.county)
    Pairing.objects.filter(pk=data.pairing.pk).update(status=PairingStatus.ACTIVE)
    assert cell(tree.unit, march) == 1  # act 1 (the pairing's); act 0 moved to 白水村
    agrees(tree.county)
    other = Pairing.objects.create(city_org=data.unit2, village_org=tree.village_b1,
                                   since=datetime.date(2024, 1, 1))
    agrees(tree.county)
    Organization.objects.filter(pk=tree.village_b1.pk).update(kind="community")
    agrees(tree.county)
    Organization.objects.filter(pk=tree.village_b1.pk).update(kind="village")
    Organization.objects.filter(pk=data.unit2.pk).update(kind="other")  # no longer a city kind
    assert not PairedUnitMonthTally.objects.filter(unit=data.unit2, activities__gt=0).exists()
    agrees(tree.county)
    Organization.objects.filter(pk=data.unit2.pk).update(kind="enterprise")
    agrees(tree.county)
    other.delete()
    data.pairing.delete()  # its activities lose their pairing first (SET NULL)
    assert not PairedUnitMonthTally.objects.filter(activities__gt=0).exists()
    agrees(tree.county)


def test_check_and_rebuild_command(tree, data, capsys):  # noqa: F811
    PairedUnitMonthTally.objects.filter(unit=tree.unit).update(activities=7)
    with pytest.raises(SystemExit) as failed:
        call_command("unit_tally", "--check")
    assert failed.value.code == 1
    assert "不一致" in capsys.readouterr().out
    call_command("unit_tally", "--rebuild")
    call_command("unit_tally", "--check")
    assert "一致" in capsys.readouterr().out
    agrees(tree.county)


def test_paused_triggers_then_rebuild(tree, people, theme, pairing):
    with transaction.atomic(), unit_tally.paused():
        Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 5, 5),
                                theme=theme, title="批量", content="内容", pairing=pairing,
                                status=ActivityStatus.CONFIRMED)
    assert not PairedUnitMonthTally.objects.filter(activities__gt=0).exists()
    assert unit_tally.check()
    unit_tally.rebuild()
    assert unit_tally.triggers_present()
    assert cell(tree.unit, datetime.date(2025, 5, 1)) == 1
    agrees(tree.county)


def test_a_confirmation_recounts_no_cell_a_return_does(tree, people, theme, today, pairing,
                                                       village_secretary, township_admin):
    """Submitted -> confirmed changes nothing the tally counts: its trigger does not run (a
    batch of confirmations locks no cell). A cell left wrong shows it; a return recounts it."""
    month = today.replace(day=1)
    confirmed, returned = (
        new_activity(tree.village_a1, today, theme, village_secretary, [people.unit])
        for _ in range(2))
    for activity in (confirmed, returned):
        activities.do_submit_activity(activity, actor=village_secretary)
    assert cell(tree.unit, month) == 2
    PairedUnitMonthTally.objects.filter(unit=tree.unit, month=month).update(activities=9)
    activities.do_confirm_activity(confirmed, actor=township_admin)
    assert cell(tree.unit, month) == 9  # not recounted
    activities.do_return_activity(returned, actor=township_admin, reason="缺照片")
    assert cell(tree.unit, month) == 1  # recounted: the confirmed one alone
