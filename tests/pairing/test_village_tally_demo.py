"""结对共建统计 from the village tallies equals the raw-count version it replaced, on the seeded
demo county, for every scope that sees it (county-wide, leader, township admins, superuser),
per township and in total, this year and last, county-wide and within one township; the
seeded tallies agree with a recount of the raw rows."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from pairing import village_tally
from pairing.models import (
    AgreementStatus,
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    NeedMonthTally,
    Pairing,
    PairingStatus,
    ProjectItem,
    ProjectStatus,
    VillagePairingTally,
    VillageYearTally,
)
from pairing.statistics import (
    FIGURES,
    STATISTICS_CAPABILITY,
    Statistics,
    StatRow,
    _covers_everything,
    _grouped,
    counted_pairings,
    pairing_statistics,
)
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import scope_q

YEAR = timezone.localdate().year


def raw_statistics(user, year, within=None, *, by_township=True) -> Statistics:
    """The figures counted from the raw rows per view: pairing_statistics as it was before the
    village tallies (pairing/statistics.py at main 07a711c), kept here as the reference."""
    everything = not by_township and _covers_everything(user, within)

    def scoped(path_field):
        if everything:
            return Q()
        query = scope_q(user, STATISTICS_CAPABILITY, path_field)
        if within is not None:
            query &= Q(**{f"{path_field}__startswith": within.path})
        return query

    def figures(queryset, path_field, **aggregates):
        if by_township:
            return _grouped(queryset, path_field, **aggregates)
        return {None: queryset.aggregate(**aggregates)}

    active = (Pairing.objects.filter(status=PairingStatus.ACTIVE) if everything
              else counted_pairings(user).filter(scoped("village_org__path")))
    groups = {
        "villages": figures(
            Organization.objects.filter(scoped("path"), kind=OrgKind.VILLAGE, is_active=True),
            "path", villages=Count("id")),
        "pairings": figures(
            active, "village_org__path", pairings=Count("id"),
            covered=Count("village_org", distinct=True), units=Count("city_org", distinct=True)),
        "agreements": figures(
            Pairing.objects.filter(scoped("village_org__path"), Exists(
                AnnualAgreement.objects.filter(pairing=OuterRef("pk"), year=year,
                                               status=AgreementStatus.FILED))),
            "village_org__path", agreements_filed=Count("id")),
        "projects": figures(
            ProjectItem.objects.filter(scoped("agreement__pairing__village_org__path"),
                                       agreement__year=year)
            .exclude(Exists(AnnualAgreement.objects.filter(supersedes=OuterRef("agreement_id"))))
            .exclude(status=ProjectStatus.CANCELLED),
            "agreement__pairing__village_org__path", projects=Count("id"),
            budget=Sum("budget")),
        "needs": figures(
            NeedMonthTally.objects.filter(scoped("village_org__path"),
                                          month__gte=datetime.date(year, 1, 1),
                                          month__lt=datetime.date(year + 1, 1, 1)),
            "village_org__path", needs_published=Sum("published"),
            needs_claimed=Sum("claimed"), needs_confirmed=Sum("confirmed")),
        "households": figures(
            AidHousehold.objects.filter(scoped("village_org__path"), Exists(
                AidPairing.objects.filter(household=OuterRef("pk"), is_active=True))),
            "village_org__path", households=Count("id")),
    }
    stats = Statistics(year=year)
    by_prefix = {}
    if by_township:
        townships = (Organization.objects.filter(scoped("path"), kind=OrgKind.TOWNSHIP)
                     .order_by("path").values_list("pk", "path", "name"))
        for pk, path, name in townships:
            row = StatRow(name, pk)
            stats.rows.append(row)
            by_prefix[path] = row
    total = stats.total
    for group in groups.values():
        for prefix, values in group.items():
            row = by_prefix.get(prefix)
            for name, value in values.items():
                value = value or 0
                if row is not None:
                    setattr(row, name, value)
                setattr(total, name, getattr(total, name) + value)
    if by_township:
        total.units = active.aggregate(n=Count("city_org", distinct=True))["n"]
    return stats


def _table(stats):
    return [(row.label, row.township_id, [getattr(row, name) for name, _ in FIGURES])
            for row in [*stats.rows, stats.total]]


def test_seeded_demo_is_tallied(small_county, db):
    assert village_tally.check() == {}
    assert VillagePairingTally.objects.filter(active_pairings__gt=0).exists()
    assert VillagePairingTally.objects.filter(households__gt=0).exists()
    assert VillageYearTally.objects.filter(year=YEAR, agreements_filed__gt=0).exists()
    assert VillageYearTally.objects.filter(year=YEAR, projects__gt=0).exists()


def test_tallied_statistics_equal_the_raw_counts_in_every_scope(small_county, db):
    users = get_user_model().objects.filter(
        Q(username__in=["county_admin", "leader", "township_admin"])
        | Q(username__startswith="township_admin_") | Q(is_superuser=True))
    names = set(users.values_list("username", flat=True))
    assert {"county_admin", "leader", "township_admin"} <= names
    county = Organization.objects.get(depth=1)
    townships = list(Organization.objects.filter(kind=OrgKind.TOWNSHIP).order_by("path")[:3])
    compared = 0
    for user in users:
        for year in (YEAR, YEAR - 1):
            for within in (None, county, *townships):
                for by_township in (True, False):
                    expected = raw_statistics(user, year, within, by_township=by_township)
                    got = pairing_statistics(user, year, within, by_township=by_township)
                    assert _table(got) == _table(expected), (user.username, year, within,
                                                            by_township)
                    compared += 1
    # The demo's figures are not all zero: the comparison compares something.
    total = pairing_statistics(users.get(username="county_admin"), YEAR).total
    assert total.pairings and total.projects and total.agreements_filed and total.households
    assert compared >= 3 * 2 * 5 * 2
