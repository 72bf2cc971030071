"""ledger.talent_flag.set_after_load: a bulk load of person tallies (inside
portal.bulk_load.set_based_foreign_key_checks) inserts them without the per-row flag trigger,
and every row's flag is right after it; elsewhere the trigger sets them."""

import datetime

import pytest
from django.db import connection, transaction

from ledger import talent_flag
from ledger.models import PersonMonthTally
from portal.bulk_load import set_based_foreign_key_checks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only")]
MONTH = datetime.date(2025, 3, 1)


def _trigger_state():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s",
                       [talent_flag.INSERT_TRIGGER])
        return cursor.fetchone()[0]


def test_rows_loaded_in_the_block_get_their_flags_after_it(tree, people):
    assert people.unit.is_city_talent and not people.a1.is_city_talent
    assert _trigger_state() == "A"  # ENABLE ALWAYS
    with transaction.atomic(), set_based_foreign_key_checks(), talent_flag.set_after_load():
        assert _trigger_state() == "D"
        for person in (people.unit, people.a1):
            PersonMonthTally.objects.create(person=person, org=tree.village_a1, month=MONTH,
                                            participations=1)
        assert not PersonMonthTally.objects.filter(talent=True).exists()  # not yet
    assert _trigger_state() == "A"
    assert dict(PersonMonthTally.objects.values_list("person_id", "talent")) == {
        people.unit.pk: True, people.a1.pk: False}
    assert talent_flag.check() == {}


def test_a_failed_load_leaves_the_trigger_on(tree, people):
    with (pytest.raises(RuntimeError), transaction.atomic(), set_based_foreign_key_checks(),
          talent_flag.set_after_load()):
        raise RuntimeError("load failed")
    assert _trigger_state() == "A"
    PersonMonthTally.objects.create(person=people.unit, org=tree.village_a1, month=MONTH,
                                    participations=1)
    assert PersonMonthTally.objects.get().talent


def test_outside_a_set_based_load_the_trigger_stays_on(tree, people):
    with transaction.atomic(), talent_flag.set_after_load():
        assert _trigger_state() == "A"
        PersonMonthTally.objects.create(person=people.unit, org=tree.village_a1, month=MONTH,
                                        participations=1)
        assert PersonMonthTally.objects.get().talent


def test_the_trigger_is_left_as_it_was_found(tree, people):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {talent_flag.TALLY} ENABLE TRIGGER "
                       f"{talent_flag.INSERT_TRIGGER}")
    try:
        with transaction.atomic(), set_based_foreign_key_checks(), \
                talent_flag.set_after_load():
            assert _trigger_state() == "D"
        assert _trigger_state() == "O"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {talent_flag.TALLY} ENABLE ALWAYS TRIGGER "
                           f"{talent_flag.INSERT_TRIGGER}")
