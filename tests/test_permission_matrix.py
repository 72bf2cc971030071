"""Every URL × every persona gets the declared status (see tests/permission_matrix.py).

The tree, people and personas of tests/conftest.py are built once for this module, each
persona signed in once, in a transaction rolled back at the end. One test per case walks the
signed-in personas; the case's objects are built in a savepoint undone after the case, and each
persona's request in a savepoint of its own, so a POST that changes data leaves the next
persona the state the case was built in. Two structural tests take the rows every URL shares:
anonymous requests (302 to the login page on all but the public views) and GETs on POST-only
views (405 for everyone signed in).
"""

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import FAST_HASHERS, build_all_personas, build_people, build_tree
from tests.factories import UserFactory
from tests.permission_matrix import CASES, PERSONAS

SKIPPED_NAMESPACES = {"admin"}  # covered by test_admin_is_for_staff_only
SIGNED_IN = PERSONAS[1:]


def named_patterns(patterns, namespace=""):
    """Fully qualified names of every named URL pattern, descending into includes."""
    names = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def is_get_on_post_only(case):
    return case.method == "get" and all(case.expected[p] == 405 for p in SIGNED_IN)


ANONYMOUS_CASES = CASES
POST_ONLY_GET_CASES = [case for case in CASES if is_get_on_post_only(case)]
SIGNED_IN_CASES = [case for case in CASES if not is_get_on_post_only(case)]


def test_every_url_pattern_is_in_the_matrix():
    declared = {case.url_name for case in CASES}
    undeclared = named_patterns(get_resolver().url_patterns) - declared
    assert not undeclared, f"URL patterns missing from tests/permission_matrix.py: " \
                           f"{sorted(undeclared)}"


def test_matrix_names_only_real_patterns():
    stale = {case.url_name for case in CASES} - named_patterns(get_resolver().url_patterns)
    assert not stale, f"matrix declares URL names that no longer exist: {sorted(stale)}"


def test_every_case_and_persona_is_checked_once():
    checked = [(id(case), "anonymous") for case in ANONYMOUS_CASES]
    checked += [(id(case), persona) for case in POST_ONLY_GET_CASES for persona in SIGNED_IN]
    checked += [(id(case), persona) for case in SIGNED_IN_CASES for persona in SIGNED_IN]
    assert sorted(checked) == sorted((id(case), p) for case in CASES for p in PERSONAS)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """Tree, people and signed-in personas for the whole module; each test's own changes are
    rolled back by pytest-django (a savepoint inside this transaction)."""
    with django_db_blocker.unblock(), rolled_back():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            tree = build_tree()
            people = build_people(tree)
            personas = build_all_personas(tree)
        sessions = {}
        for name, user in personas.items():
            client = Client()
            client.force_login(user)
            sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield SimpleNamespace(tree=tree, people=people, personas=personas, sessions=sessions)


@pytest.fixture
def env(shared, db, media_root):
    """What the cases' argument builders read: .tree, .people and .user(persona)."""
    return SimpleNamespace(tree=shared.tree, people=shared.people,
                           user=shared.personas.__getitem__, session=shared.sessions.get)


def case_url(case, env):
    return reverse(case.url_name, args=case.args(env) if case.args else None)


def outcome(case, url, session):
    """(status, Location) of a request for `url` in `session` (None: anonymous); the request's
    writes (the session's included) are rolled back."""
    client = Client()
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    try:
        with rolled_back():
            response = getattr(client, case.method)(url)
            if response.streaming:
                # Read to the end, which closes the file as a WSGI server would; an explicit
                # close() would also fire close_old_connections (closing PostgreSQL's).
                b"".join(response.streaming_content)
            return response.status_code, response.get("Location", "")
    except Exception as error:  # reported with the other personas' results
        return f"{type(error).__name__}: {error}", ""


def problem(persona, case, url, status, location):
    expected = case.expected[persona]
    if status != expected:
        return f"{persona} {case.label} {url}: got {status}, expected {expected}"
    if persona == "anonymous" and expected == 302 and not location.startswith(reverse("login")):
        return f"{persona} {case.label} {url}: redirected to {location}, not to the login page"
    return None


def check(cases, personas, env):
    """Every problem of `personas` on `cases`; each case is built (and undone) on its own."""
    problems = []
    for case in cases:
        with rolled_back():
            url = case_url(case, env)
            for persona in personas:
                outcome_ = outcome(case, url, env.session(persona))
                problems.append(problem(persona, case, url, *outcome_))
    return [p for p in problems if p]


def test_anonymous_is_sent_to_login_except_on_public_views(env):
    problems = check(ANONYMOUS_CASES, ["anonymous"], env)
    assert not problems, "\n".join(problems)


def test_get_on_post_only_views_is_405(env):
    problems = check(POST_ONLY_GET_CASES, SIGNED_IN, env)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", SIGNED_IN_CASES, ids=lambda case: case.label)
def test_status(case, env):
    problems = check([case], SIGNED_IN, env)
    assert not problems, "\n".join(problems)


def test_admin_is_for_staff_only(client, db):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    plain = UserFactory(username="plain")
    client.force_login(plain)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
