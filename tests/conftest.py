"""Shared fixtures: a small county tree and personas (healthchecks-style alice/bob)."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD as PASSWORD  # the e2e and auth tests sign in with it
from tests.factories import bulk_orgs, bulk_people, bulk_users_with_roles, grant, password_hash

TESTS_DIR = Path(__file__).parent
# Module fixtures cheap enough to build on every xdist worker, so their tests spread.
SPREAD_MODULE_FIXTURES = {"shared"}  # test_permission_matrix.py: tree and sessions, ~0.2 s


@pytest.hookimpl(tryfirst=True)  # before xdist reads the markers
def pytest_collection_modifyitems(items):
    """Groups for `-n auto --dist loadgroup` (pyproject): tests spread one by one, except that
    a module with a costly module fixture (the seeded demo county) stays on one worker, so it
    is built once, and the browser journeys share one worker (one Chromium at a time)."""
    for item in items:
        relative = item.path.relative_to(TESTS_DIR).as_posix()
        fixtures = getattr(item, "_fixtureinfo", None)
        module_scoped = {name for name, defs in (fixtures.name2fixturedefs if fixtures else {}
                                                  ).items() if defs[-1].scope == "module"}
        if relative.startswith("e2e/"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif module_scoped - SPREAD_MODULE_FIXTURES:
            item.add_marker(pytest.mark.xdist_group(relative))


def need_service(available: bool, reason: str):
    """Skip when a service is absent; under CI (PORTAL_REQUIRE_SERVICES=1) fail instead."""
    if available:
        return
    if os.environ.get("PORTAL_REQUIRE_SERVICES"):
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def static_without_collectstatic():
    """Pages render without a collectstatic: the plain storage links unhashed names, which the
    live server finds in the source folders. The compressed manifest storage the demo and
    production serve is tested on its own (tests/portal/test_static_files.py)."""
    from django.conf import settings
    from django.test.utils import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True)
def no_fragment_cache(settings):
    """Pages are built afresh in tests, so query counts and contexts measure the work itself;
    tests/portal/test_fragments*.py turn the cache (portal.fragments) on with
    `fragment_cache`."""
    settings.FRAGMENT_CACHE_SECONDS = 0


@pytest.fixture
def fragment_cache(settings):
    """The fragment cache on and empty, in this process's memory whatever CACHE_REDIS_URL
    says: on SQLite a rolled-back test leaves the data version where it was, so an entry of an
    earlier test could otherwise match."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "fragment-tests"}}
    cache.clear()
    settings.FRAGMENT_CACHE_SECONDS = 600
    yield cache
    cache.clear()


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Reference rows the migrations load (module, loader function).
REFERENCE_LOADERS = [("ledger.migrations.0002_load_activity_themes", "load_themes"),
                     ("alliances.migrations.0002_load_alliance_types", "load_types")]


def load_reference_rows():
    import importlib

    from django.apps import apps

    for module, loader in REFERENCE_LOADERS:
        getattr(importlib.import_module(module), loader)(apps, None)


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    return (bool({"transactional_db", "live_server"} & set(request.fixturenames))
            or bool(marker and marker.kwargs.get("transaction")))


