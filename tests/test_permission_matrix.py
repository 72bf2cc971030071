"""Every URL × every persona gets the declared status (see tests/permission_matrix.py)."""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory
from tests.permission_matrix import CASES, PERSONAS

SKIPPED_NAMESPACES = {"admin"}  # covered by test_admin_is_for_staff_only


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


def test_every_url_pattern_is_in_the_matrix():
    declared = {case.url_name for case in CASES}
    undeclared = named_patterns(get_resolver().url_patterns) - declared
    assert not undeclared, f"URL patterns missing from tests/permission_matrix.py: " \
                           f"{sorted(undeclared)}"


def test_matrix_names_only_real_patterns():
    stale = {case.url_name for case in CASES} - named_patterns(get_resolver().url_patterns)
    assert not stale, f"matrix declares URL names that no longer exist: {sorted(stale)}"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_status(case, persona, request, client, tree, people, media_root):
    env = SimpleNamespace(tree=tree, people=people, user=request.getfixturevalue)
    url = reverse(case.url_name, args=case.args(env) if case.args else None)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = getattr(client, case.method)(url)
    response.close()  # FileResponse keeps the file open otherwise
    expected = case.expected[persona]
    assert response.status_code == expected, \
        f"{persona} {case.label} {url}: got {response.status_code}, expected {expected}"
    if persona == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse("login")), response["Location"]


def test_admin_is_for_staff_only(client, db):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    plain = UserFactory(username="plain")
    client.force_login(plain)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
