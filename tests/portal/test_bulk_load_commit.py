"""portal.bulk_load in a transaction of its own (no module fixture holds one here): the load
runs without per-row foreign-key checks, and a dangling reference rolls it back."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from portal.bulk_load import set_based_foreign_key_checks
from portal.models import Organization, RoleAssignment
from portal.models.roles import Role

MISSING_ORG = 987_654_321


def _skip_unless_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session_replication_role and catalogue")


def _replica_role():
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_load_skips_row_checks_and_refuses_a_dangling_reference():
    _skip_unless_postgresql()
    user = get_user_model().objects.create(username="bulk_load_probe")
    with pytest.raises(IntegrityError, match="portal_roleassignment.org_id"):
        with transaction.atomic(), set_based_foreign_key_checks():
            assert _replica_role() == "replica"
            RoleAssignment.objects.create(user=user, org_id=MISSING_ORG, role=Role.LEADER)
    assert not RoleAssignment.objects.exists()  # rolled back with the load
    assert _replica_role() == "origin"


@pytest.mark.django_db(transaction=True)
def test_a_consistent_load_commits():
    _skip_unless_postgresql()
    user = get_user_model().objects.create(username="bulk_load_probe")
    with transaction.atomic(), set_based_foreign_key_checks():
        org = Organization.add_root(name="云岭县", code="513127000000", kind="county")
        RoleAssignment.objects.create(user=user, org=org, role=Role.LEADER)
    assert RoleAssignment.objects.get().org == org
    assert _replica_role() == "origin"