@pytest.fixture(autouse=True)
def reference_rows(request, django_db_blocker):
    """A transactional test (browser tests, concurrency tests) ends with a flush that also
    empties the reference rows the migrations load (activity themes, alliance types): load them
    before such a test and again after its flush, for the tests that follow on this worker."""
    transactional = _is_transactional(request)
    if transactional:
        with django_db_blocker.unblock():
            load_reference_rows()
    yield
    if transactional:
        with django_db_blocker.unblock():
            load_reference_rows()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """PBKDF2 for every persona would dominate the suite's run time; tests need no strength."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


# The tree, in creation order: (key, parent key, name, kind, fields).
TREE = [
    ("county", None, "示范县", "county", {"code": "C0001", "party_org_type": "committee"}),
    ("town_a", "county", "青山镇", "township", {"code": "T0001", "party_org_type": "committee"}),
    ("town_b", "county", "白水乡", "township", {"code": "T0002", "party_org_type": "committee"}),
    ("village_a1", "town_a", "青山村", "village", {"code": "V0001"}),
    ("village_a2", "town_a", "石桥村", "village", {"code": "V0002"}),
    ("village_b1", "town_b", "白水村", "village", {"code": "V0003"}),
    ("village_b2", "town_b", "柳林村", "village", {"code": "V0004"}),
    ("unit", "county", "县农业农村局", "unit", {"code": "U0001"}),
]

# Persona -> (org key in TREE, role); the outsider holds no role (but sits at the county).
PERSONA_ROLES = {
    "county_admin": ("county", "county_admin"),
    "leader": ("county", "leader"),
    "township_admin": ("town_a", "township_admin"),
    "village_secretary": ("village_a1", "village_secretary"),
    "other_village_secretary": ("village_b1", "village_secretary"),
    "unit_contact": ("unit", "unit_contact"),
    "talent": ("unit", "talent"),
    "outsider": ("county", None),
}


def build_tree():
    """The tree in one bulk insert, treebeard's paths precomputed as add_root/add_child would
    number them, plus one insert for the history rows: the tree is in nearly every test."""
    return SimpleNamespace(**bulk_orgs(TREE))


def build_people(tree):
    return SimpleNamespace(**bulk_people(
        a1={"name": "李青山", "home_org": tree.village_a1},
        a2={"name": "王石桥", "home_org": tree.village_a2},
        b1={"name": "赵白水", "home_org": tree.village_b1},
        unit={"name": "陈农业", "home_org": tree.unit, "is_city_talent": True},
    ))


def build_all_personas(tree):
    """{persona: User} for every persona, in three queries."""
    return bulk_users_with_roles({
        name: (getattr(tree, org_key), role) for name, (org_key, role) in PERSONA_ROLES.items()})


def _persona(username, tree):
    org_key, role = PERSONA_ROLES[username]
    user = get_user_model().objects.create(username=username, password=password_hash())
    if role:
        grant(user, getattr(tree, org_key), role)
    return user


@pytest.fixture
def tree(db):
    """County 示范县 with two townships, two villages each, and a county unit."""
    return build_tree()


@pytest.fixture
def people(tree):
    """One person in each village and in the unit."""
    return build_people(tree)


@pytest.fixture
def county_admin(tree):
    return _persona("county_admin", tree)


@pytest.fixture
def leader(tree):
    return _persona("leader", tree)


@pytest.fixture
def township_admin(tree):
    return _persona("township_admin", tree)


@pytest.fixture
def village_secretary(tree):
    return _persona("village_secretary", tree)


@pytest.fixture
def other_village_secretary(tree):
    return _persona("other_village_secretary", tree)


@pytest.fixture
def unit_contact(tree):
    return _persona("unit_contact", tree)


@pytest.fixture
def talent(tree):
    return _persona("talent", tree)


@pytest.fixture
def outsider(tree):
    return _persona("outsider", tree)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def libreoffice():
    """Path of LibreOffice (the Excel exports must open in it); CI installs it."""
    import shutil

    office = shutil.which("libreoffice") or shutil.which("soffice")
    need_service(office is not None, "LibreOffice is not installed (apt-get install "
                                     "libreoffice-calc-nogui)")
    return office


@pytest.fixture(scope="module")
def small_county(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo county seeded once for the module and rolled back after it
    (tests/seeding.py); the seed's summary."""
    from tests.seeding import demo_seeded_for_module

    with demo_seeded_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as summary:
        yield summary


@pytest.fixture
def postgresql_only(db):
    """For tests that need PostgreSQL itself (row locks under concurrency, its constraints):
    skipped on SQLite, and a failure under CI when DATABASE_URL names PostgreSQL but the test
    database is something else."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    need_service(not (os.environ.get("PORTAL_REQUIRE_SERVICES")
                      and os.environ.get("DATABASE_URL", "").startswith("postgres")),
                 f"DATABASE_URL is PostgreSQL but the test database is {connection.vendor}")
    pytest.skip("PostgreSQL not configured (DATABASE_URL)")


@pytest.fixture
def always_busy():
    """A stand-in for portal.transient.retrying, patched into a view module, whose conflict
    never clears: it records the service the view passed, runs it with the view's arguments
    (so they must be right, and what it writes is there to be lost), rolls that back as a
    conflict at its end would, and refuses as retrying does after its last try (the retry
    itself: tests/portal/test_transient.py)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from portal.transient import BUSY_MESSAGE

    def retrying(fn, /, *args, **kwargs):
        retrying.called.append(fn)
        with transaction.atomic():
            fn(*args, **kwargs)
            transaction.set_rollback(True)
        raise ValidationError(BUSY_MESSAGE, code="busy")

    retrying.called = []
    return retrying


@pytest.fixture
def renders(monkeypatch):
    """The HTML of each PDF WeasyPrint laid out through portal.pdf_cache (a list that grows
    with every render), so a test can tell a cached download from a new render."""
    from portal import pdf_cache

    done = []
    real = pdf_cache.html_to_pdf

    def counting(html):
        done.append(html)
        return real(html)

    monkeypatch.setattr(pdf_cache, "html_to_pdf", counting)
    return done
