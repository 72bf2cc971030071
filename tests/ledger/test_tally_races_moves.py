"""PostgreSQL: a recount trigger running while a save of the same rows is in progress.

- A person moving to another organization recounts the unit tallies of the two organizations
  from what it sees; a participation added or taken away, or an activity returned, at the
  same time counts the units by the home organizations it sees (of the person added or taken
  away and of the activity's other participants).
- An organization changing kind recounts the talent tallies of its activities' participants;
  a participation added or an activity submitted at the same time counts by the kind it sees.

Under READ COMMITTED each missed the other's uncommitted rows and the tally came out wrong.
The activity and participation triggers now share-lock the activity's participants and its
organization before counting, so the move or the kind change waits for the save, or the save
for it. Each case runs both ways round: the save first, and the recount first."""

import datetime
import threading
import time

import pytest
from django.db import transaction

from ledger import tallies
from ledger.models import (
    Activity,
    ActivityStatus,
    Participation,
    TalentMonthTally,
    UnitMonthTally,
)
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory
from tests.ledger.test_talent_tally_races import _in_thread

DAY = datetime.date(2025, 6, 2)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]




def _race(first, second):
    """Run `first` in a transaction held open while `second` runs (or waits) in another
    connection, then commit it; [] or the errors either raised."""
    done, started, errors = threading.Event(), threading.Event(), []

    def hold():
        with transaction.atomic():
            first()
            done.set()
            started.wait(10)
            time.sleep(0.5)  # `second` runs (or waits for this transaction) meanwhile

    def follow():
        done.wait(10)
        started.set()
        second()

    for thread in [_in_thread(hold, errors), _in_thread(follow, errors)]:
        thread.join(30)
    return errors


def _activity(org, theme, status=ActivityStatus.SUBMITTED):
    return Activity.objects.create(org=org, date=DAY, theme=theme, title="服务", content="内容",
                                   status=status)


def _units(activity):
    return dict(UnitMonthTally.objects.filter(org=activity.org, activities__gt=0)
                .values_list("unit_id", "activities"))


@pytest.mark.parametrize("first", ["save", "move"])
@pytest.mark.parametrize("mover", ["its_person", "another_participant"])
@pytest.mark.parametrize("change", ["add", "take_away", "return"])
def test_a_move_during_a_save_leaves_the_unit_tally_right(tree, theme, change, mover, first):
    person = PersonFactory(home_org=tree.unit)
    other = PersonFactory(home_org=tree.unit)
    activity = _activity(tree.village_a1, theme)
    Participation.objects.create(activity=activity, person=other)
    if change != "add":
        Participation.objects.create(activity=activity, person=person)
    moving = person if mover == "its_person" else other

    def save():
        if change == "add":
            Participation.objects.create(activity=activity, person=person)
        elif change == "take_away":
            Participation.objects.filter(activity=activity, person=person).delete()
        else:  # out of the count
            activity.status = ActivityStatus.RETURNED
            activity.save(update_fields=["status"])

    def move():
        Person.objects.filter(pk=moving.pk).update(home_org=tree.village_b1)

    assert _race(*((save, move) if first == "save" else (move, save))) == []
    assert tallies.check_tallies()["UnitMonthTally"] == []
    stays, moved = tree.unit.pk, tree.village_b1.pk
    units = {stays, moved}  # both take part, one of them moved
    if change == "take_away":  # only the other participant is left
        units = {moved if mover == "another_participant" else stays}
    if change == "return":
        units = set()
    assert _units(activity) == dict.fromkeys(units, 1)


@pytest.mark.parametrize("first", ["save", "kind"])
@pytest.mark.parametrize("becomes_village", [False, True])
@pytest.mark.parametrize("change", ["add", "submit"])
def test_a_kind_change_during_a_save_leaves_the_talent_tally_right(
        tree, theme, change, becomes_village, first):
    talent = PersonFactory(home_org=tree.unit, is_city_talent=True)
    org = tree.unit if becomes_village else tree.village_a1
    activity = _activity(org, theme, ActivityStatus.SUBMITTED if change == "add"
                         else ActivityStatus.DRAFT)
    if change == "submit":
        Participation.objects.create(activity=activity, person=talent)

    def save():
        if change == "add":
            Participation.objects.create(activity=activity, person=talent)
        else:
            activity.status = ActivityStatus.SUBMITTED
            activity.save(update_fields=["status"])

    def change_kind():
        kind = OrgKind.VILLAGE if becomes_village else OrgKind.COMMUNITY
        Organization.objects.filter(pk=org.pk).update(kind=kind)

    assert _race(*((save, change_kind) if first == "save" else (change_kind, save))) == []
    assert tallies.check_tallies()["TalentMonthTally"] == []
    assert sum(TalentMonthTally.objects.filter(person=talent)
               .values_list("participations", flat=True)) == (1 if becomes_village else 0)
