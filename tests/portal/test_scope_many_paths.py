"""A scope of many subtrees (a unit contact's or a talent's paired villages) is matched by its
organizations' ids (portal.scope.MANY_PATHS), read again when the process writes
organizations (the same rows as the path prefixes: test_scope_many_paths_demo.py)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from portal import scope
from portal.models import Organization
from portal.scope import scope_q
from portal.services import do_create_org


def test_a_many_subtree_scope_is_an_id_lookup(tree, unit_contact, monkeypatch):
    monkeypatch.setattr(scope, "MANY_PATHS", 0)
    query = scope_q(unit_contact, "pairing.view", ("village_org__path", "city_org__path"))
    lookups = {name for name, _ in query.children}
    assert lookups == {"village_org__in", "city_org__in"}
    assert str(Q(pk__in=[])) != str(query)


def test_an_organization_created_in_the_request_is_in_scope_at_once(tree, township_admin,
                                                                    monkeypatch):
    """The scope's ids are read again after the process writes organizations: creating a
    village checks that it stays visible, against the ids read before it existed."""
    monkeypatch.setattr(scope, "MANY_PATHS", 0)
    before = set(Organization.objects.visible_to(township_admin, "org.change")
                 .values_list("pk", flat=True))
    village = do_create_org(tree.town_a, actor=township_admin, name="新建村", kind="village",
                            code="V0999")
    after = set(Organization.objects.visible_to(township_admin, "org.change")
                .values_list("pk", flat=True))
    assert village.pk not in before and after == before | {village.pk}


@pytest.mark.parametrize("many", [0, 10**6])
def test_an_empty_scope_sees_nothing_either_way(tree, db, monkeypatch, many):
    monkeypatch.setattr(scope, "MANY_PATHS", many)
    outsider = get_user_model().objects.create_user("outsider", password="x")
    assert not Organization.objects.visible_to(outsider).exists()


def test_org_ids_under_paths_counts_each_organization_once(tree, db):
    """A township and one of its villages among the paths: the village once, the township's
    other villages too; nothing outside the subtrees."""
    ids = scope.org_ids_under([tree.town_a.path, tree.village_a1.path, tree.village_b1.path])
    expected = set(Organization.objects.filter(
        Q(path__startswith=tree.town_a.path) | Q(path__startswith=tree.village_b1.path))
        .values_list("pk", flat=True))
    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))
    assert tree.village_b2.pk not in ids
    assert scope.org_ids_under([]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array join is PostgreSQL's")
def test_on_postgresql_the_paths_are_one_parameter_not_a_like_each(tree, db):
    """The query's text is the same for 2 paths and for 40: the paths travel as one array (91
    LIKEs cost a unit contact's page 13 ms at city scale, mostly building and planning)."""
    paths = list(Organization.objects.values_list("path", flat=True))
    texts = []
    for some in (paths[:2], paths * 5):
        with CaptureQueriesContext(connection) as queries:
            scope.org_ids_under(some)
        texts.append([re.sub(r"'\{[^}]*\}'", "PATHS", query["sql"]) for query in queries])
    assert len(texts[0]) == 1 and texts[0] == texts[1]
    assert "LIKE" not in texts[0][0]
