"""Talent totals (ledger.models.TalentMonthTotal): a month's talents active and their
participations, kept in buckets by triggers on the talent tally; their sum over the buckets
equals a recount of the talent tallies (and the figures the person tallies give) after every
kind of write, a reopened month edited, a person ceasing to be a talent, concurrent saves
(PostgreSQL); `manage.py ledger_tallies` checks and rebuilds them; migration 0015 counts the
totals of the tallies already there."""

import contextlib
import datetime
import importlib
import threading
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from ledger import compliance, tallies
from ledger.models import (
    TALENT_TOTAL_BUCKETS,
    Activity,
    ActivityStatus,
    Participation,
    TalentMonthTally,
    TalentMonthTotal,
)
from ledger.services import activities, locks
from portal.models import Person
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory
from tests.ledger.test_tallies import pairing  # noqa: F401  (the unit paired with 青山村)

MARCH = datetime.date(2025, 3, 1)
APRIL = datetime.date(2025, 4, 1)
migration = importlib.import_module("ledger.migrations.0015_talent_month_total")


def counted(org, day, theme, people, status=ActivityStatus.SUBMITTED):
    activity = Activity.objects.create(org=org, date=day, theme=theme, title="服务",
                                       content="内容", status=status)
    Participation.objects.bulk_create(Participation(activity=activity, person=p) for p in people)
    return activity


def month_figures(month):
    """(participations, talents active) of `month`, its buckets summed."""
    rows = TalentMonthTotal.objects.filter(month=month)
    return (sum(r.participations for r in rows), sum(r.talents for r in rows))


def agree(tree, year=2025):
    """The totals agree with the talent tallies, and the whole tree's column figures read from
    them with those of the person tallies (what a township or a filter reads)."""
    assert tallies.check_talent_totals() == []
    assert tallies.check_tallies()["TalentMonthTally"] == []
    period = compliance.period_for(str(year))
    every_talent = compliance.PersonMonthTally.objects.filter(
        month__gte=period.start, month__lt=period.end, org__kind=OrgKind.VILLAGE,
        org__path__startswith=tree.county.path, participations__gt=0).filter(
        compliance._talent_q(tree.county, prefix="person__"))
    from_totals = {m: (n, people) for m, n, people in compliance._talent_tally_figures(period)
                   if n or people}
    assert from_totals == {m: (n, people) for m, n, people
                           in compliance._person_tally_figures(every_talent)}
    return from_totals


def talents(tree, n):
    return [PersonFactory(name=f"人才{i}", home_org=tree.unit, is_city_talent=True)
            for i in range(n)]


def test_every_kind_of_write_keeps_the_totals(tree, theme):
    people = talents(tree, 5)
    villager = PersonFactory(name="李村民", home_org=tree.village_a1)
    first = counted(tree.village_a1, MARCH, theme, [*people[:3], villager])
    counted(tree.village_b1, MARCH.replace(day=9), theme, people[:2])
    counted(tree.unit, MARCH, theme, people[3:])  # not a village: not counted
    assert agree(tree) == {MARCH: (5, 3)}
    Participation.objects.filter(activity=first, person=people[2]).delete()
    assert agree(tree) == {MARCH: (4, 2)}
    Participation.objects.create(activity=first, person=people[4])
    assert agree(tree) == {MARCH: (5, 3)}
    Activity.objects.filter(pk=first.pk).update(status=ActivityStatus.RETURNED)
    assert agree(tree) == {MARCH: (2, 2)}
    Activity.objects.filter(pk=first.pk).update(status=ActivityStatus.CONFIRMED, date=APRIL)
    assert agree(tree) == {MARCH: (2, 2), APRIL: (3, 3)}
    first.refresh_from_db()
    first.org = tree.unit  # the admin moving it to a unit
    first.save()
    assert agree(tree) == {MARCH: (2, 2)}
    Activity.objects.filter(pk=first.pk).update(org=tree.village_a2)
    tree.village_a2.kind = OrgKind.COMMUNITY
    tree.village_a2.save()
    assert agree(tree) == {MARCH: (2, 2)}
    Participation.objects.filter(activity__in=[first]).update(activity=counted(
        tree.village_b2, MARCH, theme, []))
    assert agree(tree) == {MARCH: (5, 3)}
    first.delete()
    Activity.objects.filter(org=tree.village_b2).delete()
    assert agree(tree) == {MARCH: (2, 2)}


def test_a_person_ceasing_to_be_a_talent_leaving_and_returning(tree, theme):
    people = talents(tree, 3)
    counted(tree.village_a1, MARCH, theme, people)
    counted(tree.village_b1, APRIL, theme, people[:1])
    Person.objects.filter(pk=people[0].pk).update(is_city_talent=False)
    assert agree(tree) == {MARCH: (2, 2)}
    Person.objects.filter(pk__in=[p.pk for p in people[1:]]).update(is_active=False)
    assert agree(tree) == {}
    Person.objects.update(is_active=True, is_city_talent=True)  # every person, one statement
    assert agree(tree) == {MARCH: (3, 3), APRIL: (1, 1)}


