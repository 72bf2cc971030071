"""The org tally's participations (参加人次, migration 0014): kept by the triggers through the
services, bulk inserts and edits outside them, equal to a recount, checked and rebuilt by
`manage.py ledger_tallies`."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from ledger import tallies
from ledger.models import Activity, ActivityStatus, OrgMonthTally, Participation
from ledger.services import activities
from tests.factories import PersonFactory
from tests.ledger.test_compliance_matrices import data  # noqa: F401  (bulk-inserted history)
from tests.ledger.test_tallies import new_activity, no_mismatch, pairing  # noqa: F401


def participations(org, month):
    return sum(OrgMonthTally.objects.filter(org=org, month=month)
               .values_list("participations", flat=True))


def raw(org, month):
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return Participation.objects.filter(
        activity__org=org, activity__date__gte=month, activity__date__lt=following,
        activity__status__in=(ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)).count()


def test_bulk_inserted_rows_count_their_participations(tree, data):  # noqa: F811
    march = datetime.date(2025, 3, 1)
    assert participations(tree.village_a1, march) == raw(tree.village_a1, march) > 0
    assert tallies.check_tallies() == no_mismatch()


def test_services_keep_the_participations(tree, people, theme, today, village_secretary,
                                          township_admin, pairing):  # noqa: F811
    month = today.replace(day=1)
    talent2 = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    activity = new_activity(tree.village_a1, today, theme, village_secretary,
                            [people.a1, people.unit, talent2], pairing=pairing)
    assert participations(tree.village_a1, month) == 0  # a draft counts nowhere
    activities.do_submit_activity(activity, actor=village_secretary)
    assert participations(tree.village_a1, month) == 3
    assert OrgMonthTally.objects.get(org=tree.village_a1, month=month,
                                     pairing=pairing).participations == 3
    second = new_activity(tree.village_a1, today, theme, village_secretary, [people.unit])
    activities.do_submit_activity(second, actor=village_secretary)
    assert participations(tree.village_a1, month) == 4
    activities.do_return_activity(second, actor=township_admin, reason="缺照片")
    assert participations(tree.village_a1, month) == 3
    # Two people leave a submitted activity in one statement (outside the services).
    Participation.objects.filter(activity=activity, person__home_org=tree.unit).delete()
    assert participations(tree.village_a1, month) == 1
    activities.do_save_activity(second, [(people.a1, 2, "participant"),
                                         (talent2, 2, "participant")], actor=village_secretary)
    activities.do_submit_activity(second, actor=village_secretary)
    assert participations(tree.village_a1, month) == 3
    activities.do_confirm_activity(second, actor=township_admin)
    assert participations(tree.village_a1, month) == raw(tree.village_a1, month) == 3
    assert tallies.check_tallies() == no_mismatch()


def test_edits_outside_the_services_move_the_participations(tree, people, theme):
    """A counted activity moved to another organization and month, then deleted with its
    participants; a participation moved to another activity."""
    june, july = datetime.date(2025, 6, 1), datetime.date(2025, 7, 1)
    with transaction.atomic():
        first = Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 6, 3),
                                        theme=theme, title="走访", content="内容",
                                        status=ActivityStatus.SUBMITTED)
        second = Activity.objects.create(org=tree.village_b1, date=datetime.date(2025, 7, 3),
                                         theme=theme, title="走访", content="内容",
                                         status=ActivityStatus.CONFIRMED)
        Participation.objects.bulk_create([Participation(activity=first, person=people.a1),
                                           Participation(activity=first, person=people.unit)])
    assert participations(tree.village_a1, june) == 2
    first.org, first.date = tree.village_b1, datetime.date(2025, 7, 9)
    first.save()
    assert (participations(tree.village_a1, june), participations(tree.village_b1, july)) \
        == (0, 2)
    Participation.objects.filter(activity=first, person=people.a1).update(activity=second)
    assert participations(tree.village_b1, july) == 2
    assert tallies.check_tallies() == no_mismatch()
    first.delete()
    assert participations(tree.village_b1, july) == 1
    assert tallies.check_tallies() == no_mismatch()


def test_check_finds_and_rebuild_repairs_wrong_participations(tree, data, capsys):  # noqa: F811
    OrgMonthTally.objects.filter(org=tree.village_a1).update(participations=99)
    assert tallies.check_tallies()["OrgMonthTally"]
    with pytest.raises(SystemExit):
        call_command("ledger_tallies", "--check")
    assert "OrgMonthTally" in capsys.readouterr().out
    call_command("ledger_tallies", "--rebuild")
    assert tallies.check_tallies() == no_mismatch()


def test_triggers_of_the_older_schema_leave_the_participations_alone(tree, people, theme):
    """install_triggers(participations=False): what 0013's schema runs, with no such column."""
    tallies.install_triggers(participations=False)
    try:
        assert not any(tallies.ORG_PARTICIPATIONS in sql for sql in
                       tallies._sqlite_triggers(participations=False).values())
        with transaction.atomic():
            activity = Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 6, 3),
                                               theme=theme, title="走访", content="内容",
                                               status=ActivityStatus.SUBMITTED)
            Participation.objects.create(activity=activity, person=people.a1)
        tally = OrgMonthTally.objects.get(org=tree.village_a1)
        assert (tally.activities, tally.participations) == (1, 0)
    finally:
        tallies.install_triggers()
