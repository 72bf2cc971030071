"""PostgreSQL: the paired units' monthly tally (ledger/unit_tally.py) when two transactions
write what feeds one cell at once. Each trigger recounts its cells from the rows it sees; it
locks the cells (and share-locks the people, pairings and units that decide them) first, so a
later statement sees what a transaction that held them committed. Each case runs both ways
round: the one holding its transaction open first, then the other."""

import datetime

import pytest

from ledger import unit_tally
from ledger.models import Activity, ActivityStatus, PairedUnitMonthTally, Participation
from pairing.models import Pairing, PairingStatus
from portal.models import Person
from tests.factories import PersonFactory, add_org
from tests.ledger.test_tally_races_moves import _race

DAY = datetime.date(2025, 6, 2)
MONTH = DAY.replace(day=1)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def _activity(org, theme):
    return Activity.objects.create(org=org, date=DAY, theme=theme, title="服务", content="内容",
                                   status=ActivityStatus.SUBMITTED)


def _cell(unit):
    return sum(PairedUnitMonthTally.objects.filter(unit=unit, month=MONTH)
               .values_list("activities", flat=True))


@pytest.fixture
def paired(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2024, 1, 1))


@pytest.mark.parametrize("same_activity", [False, True])
def test_two_saves_in_one_unit_month_both_count(tree, theme, paired, same_activity):
    first_activity = _activity(tree.village_a1, theme)
    second_activity = first_activity if same_activity else _activity(tree.village_a1, theme)
    one, two = PersonFactory(home_org=tree.unit), PersonFactory(home_org=tree.unit)

    def first():
        Participation.objects.create(activity=first_activity, person=one)

    def second():
        Participation.objects.create(activity=second_activity, person=two)

    assert _race(first, second) == []
    assert _cell(tree.unit) == (1 if same_activity else 2)
    assert unit_tally.check() == {}


@pytest.mark.parametrize("first", ["save", "move"])
def test_a_move_during_a_save(tree, theme, paired, first):
    unit2 = add_org(tree.county, "县教育局", "unit", code="U0002")
    Pairing.objects.create(city_org=unit2, village_org=tree.village_a1,
                           since=datetime.date(2024, 1, 1))
    activity = _activity(tree.village_a1, theme)
    person = PersonFactory(home_org=tree.unit)

    def save():
        Participation.objects.create(activity=activity, person=person)

    def move():
        Person.objects.filter(pk=person.pk).update(home_org=unit2)

    assert _race(*((save, move) if first == "save" else (move, save))) == []
    assert unit_tally.check() == {}
    assert (_cell(tree.unit), _cell(unit2)) == (0, 1)


@pytest.mark.parametrize("first", ["save", "end"])
def test_a_pairing_ended_during_a_save(tree, theme, paired, first):
    activity = _activity(tree.village_a1, theme)
    person = PersonFactory(home_org=tree.unit)

    def save():
        Participation.objects.create(activity=activity, person=person)

    def end():
        Pairing.objects.filter(pk=paired.pk).update(status=PairingStatus.ENDED)

    assert _race(*((save, end) if first == "save" else (end, save))) == []
    assert unit_tally.check() == {}
    assert not PairedUnitMonthTally.objects.filter(unit=tree.unit).exists()



def test_the_older_unit_tally_counts_two_concurrent_adders_once(tree, theme, paired):
    """The (unit, org, pairing, month) tally of ledger/tallies.py, outside the services (which
    lock the activity FOR UPDATE): two transactions adding people of one unit to one activity
    each see no one of the unit before them. It counts once only because the trigger's org
    tally upsert (the activity's row, locked by the first) comes before the unit statement,
    whose later snapshot then sees the first's participant; this keeps that order honest."""
    from ledger import tallies

    activity = _activity(tree.village_a1, theme)
    one, two = PersonFactory(home_org=tree.unit), PersonFactory(home_org=tree.unit)

    def first():
        Participation.objects.create(activity=activity, person=one)

    def second():
        Participation.objects.create(activity=activity, person=two)

    assert _race(first, second) == []
    assert tallies.check_tallies()["UnitMonthTally"] == []
