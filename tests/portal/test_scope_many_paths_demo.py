"""Scopes of many subtrees matched by organization ids (portal.scope.MANY_PATHS) see exactly
the rows the path prefixes see: every scoped model, every demo account, view and change."""

from django.apps import apps
from django.contrib.auth import get_user_model

from portal import scope
from portal.scope import CAPABILITIES, ScopedQuerySetMixin, UnknownCapability, forget_roles

ACCOUNTS = ("county_admin", "leader", "township_admin", "village_secretary", "unit_contact",
            "talent", "talent_001", "assessor")


def scoped_models():
    return [model for model in apps.get_models()
            if isinstance(model._default_manager.all(), ScopedQuerySetMixin)]


def visible(model, user, action):
    forget_roles(user)
    try:
        return set(model._default_manager.visible_to(user, action).values_list("pk", flat=True))
    except UnknownCapability:
        return None


def test_ids_and_path_prefixes_see_the_same_rows(small_county, db, monkeypatch):
    users = [get_user_model().objects.get(username=name) for name in ACCOUNTS]
    models = scoped_models()
    assert len(models) > 30
    compared = many = 0
    for user in users:
        many += max(len(scope.scope_paths(user, name) or ()) for name in CAPABILITIES) > 1
        for model in models:
            for action in ("view", "change"):
                monkeypatch.setattr(scope, "MANY_PATHS", 10**6)
                by_paths = visible(model, user, action)
                monkeypatch.setattr(scope, "MANY_PATHS", 0)
                by_ids = visible(model, user, action)
                assert by_ids == by_paths, (user.username, model.__name__, action)
                compared += bool(by_paths)
    assert compared > 100 and many  # rows seen, and accounts of several subtrees among them
