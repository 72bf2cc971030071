"""Talent tallies (ledger.models.TalentMonthTally): a city talent's counted activities of
village organizations per month, all villages together; kept by the same triggers as the other
tallies, and recounted when a person becomes or stops being a talent or an organization changes
kind. The talent matrix's column figures read them."""

import datetime

from ledger import tallies
from ledger.models import Activity, ActivityStatus, Participation, TalentMonthTally
from portal.models import Person
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory
from tests.ledger.test_tallies import no_mismatch

MARCH = datetime.date(2025, 3, 1)


def talent_tally(person, month=MARCH):
    return sum(TalentMonthTally.objects.filter(person=person, month=month)
               .values_list("participations", flat=True))


def counted(org, day, theme, people, status=ActivityStatus.SUBMITTED):
    activity = Activity.objects.create(org=org, date=day, theme=theme, title="服务",
                                       content="内容", status=status)
    Participation.objects.bulk_create(Participation(activity=activity, person=p) for p in people)
    return activity


def test_a_talents_villages_add_up_and_nothing_else_counts(tree, theme):
    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    villager = PersonFactory(name="李村民", home_org=tree.village_a1)
    counted(tree.village_a1, MARCH, theme, [talent, villager])
    counted(tree.village_b1, MARCH.replace(day=20), theme, [talent])
    counted(tree.unit, MARCH, theme, [talent])  # the unit's own activity: not a village
    counted(tree.village_a1, MARCH, theme, [talent], status=ActivityStatus.DRAFT)
    counted(tree.village_a1, MARCH.replace(month=4), theme, [talent])
    assert talent_tally(talent) == 2
    assert talent_tally(talent, MARCH.replace(month=4)) == 1
    assert not TalentMonthTally.objects.filter(person=villager).exists()
    assert tallies.check_tallies() == no_mismatch()


def test_a_participation_leaving_and_an_activity_returned_take_it_away(tree, theme):
    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    other = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    activity = counted(tree.village_a1, MARCH, theme, [talent, other])
    Participation.objects.filter(activity=activity, person=other).delete()
    assert (talent_tally(talent), talent_tally(other)) == (1, 0)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.RETURNED)
    assert talent_tally(talent) == 0
    assert tallies.check_tallies() == no_mismatch()


def test_becoming_and_ceasing_to_be_a_talent_recounts(tree, theme):
    person = PersonFactory(name="王志愿", home_org=tree.unit, is_city_talent=False)
    counted(tree.village_a1, MARCH, theme, [person])
    assert talent_tally(person) == 0
    person.is_city_talent = True
    person.save()
    assert talent_tally(person) == 1
    Person.objects.filter(pk=person.pk).update(is_city_talent=False)  # a bulk update too
    assert talent_tally(person) == 0
    assert tallies.check_tallies() == no_mismatch()


def test_an_organization_changing_kind_recounts_its_talents(tree, theme):
    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    counted(tree.village_a1, MARCH, theme, [talent])
    counted(tree.village_b1, MARCH, theme, [talent])
    tree.village_a1.kind = OrgKind.COMMUNITY
    tree.village_a1.save()
    assert talent_tally(talent) == 1
    assert tallies.check_tallies() == no_mismatch()


def test_check_finds_and_rebuild_mends_a_wrong_talent_tally(tree, theme):
    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    counted(tree.village_a1, MARCH, theme, [talent])
    TalentMonthTally.objects.filter(person=talent).update(participations=5)
    assert tallies.check_tallies()["TalentMonthTally"] == [
        ((str(talent.pk), MARCH.isoformat()), 5, 1)]
    assert tallies.check_tallies(orgs=[tree.village_a1])["TalentMonthTally"]
    assert tallies.check_tallies(orgs=[tree.village_b1])["TalentMonthTally"] == []
    tallies.rebuild_tallies(orgs=[tree.village_a1], year=2025)
    assert tallies.check_tallies() == no_mismatch()


def test_a_talent_leaving_and_returning_recounts(tree, theme):
    """Rows exist only for active talents, so the county-wide column figures need no join."""
    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    counted(tree.village_a1, MARCH, theme, [talent])
    Person.objects.filter(pk=talent.pk).update(is_active=False)
    assert talent_tally(talent) == 0
    counted(tree.village_b1, MARCH, theme, [talent])  # logged for someone who has left
    assert talent_tally(talent) == 0
    talent.refresh_from_db()
    talent.is_active = True
    talent.save()
    assert talent_tally(talent) == 2
    assert tallies.check_tallies() == no_mismatch()


def test_rebuild_of_one_table_leaves_the_others(tree, theme):
    """What migration 0009 runs on a database whose other tallies are kept already."""
    from ledger.models import OrgMonthTally

    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    counted(tree.village_a1, MARCH, theme, [talent])
    TalentMonthTally.objects.all().delete()
    OrgMonthTally.objects.all().delete()
    assert tallies.rebuild_tallies(models=[TalentMonthTally]) == {"TalentMonthTally": 1}
    assert talent_tally(talent) == 1
    assert not OrgMonthTally.objects.exists()


def test_county_wide_column_figures_read_the_talent_tallies_and_agree(tree, theme,
                                                                      county_admin):
    """The talent matrix's column figures for the whole tree come from the talent totals and
    equal those of the person tallies (what a township or a filter reads)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger import compliance
    from ledger.models import PersonMonthTally

    talent = PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True)
    other = PersonFactory(name="周农业", home_org=tree.unit, is_city_talent=True)
    gone = PersonFactory(name="吴离职", home_org=tree.unit, is_city_talent=True, is_active=False)
    villager = PersonFactory(name="李村民", home_org=tree.village_a1)
    counted(tree.village_a1, MARCH, theme, [talent, other, gone, villager])
    counted(tree.village_b1, MARCH.replace(day=9), theme, [talent])
    counted(tree.unit, MARCH, theme, [other])
    counted(tree.village_b2, MARCH.replace(month=5), theme, [other])
    period = compliance.period_for("2025")
    every_talent = PersonMonthTally.objects.filter(
        month__gte=period.start, month__lt=period.end, org__kind=OrgKind.VILLAGE,
        org__path__startswith=tree.county.path, participations__gt=0).filter(
        compliance._talent_q(tree.county, prefix="person__"))
    assert sorted(compliance._talent_tally_figures(period)) == sorted(
        compliance._person_tally_figures(every_talent)) == [
        (MARCH, 3, 2), (MARCH.replace(month=5), 1, 1)]
    with CaptureQueriesContext(connection) as queries:
        matrix = compliance.talent_matrix(county_admin, tree.county, period)
    assert matrix.column_totals[2] == 3 and matrix.column_silent[2] == matrix.row_count - 2
    figures = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"].upper()
               and "personmonthtally" not in q["sql"].lower()]
    assert any("ledger_talentmonthtotal" in sql for sql in figures)
    from pairing.models import Pairing

    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                           since=datetime.date(2024, 1, 1))
    township = compliance.talent_matrix(county_admin, tree.town_a, period)
    assert township.column_totals[2] == 2  # 青山村's one activity, two active talents
