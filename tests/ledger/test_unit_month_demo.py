"""On the seeded demo: the paired units' monthly tally agrees with the raw rows after the seed,
and the county-wide unit matrix read from it shows the same figures as the three-part query it
replaces, for several periods, paged and whole; still after a reopened month edited, a
returned activity, people moving and a pairing ending."""

import datetime

import pytest
from django.core.paginator import Paginator
from django.db.models import Count

from ledger import compliance, unit_tally
from ledger.models import Activity, ActivityStatus, PairedUnitMonthTally, Participation
from ledger.services import activities, locks
from pairing.models import Pairing, PairingStatus
from portal.models import Organization, Person
from portal.models.orgs import CITY_KINDS
from tests.factories import UserFactory, grant
from tests.ledger.test_unit_month_tally import agrees


@pytest.fixture
def root(small_county, db):
    return Organization.objects.get(depth=1)


@pytest.fixture
def county_admin(root):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="county_admin")


def periods():
    today = datetime.date.today()
    return [compliance.period_for(compliance.LAST_12), compliance.period_for(str(today.year)),
            compliance.period_for(str(today.year - 1)),
            compliance.month_period(today.year, today.month)]


def old_figures(area, period, shown):
    """The figures of the query the tally replaces (the three parts, summed)."""
    cells, columns = compliance._unit_page_figures(area, period, shown)
    return ({k: n for k, n in cells.items() if n},
            sorted((m, n, a) for m, n, a in columns if n or a))


def new_figures(period, shown):
    cells, columns = compliance._whole_tree_unit_figures(period, shown)
    return ({k: n for k, n in cells.items() if n},
            sorted((m, n, a) for m, n, a in columns if n or a))


def test_seeded_demo_is_tallied_and_shows_the_same_figures(root, county_admin):
    assert unit_tally.check() == {}
    assert PairedUnitMonthTally.objects.filter(activities__gt=0).exists()
    units = list(compliance.paired_units(root).values_list("pk", flat=True))
    assert set(PairedUnitMonthTally.objects.values_list("unit_id", flat=True)) <= set(units)
    for period in periods():
        assert new_figures(period, units) == old_figures(root, period, units), period.key
        assert new_figures(period, units[:7]) == old_figures(root, period, units[:7])
        full = compliance.unit_matrix(county_admin, root, period)
        assert full.total == sum(n for _m, n, _a in old_figures(root, period, [])[1])
        paged = compliance.unit_matrix(
            county_admin, root, period,
            paginate=lambda units: Paginator(units, 10).page(2))
        assert [(r.pk, [c.count for c in r.cells]) for r in paged.rows] == [
            (r.pk, [c.count for c in r.cells]) for r in full.rows[10:20]]
        assert (paged.column_totals, paged.column_silent) == (full.column_totals,
                                                              full.column_silent)


def test_figures_stay_the_same_after_edits_moves_and_a_pairing_ended(root, county_admin):
    # A counted activity of a paired village with a unit's people: returned, its month
    # reopened, moved to another day and submitted again by its secretary.
    closed = datetime.date.today().replace(day=1) - datetime.timedelta(days=40)
    activity = (Activity.objects.filter(status=ActivityStatus.SUBMITTED, org__kind="village",
                                        date__lt=closed,
                                        participations__person__home_org__kind__in=CITY_KINDS)
                .select_related("org").order_by("-date", "id").first())
    admin = county_admin
    activities.do_return_activity(activity, actor=admin, reason="补充")
    agrees(root)
    locks.do_reopen_month(activity.org, activity.date.year, activity.date.month, actor=admin,
                          reason="补录")
    activity.refresh_from_db()
    activity.date = activity.date.replace(day=1)
    secretary = UserFactory()
    grant(secretary, activity.org, "village_secretary")
    participants = [(p.person, 2, "participant") for p in activity.participations.all()[:2]]
    activities.do_save_activity(activity, participants, actor=secretary)
    activities.do_submit_activity(activity, actor=secretary)
    agrees(root)
    # The busiest unit's people move to the second busiest, singly and in bulk.
    busy = list(Participation.objects.filter(person__home_org__kind__in=CITY_KINDS)
                .values("person__home_org").annotate(n=Count("id")).order_by("-n")
                .values_list("person__home_org", flat=True)[:2])
    person = Person.objects.filter(home_org_id=busy[0]).first()
    person.home_org_id = busy[1]
    person.save()
    agrees(root)
    Person.objects.filter(home_org_id=busy[0]).update(home_org_id=busy[1])
    agrees(root)
    # The busy unit's pairings end, then one comes back.
    ended = list(Pairing.objects.filter(city_org_id=busy[1], status=PairingStatus.ACTIVE)
                 .values_list("pk", flat=True))
    Pairing.objects.filter(pk__in=ended).update(status=PairingStatus.ENDED)
    assert not PairedUnitMonthTally.objects.filter(unit_id=busy[1]).exists()
    agrees(root)
    Pairing.objects.filter(pk=ended[0]).update(status=PairingStatus.ACTIVE)
    assert PairedUnitMonthTally.objects.filter(unit_id=busy[1], activities__gt=0).exists()
    agrees(root)
    for period in periods()[:2]:
        units = list(compliance.paired_units(root).values_list("pk", flat=True))
        assert new_figures(period, units) == old_figures(root, period, units)
