"""Migration 0009 and its way back: going back installs the triggers as they were before the
talent tally (the other tallies go on being kept); going forward recounts only the talent
tallies when those triggers were there, every tally when they were not."""

import datetime
import importlib
from types import SimpleNamespace

from django.db import connection

from ledger import tallies
from ledger.models import Activity, ActivityStatus, OrgMonthTally, Participation, TalentMonthTally
from tests.factories import PersonFactory

MARCH = datetime.date(2025, 3, 1)
migration = importlib.import_module("ledger.migrations.0009_talent_month_tally")
EDITOR = SimpleNamespace(connection=connection)


def _log(org, theme, person):
    activity = Activity.objects.create(org=org, date=MARCH, theme=theme, title="服务",
                                       content="内容", status=ActivityStatus.SUBMITTED)
    Participation.objects.create(activity=activity, person=person)


def _org_tally(org):
    return sum(OrgMonthTally.objects.filter(org=org).values_list("activities", flat=True))


def test_going_back_keeps_the_other_tallies(tree, theme):
    talent = PersonFactory(home_org=tree.unit, is_city_talent=True)
    migration.uninstall(None, EDITOR)
    assert tallies.triggers_present(names=tallies.TRIGGERS_BEFORE_TALENTS)
    assert not tallies.triggers_present(names=tallies.TALENT_ONLY_TRIGGERS)
    _log(tree.village_a1, theme, talent)
    assert _org_tally(tree.village_a1) == 1
    assert not TalentMonthTally.objects.exists()
    migration.install(None, EDITOR)  # forward again: the talent tallies recounted
    assert tallies.triggers_present()
    assert tallies.check_tallies()["TalentMonthTally"] == []


def test_forward_recounts_only_the_talent_tallies_when_the_others_were_kept(tree, theme):
    talent = PersonFactory(home_org=tree.unit, is_city_talent=True)
    _log(tree.village_a1, theme, talent)
    OrgMonthTally.objects.update(activities=7)  # left alone: the triggers were keeping them
    TalentMonthTally.objects.all().delete()
    migration.install(None, EDITOR)
    assert _org_tally(tree.village_a1) == 7
    assert TalentMonthTally.objects.get(person=talent).participations == 1


def test_forward_recounts_everything_when_no_triggers_were_kept(tree, theme):
    talent = PersonFactory(home_org=tree.unit, is_city_talent=True)
    tallies.drop_triggers()
    _log(tree.village_a1, theme, talent)  # written while nothing kept the tallies
    migration.install(None, EDITOR)
    assert _org_tally(tree.village_a1) == 1
    assert tallies.check_tallies() == {name: [] for name in (
        "OrgMonthTally", "PersonMonthTally", "UnitMonthTally", "TalentMonthTally")}
