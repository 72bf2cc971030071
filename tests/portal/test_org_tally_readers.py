"""The pages that count organizations per township or per kind read the organizations per
township (portal.org_tally): on the seeded demo county their figures are those a count of the
organizations gives, for every demo role, and stay so after organizations are added, closed
and moved; the county-wide readers read no organization to count them."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext

from ledger import trend_panels
from ledger.compliance import CAPABILITY, TOWNSHIP_PREFIX
from portal import org_tally
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.navigation import _orgs_by_kind
from portal.scope import forget_roles, has_capability, scope_q
from tests.factories import add_org, grant

ROLES = ("county_admin", "leader", "township_admin", "village_secretary", "unit_contact",
         "talent", "assessor")


@pytest.fixture
def demo(small_county, db):
    return small_county


def users():
    return {name: get_user_model().objects.get(username=name) for name in ROLES}


def kinds_counted(user):
    """The overview's organizations per kind as counted from the organizations."""
    visible = Organization.objects.visible_to(user)
    return dict(visible.values_list("kind").annotate(n=Count("id")).order_by())


def villages_counted(user):
    """The trend panel's active villages per township, counted from the villages."""
    return dict(Organization.objects.filter(scope_q(user, CAPABILITY, "path"),
                                            kind=OrgKind.VILLAGE, is_active=True)
                .annotate(t=Substr("path", 1, TOWNSHIP_PREFIX)).values_list("t")
                .annotate(n=Count("id")).order_by())


def assert_every_role_agrees():
    assert org_tally.check() == {}
    for name, user in users().items():
        forget_roles(user)
        assert _orgs_by_kind(user)[0] == kinds_counted(user), name
        if has_capability(user, CAPABILITY):
            assert trend_panels._villages_per_township(user) == villages_counted(user), name


def test_the_figures_are_those_of_the_organizations_in_every_scope(demo):
    assert_every_role_agrees()
    county = users()["county_admin"]
    assert _orgs_by_kind(county)[0][OrgKind.VILLAGE] == Organization.objects.filter(
        kind=OrgKind.VILLAGE).count()


def test_the_figures_follow_added_closed_and_moved_organizations(demo):
    townships = list(Organization.objects.filter(kind=OrgKind.TOWNSHIP).order_by("path")[:2])
    added = [add_org(townships[0], f"新村{i}", OrgKind.VILLAGE) for i in range(3)]
    Organization.objects.filter(pk=added[0].pk).update(is_active=False)
    Organization.objects.move(Organization.objects.get(pk=added[1].pk), townships[1],
                              pos="last-child")
    first_village = Organization.objects.filter(path__startswith=townships[1].path,
                                                kind=OrgKind.VILLAGE).first()
    Organization.objects.filter(pk=first_village.pk).update(kind=OrgKind.COMMUNITY)
    assert_every_role_agrees()


def test_the_county_wide_readers_count_no_organization(demo):
    user = users()["county_admin"]
    _orgs_by_kind(user)
    trend_panels._villages_per_township(user)  # roles read once, kept on the user
    with CaptureQueriesContext(connection) as queries:
        _orgs_by_kind(user)
        trend_panels._villages_per_township(user)
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2 and all("portal_townshiporgtally" in s for s in sql)
    assert not [s for s in sql if '"portal_organization"' in s]


def test_a_scope_below_a_township_counts_its_own_villages(demo):
    """A compliance scope root below a township (a role held on one village: the tally
    cannot split a township) is counted from the villages."""
    village = Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True).first()
    assert org_tally.orgs_per_township(OrgKind.VILLAGE, [village.path]) is None
    user = get_user_model().objects.create(username="村级范围")
    grant(user, village, "township_admin")
    assert trend_panels._villages_per_township(user) == {village.path[:TOWNSHIP_PREFIX]: 1}
    assert trend_panels._villages_per_township(user) == villages_counted(user)
