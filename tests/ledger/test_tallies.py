"""Monthly tallies (ledger/tallies.py): kept by the database in the transaction of every write,
equal to a recount of the raw rows after any history of service calls, bulk inserts, people
moving, pairings deleted and a reopened month edited; checked and rebuilt by
`manage.py ledger_tallies`; no lost update when two secretaries submit in one org-month at once
(PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import tallies
from ledger.models import (
    Activity,
    ActivityStatus,
    OrgMonthTally,
    Participation,
    PersonMonthTally,
    UnitMonthTally,
)
from ledger.services import activities, locks
from pairing.models import Pairing
from portal.models import Person
from tests.factories import PersonFactory, UserFactory, grant
from tests.ledger.test_compliance_matrices import data  # noqa: F401  (bulk-inserted history)


def no_mismatch():
    return {name: [] for name in ("OrgMonthTally", "PersonMonthTally", "UnitMonthTally",
                                  "TalentMonthTally")}


def org_tally(org, month):
    return sum(OrgMonthTally.objects.filter(org=org, month=month)
               .values_list("activities", flat=True))


def unit_tally(unit, org, month):
    return sum(UnitMonthTally.objects.filter(unit=unit, org=org, month=month)
               .values_list("activities", flat=True))


def person_tally(person, org, month):
    return sum(PersonMonthTally.objects.filter(person=person, org=org, month=month)
               .values_list("participations", flat=True))


@pytest.fixture
def pairing(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2024, 1, 1))


def new_activity(org, day, theme, actor, participants=(), **fields):
    activity = Activity(org=org, date=day, theme=theme, title=fields.pop("title", "入户走访"),
                        content="走访困难群众", **fields)
    return activities.do_save_activity(activity, [(p, 2, "participant") for p in participants],
                                       actor=actor)


def test_bulk_inserted_rows_are_tallied(tree, data):  # noqa: F811
    assert tallies.check_tallies() == no_mismatch()
    march = datetime.date(2025, 3, 1)
    assert org_tally(tree.village_a1, march) == 2  # submitted + confirmed, not the draft
    assert OrgMonthTally.objects.get(org=tree.village_a1, month=march,
                                     pairing=data.pairing).activities == 1
    assert person_tally(data.talent, tree.village_a1, march) == 2
    assert unit_tally(tree.unit, tree.village_b1, datetime.date(2025, 6, 1)) == 1


def test_service_history_keeps_the_tallies(tree, people, theme, today, village_secretary,
                                           township_admin, pairing):
    month = today.replace(day=1)
    talent2 = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    activity = new_activity(tree.village_a1, today, theme, village_secretary,
                            [people.a1, people.unit, talent2])
    assert org_tally(tree.village_a1, month) == 0  # a draft counts nowhere
    activities.do_submit_activity(activity, actor=village_secretary)
    assert org_tally(tree.village_a1, month) == 1
    assert person_tally(talent2, tree.village_a1, month) == 1
    assert unit_tally(tree.unit, tree.village_a1, month) == 1  # two talents, one activity
    activities.do_confirm_activity(activity, actor=township_admin)
    assert org_tally(tree.village_a1, month) == 1
    second = new_activity(tree.village_a1, today, theme, village_secretary, [people.unit])
    activities.do_submit_activity(second, actor=village_secretary)
    activities.do_return_activity(second, actor=township_admin, reason="缺照片")
    # Both talents of the unit leave the returned activity in one statement, then come back.
    activities.do_save_activity(second, [(people.a1, 2, "participant")], actor=village_secretary)
    activities.do_submit_activity(second, actor=village_secretary)
    assert (org_tally(tree.village_a1, month), unit_tally(tree.unit, tree.village_a1, month),
            person_tally(people.a1, tree.village_a1, month)) == (2, 1, 2)
    activities.do_return_activity(second, actor=township_admin, reason="重填")
    assert (org_tally(tree.village_a1, month), person_tally(people.a1, tree.village_a1, month)) \
        == (1, 1)
    activities.do_delete_activity(new_activity(tree.village_a1, today, theme, village_secretary,
                                               [people.unit]), actor=village_secretary)
    assert tallies.check_tallies() == no_mismatch()


def test_two_people_of_one_unit_leave_in_one_statement(tree, people, theme, today,
                                                       village_secretary, pairing):
    talent2 = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    activity = new_activity(tree.village_a1, today, theme, village_secretary,
                            [people.a1, people.unit, talent2])
    activities.do_submit_activity(activity, actor=village_secretary)
    assert unit_tally(tree.unit, tree.village_a1, today.replace(day=1)) == 1
    Participation.objects.filter(activity=activity, person__home_org=tree.unit).delete()
    assert unit_tally(tree.unit, tree.village_a1, today.replace(day=1)) == 0
    assert tallies.check_tallies() == no_mismatch()


def test_reopened_month_edited_moves_the_counts(tree, people, theme, today, closed_day,
                                                village_secretary, township_admin, pairing):
    """An activity of a closed month, returned, the month reopened, moved to another day of
    an open month with other participants, and submitted again."""
    closed_month = closed_day.replace(day=1)
    with transaction.atomic():  # logged before the month closed (no service may write it now)
        activity = Activity.objects.create(org=tree.village_a1, date=closed_day, theme=theme,
                                           title="补录", content="内容",
                                           status=ActivityStatus.SUBMITTED)
        Participation.objects.create(activity=activity, person=people.unit)
    assert org_tally(tree.village_a1, closed_month) == 1
    activities.do_return_activity(activity, actor=township_admin, reason="日期有误")
    assert org_tally(tree.village_a1, closed_month) == 0
    locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                          actor=township_admin, reason="补录")
    activity.refresh_from_db()
    activity.date = closed_day + datetime.timedelta(days=1)
    activities.do_save_activity(activity, [(people.a1, 3, "organizer")], actor=village_secretary)
    activities.do_submit_activity(activity, actor=village_secretary)
    assert org_tally(tree.village_a1, closed_month) == 1
    assert person_tally(people.a1, tree.village_a1, closed_month) == 1
    assert person_tally(people.unit, tree.village_a1, closed_month) == 0
    assert tallies.check_tallies() == no_mismatch()


def test_writes_outside_the_services_are_tallied(tree, data):  # noqa: F811
    """The admin's kind of change (org, date, pairing of a counted activity), a person moved
    singly and in a bulk update, a pairing deleted: the tallies follow."""
    first = data.acts[0]
    first.org, first.date = tree.village_b1, datetime.date(2025, 2, 27)
    first.save()
    data.talent.home_org = data.unit2
    data.talent.save()
    assert tallies.check_tallies() == no_mismatch()
    Person.objects.filter(home_org=data.unit2).update(home_org=tree.unit)
    assert tallies.check_tallies() == no_mismatch()
    movers = list(Person.objects.filter(pk__in=[data.talent.pk, data.talent2.pk]))
    for person in movers:
        person.home_org = data.unit2
    Person.objects.bulk_update(movers, ["home_org"])
    assert tallies.check_tallies() == no_mismatch()
    data.pairing.delete()
    assert tallies.check_tallies() == no_mismatch()


def test_check_and_rebuild_command(tree, data, capsys):  # noqa: F811
    OrgMonthTally.objects.filter(org=tree.village_a1).update(activities=7)
    PersonMonthTally.objects.filter(person=data.talent).delete()
    with pytest.raises(SystemExit) as failed:
        call_command("ledger_tallies", "--check")
    assert failed.value.code == 1
    assert "OrgMonthTally" in capsys.readouterr().out
    call_command("ledger_tallies", "--rebuild")
    call_command("ledger_tallies", "--check")
    assert "一致" in capsys.readouterr().out
    assert tallies.check_tallies() == no_mismatch()


def test_rebuild_of_some_orgs_and_a_year(tree, data):  # noqa: F811
    OrgMonthTally.objects.all().delete()
    assert tallies.rebuild_tallies(orgs=[tree.village_a1], year=2025)["OrgMonthTally"] == 4
    assert tallies.check_tallies(orgs=[tree.village_a1], year=2025) == no_mismatch()
    assert tallies.check_tallies()["OrgMonthTally"]  # the unit's and 2024's still missing


def test_paused_triggers_then_rebuild(tree, people, theme):
    with transaction.atomic(), tallies.paused():
        Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 5, 5),
                                theme=theme, title="批量", content="内容",
                                status=ActivityStatus.CONFIRMED)
    assert not OrgMonthTally.objects.exists()
    tallies.rebuild_tallies()
    assert tallies.check_tallies() == no_mismatch()
    assert org_tally(tree.village_a1, datetime.date(2025, 5, 1)) == 1


# --- Random histories through the services --------------------------------------------------------

STEPS = st.lists(st.tuples(
    st.sampled_from(["create", "submit", "return", "confirm", "edit", "delete"]),
    st.integers(0, 5),           # which activity (modulo those there)
    st.integers(0, 27),          # a day offset within the open months
    st.sets(st.integers(0, 4)),  # which people take part
    st.booleans(),               # linked to the pairing
    st.integers(0, 1),           # which village
), min_size=1, max_size=12)


class Rollback(Exception):
    pass


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_service_histories_agree_with_a_recount(steps, tree, people, theme, today,
                                                      village_secretary, township_admin):
    try:
        with transaction.atomic():  # each example starts from the fixtures' rows
            pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                             since=datetime.date(2024, 1, 1))
            secretary_b = UserFactory(username="secretary_b")
            grant(secretary_b, tree.village_a2, "village_secretary")
            extra = [PersonFactory(name=name, home_org=tree.unit, is_city_talent=True)
                     for name in ("甲农业", "乙农业")]
            villages = [(tree.village_a1, village_secretary), (tree.village_a2, secretary_b)]
            candidates = {tree.village_a1: [people.a1, people.unit, *extra],
                          tree.village_a2: [people.a2]}
            first = today.replace(day=1)
            made = []
            for action, which, offset, chosen, linked, village in steps:
                org, secretary = villages[village]
                day = min(first + datetime.timedelta(days=offset), today)
                pool = candidates[org]
                participants = [pool[i % len(pool)] for i in sorted(chosen)]
                participants = list({p.pk: p for p in participants}.values())
                target = made[which % len(made)] if made else None
                try:
                    with transaction.atomic():
                        if action == "create" or target is None:
                            made.append(new_activity(
                                org, day, theme, secretary, participants,
                                pairing=pairing if linked and org == tree.village_a1 else None))
                        elif action == "submit":
                            activities.do_submit_activity(target, actor=_logger(target, villages))
                        elif action == "return":
                            activities.do_return_activity(target, actor=township_admin,
                                                          reason="退回")
                        elif action == "confirm":
                            activities.do_confirm_activity(target, actor=township_admin)
                        elif action == "edit":
                            target.refresh_from_db()
                            target.date = day
                            activities.do_save_activity(
                                target, [(p, 1, "participant") for p in candidates[target.org]
                                         if p in participants] or (),
                                actor=_logger(target, villages))
                        elif action == "delete":
                            activities.do_delete_activity(target, actor=_logger(target, villages))
                            made.remove(target)
                except Exception as exc:  # a refusal (state, lock): the history goes on
                    if not hasattr(exc, "messages") and not isinstance(exc, PermissionError):
                        raise
            assert tallies.check_tallies() == no_mismatch()
            raise Rollback
    except Rollback:
        pass


def _logger(activity, villages):
    return dict((org.pk, user) for org, user in villages)[activity.org_id]


# --- Two secretaries at once (PostgreSQL) ---------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_concurrent_submits_in_one_org_month_lose_nothing(tree, people, theme, pairing):
    """Several activities of one village and month, each with the same talent, submitted at the
    same moment on separate connections: every one is counted in each tally."""
    rounds, writers = 5, 4
    day = datetime.date.today()
    users = []
    for n in range(writers):
        user = UserFactory(username=f"secretary_{n}")
        grant(user, tree.village_a1, "village_secretary")
        users.append(user)
    for _ in range(rounds):
        batch = [new_activity(tree.village_a1, day, theme, user, [people.unit, people.a1])
                 for user in users]
        assert _submit_at_once(batch, users) == []
    month = day.replace(day=1)
    total = rounds * writers
    assert org_tally(tree.village_a1, month) == total
    assert person_tally(people.unit, tree.village_a1, month) == total
    assert unit_tally(tree.unit, tree.village_a1, month) == total
    assert tallies.check_tallies() == no_mismatch()


def _submit_at_once(batch, users):
    """Submit each activity by its user on its own connection at the same moment; the errors."""
    barrier = threading.Barrier(len(users))
    errors = []

    def submit(activity, user):
        try:
            barrier.wait(timeout=10)
            activities.do_submit_activity(activity, actor=user)
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=pair)
               for pair in zip(batch, users, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_emptying_the_database_table_by_table_leaves_no_tally_behind(transactional_db, tree,
                                                                     people, theme):
    """Django's flush (between browser tests) deletes table by table, the tallies before the
    activities: deleting a counted activity then must not write a tally row back, whose
    organization is deleted next (SQLite refused the flush's commit, PostgreSQL truncates)."""
    month = datetime.date(2026, 3, 1)
    activity = Activity.objects.create(org=tree.village_a1, date=month, theme=theme,
                                       title="入户走访", content="-",
                                       status=ActivityStatus.CONFIRMED)
    Participation.objects.create(activity=activity, person=people.a1, hours=2)
    assert org_tally(tree.village_a1, month) == 1
    call_command("flush", interactive=False, verbosity=0)
    assert not OrgMonthTally.objects.exists() and not PersonMonthTally.objects.exists()
    assert not UnitMonthTally.objects.exists() and not Activity.objects.exists()
