"""PostgreSQL: `manage.py person_tally_talents --rebuild` meeting a person's talent flag being
changed. The rebuild's UPDATE of a row already wrong waited for the change's row lock, then
wrote the flag its subquery had read before the change committed (found in review); with the
people share-locked first, it waits for the change and reads it."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from ledger import talent_flag
from ledger.models import Activity, ActivityStatus, Participation
from portal.models import Person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]


def test_a_rebuild_during_a_flag_change_keeps_the_change(tree, people, theme):
    with transaction.atomic():
        activity = Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 3, 9),
                                           theme=theme, title="走访", content="-",
                                           status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=activity, person=people.a1)
    with connection.cursor() as cursor:  # wrong already: flagged, not a talent
        cursor.execute(f"UPDATE {talent_flag.TALLY} SET talent = true WHERE person_id = %s",
                       [people.a1.pk])
    changing, errors = threading.Event(), []

    def change_flag():
        try:
            with transaction.atomic():
                Person.objects.filter(pk=people.a1.pk).update(is_city_talent=True)
                changing.set()
                time.sleep(0.5)  # the rebuild starts and waits meanwhile
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=change_flag)
    thread.start()
    assert changing.wait(10)
    with transaction.atomic():
        talent_flag.rebuild()
    thread.join(30)
    assert errors == []
    assert talent_flag.check() == {}
