"""portal.bulk_load: per-row foreign-key checks off for a bulk load, one set-based pass before
the commit instead (PostgreSQL, superuser, outside a caller's transaction). The loads that
commit are in test_bulk_load_commit.py: this module's seeded county holds a transaction."""

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from portal.bulk_load import dangling_references, insert_instances, set_based_foreign_key_checks
from portal.models import Person, RoleAssignment
from portal.models.roles import Role
from portal.pinyin import search_key

MISSING_ORG = 987_654_321


def _replica_role():
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def test_a_consistent_database_has_no_dangling_reference(postgresql_only, small_county):
    assert dangling_references() == []


def test_a_reference_to_no_row_is_found(postgresql_only, small_county):
    user = get_user_model().objects.create(username="bulk_load_probe")
    with connection.cursor() as cursor:  # the per-row check off, as in a bulk load
        cursor.execute("SET LOCAL session_replication_role = replica")
    RoleAssignment.objects.create(user=user, org_id=MISSING_ORG, role=Role.LEADER)
    broken = dangling_references()
    assert len(broken) == 1 and "portal_roleassignment.org_id" in broken[0]


def test_inside_a_callers_transaction_the_usual_checks_stay(postgresql_only, small_county):
    with transaction.atomic(), set_based_foreign_key_checks():
        assert _replica_role() == "origin"


def test_inserted_people_get_their_search_key_on_every_database(tree):
    """insert_instances writes people by COPY on PostgreSQL, past PersonQuerySet.bulk_create:
    the manager's prepare_bulk_insert still gives them their pinyin search key."""
    insert_instances(Person, [Person(name="王小明", home_org=tree.village_a1)])
    assert Person.objects.get(name="王小明").search_key == search_key("王小明")
