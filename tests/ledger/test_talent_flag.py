"""The person tallies' city-talent flag (ledger/talent_flag.py): set from the person when a
row is written by the activity or participation triggers or by a rebuild, changed with the
person's flag, checked and set right by `manage.py person_tally_talents`."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from ledger import talent_flag, tallies
from ledger.models import Participation, PersonMonthTally
from ledger.services import activities
from pairing.models import Pairing
from tests.ledger.test_tallies import new_activity


def flags(org):
    """{person id: talent flag} of `org`'s person tallies."""
    return dict(PersonMonthTally.objects.filter(org=org).values_list("person_id", "talent"))


@pytest.fixture
def submitted(tree, people, theme, today, village_secretary):
    """A submitted activity of 青山村 with a villager and its paired unit's talent (陈农业)."""
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2024, 1, 1))
    activity = new_activity(tree.village_a1, today, theme, village_secretary,
                            [people.a1, people.unit], pairing=pairing)
    activities.do_submit_activity(activity, actor=village_secretary)
    return activity


def test_rows_written_by_the_activity_trigger_carry_the_persons_flag(tree, people, submitted):
    assert flags(tree.village_a1) == {people.a1.pk: False, people.unit.pk: True}
    assert talent_flag.check() == {}


def test_a_participant_added_later_gets_the_flag(tree, people, submitted):
    people.b1.is_city_talent = True
    people.b1.save(update_fields=["is_city_talent"])
    Participation.objects.create(activity=submitted, person=people.b1)
    assert flags(tree.village_a1)[people.b1.pk] is True


def test_a_person_becoming_or_ceasing_to_be_a_talent_changes_their_rows(tree, people,
                                                                       submitted):
    people.unit.is_city_talent = False
    people.unit.save(update_fields=["is_city_talent"])
    assert flags(tree.village_a1)[people.unit.pk] is False
    type(people.a1).objects.filter(pk=people.a1.pk).update(is_city_talent=True)  # bulk
    assert flags(tree.village_a1)[people.a1.pk] is True
    assert talent_flag.check() == {}


def test_a_talent_who_leaves_keeps_the_flag(tree, people, submitted):
    # The dispatch counts a talent in the months they served, active or not.
    people.unit.is_active = False
    people.unit.save(update_fields=["is_active"])
    assert flags(tree.village_a1)[people.unit.pk] is True


def test_a_rebuild_of_the_tallies_writes_the_flags(tree, people, submitted):
    tallies.rebuild_tallies()
    assert flags(tree.village_a1) == {people.a1.pk: False, people.unit.pk: True}


def test_a_wrong_flag_is_reported_and_set_right(tree, people, submitted):
    with connection.cursor() as cursor:  # as a restore from an old dump could leave it
        cursor.execute(f"UPDATE {talent_flag.TALLY} SET talent = NOT talent "
                       "WHERE person_id = %s", [people.unit.pk])
    month = str(submitted.date.replace(day=1))
    assert talent_flag.check() == {
        (people.unit.pk, tree.village_a1.pk, month): (False, True)}
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("person_tally_talents", "--check", stdout=out)
    assert "共 1 处不一致" in out.getvalue()
    call_command("person_tally_talents", "--rebuild", stdout=io.StringIO())
    assert talent_flag.check() == {}
    assert flags(tree.village_a1)[people.unit.pk] is True