def test_a_reopened_month_edited_moves_the_totals(tree, people, theme, closed_day, pairing,  # noqa: F811
                                                  village_secretary, township_admin):
    """An activity of a closed month, returned, the month reopened, its talent replaced by
    another and submitted again, through the services."""
    Person.objects.filter(pk=people.unit.pk).update(is_city_talent=True)
    other = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    month = closed_day.replace(day=1)
    with transaction.atomic():  # logged before the month closed (no service may write it now)
        activity = counted(tree.village_a1, closed_day, theme, [people.unit])
    assert month_figures(month) == (1, 1)
    activities.do_return_activity(activity, actor=township_admin, reason="人员有误")
    assert month_figures(month) == (0, 0)
    locks.do_reopen_month(tree.village_a1, closed_day.year, closed_day.month,
                          actor=township_admin, reason="补录")
    activity.refresh_from_db()
    activities.do_save_activity(activity, [(other, 2, "organizer"), (people.a1, 2, "organizer")],
                                actor=village_secretary)
    activities.do_submit_activity(activity, actor=village_secretary)
    assert month_figures(month) == (1, 1)
    assert TalentMonthTally.objects.get(month=month, participations__gt=0).person_id == other.pk
    agree(tree, closed_day.year)


def test_check_and_rebuild(tree, theme, capsys):
    people = talents(tree, 2)
    counted(tree.village_a1, MARCH, theme, people)
    counted(tree.village_a1, datetime.date(2024, 5, 2), theme, people[:1])
    TalentMonthTotal.objects.filter(month=MARCH).update(participations=9)
    stored = 9 * TalentMonthTotal.objects.filter(month=MARCH).count()
    assert tallies.check_talent_totals() == [(MARCH.isoformat(), (2, stored), (2, 2))]
    assert tallies.check_talent_totals(year=2024) == []
    with pytest.raises(SystemExit) as failed:
        call_command("ledger_tallies", "--check")
    assert failed.value.code == 1
    assert "TalentMonthTotal" in capsys.readouterr().out
    tallies.rebuild_tallies(year=2024)  # another year: March stays wrong
    assert tallies.check_talent_totals(year=2025)
    call_command("ledger_tallies", "--rebuild", "--year", "2025")
    assert "TalentMonthTotal" in capsys.readouterr().out
    call_command("ledger_tallies", "--check")
    assert "一致" in capsys.readouterr().out
    assert agree(tree) == {MARCH: (2, 2)}


def test_paused_then_rebuilt(tree, theme):
    people = talents(tree, 2)
    with transaction.atomic(), tallies.paused():
        counted(tree.village_a1, MARCH, theme, people)
    assert not TalentMonthTotal.objects.exclude(talents=0, participations=0).exists()
    tallies.rebuild_tallies()
    assert agree(tree) == {MARCH: (2, 2)}


def test_migration_counts_the_totals_and_going_back_keeps_the_tallies(tree, theme):
    editor = SimpleNamespace(connection=connection)
    people = talents(tree, 2)
    counted(tree.village_a1, MARCH, theme, people)
    migration.drop_again(None, editor)
    migration.install_before(None, editor)  # 0014's triggers: no totals kept
    assert tallies.triggers_present(names=tallies.TRIGGERS_BEFORE_TALENTS
                                    + tallies.TALENT_ONLY_TRIGGERS)
    assert not tallies.triggers_present(names=tallies.TOTAL_TRIGGERS[:1])
    counted(tree.village_b1, APRIL, theme, people)
    assert month_figures(APRIL) == (0, 0)
    assert tallies.check_tallies()["TalentMonthTally"] == []
    migration.drop(None, editor)
    migration.install(None, editor)
    assert tallies.triggers_present()
    assert agree(tree) == {MARCH: (2, 2), APRIL: (2, 2)}


def test_the_whole_tree_reads_a_year_of_totals_only(tree, theme, county_admin,
                                                    django_assert_num_queries):
    people = talents(tree, 3)
    counted(tree.village_a1, MARCH, theme, people)
    period = compliance.period_for("2025")
    with django_assert_num_queries(1) as queries:
        figures = list(compliance._talent_tally_figures(period))
    assert "ledger_talentmonthtotal" in queries.captured_queries[0]["sql"]
    assert "ledger_talentmonthtally" not in queries.captured_queries[0]["sql"]
    assert [(m, n, p) for m, n, p in figures if n] == [(MARCH, 3, 3)]


# --- Concurrent saves (PostgreSQL) ------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_concurrent_saves_never_cross_on_the_totals(tree, theme):
    """Secretaries of two villages save at the same moment, one participation at a time (as
    the service does), each listing two other talents whose ids fall in the same two buckets,
    in opposite orders. By the talent's bucket the two would each hold one total and wait for
    the other's (a deadlock); by the transaction's, each holds one: nothing is lost, no error."""
    people = talents(tree, 18)
    by_bucket = {}
    for person in people:
        by_bucket.setdefault(person.pk % TALENT_TOTAL_BUCKETS, []).append(person)
    (a, c), (b, d) = [pair[:2] for pair in by_bucket.values() if len(pair) > 1][:2]
    rounds = 4
    for round_ in range(rounds):
        batch = [Activity.objects.create(org=village, date=MARCH.replace(day=round_ + 1),
                                         theme=theme, title="服务", content="内容",
                                         status=ActivityStatus.SUBMITTED)
                 for village in (tree.village_a1, tree.village_b1)]
        assert _add_at_once(batch, [[a, b], [d, c]]) == []
    assert month_figures(MARCH) == (4 * rounds, 4)
    assert tallies.check_talent_totals() == []
    assert tallies.check_tallies()["TalentMonthTally"] == []


def _add_at_once(batch, orders):
    """Each activity's people added one statement at a time, every activity in its own
    transaction on its own connection, in step (a transaction waiting for the other's lock
    lets it go on alone after a second); the errors."""
    start, middle = threading.Barrier(len(batch)), threading.Barrier(len(batch))
    errors = []

    def add(activity, people):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                for n, person in enumerate(people):
                    if n:
                        with contextlib.suppress(threading.BrokenBarrierError):
                            middle.wait(timeout=1)
                    Participation.objects.create(activity=activity, person=person)
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=pair)
               for pair in zip(batch, orders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
