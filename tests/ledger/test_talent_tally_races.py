"""PostgreSQL: a person's talent flag changing while an activity listing them is being saved.
The flag's trigger recounts the person from what it sees; the participation's trigger counts
the person by the flag it sees. Without a lock each missed the other's uncommitted rows and
a non-talent kept a talent tally row (review); the participation's trigger now share-locks
the people first, so the flag change waits for it."""

import datetime
import threading
import time

import pytest
from django.db import connections, transaction

from ledger import tallies
from ledger.models import Activity, ActivityStatus, Participation, TalentMonthTally
from portal.models import Person
from tests.factories import PersonFactory


def _in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
@pytest.mark.parametrize("becomes_talent", [False, True])
def test_a_flag_change_during_a_save_leaves_the_talent_tally_right(tree, theme, becomes_talent):
    person = PersonFactory(home_org=tree.unit, is_city_talent=not becomes_talent)
    activity = Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 6, 2),
                                       theme=theme, title="服务", content="内容",
                                       status=ActivityStatus.SUBMITTED)
    inserted, flag_started, errors = threading.Event(), threading.Event(), []

    def save():
        with transaction.atomic():
            Participation.objects.create(activity=activity, person=person)
            inserted.set()
            flag_started.wait(10)
            time.sleep(0.5)  # the flag change runs (or waits) meanwhile

    def change_flag():
        inserted.wait(10)
        flag_started.set()
        Person.objects.filter(pk=person.pk).update(is_city_talent=becomes_talent)

    for thread in [_in_thread(save, errors), _in_thread(change_flag, errors)]:
        thread.join(30)
    assert errors == []
    assert tallies.check_tallies()["TalentMonthTally"] == []
    expected = 1 if becomes_talent else 0
    assert sum(TalentMonthTally.objects.filter(person=person)
               .values_list("participations", flat=True)) == expected
