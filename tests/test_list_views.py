"""One query-count test for every list page built on FilteredListView.

The seeded small county is loaded once for the module. Each list is fetched by the county
admin (the widest scope) and the township admin with 5 and with 50 rows a page: a query per
row would make the counts differ, so equal counts show the page's cost does not follow the
rows shown, and the bound keeps it small.
"""


import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.views.generic import FilteredListView
from tests.seeding import demo_seeded_for_module

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAX_QUERIES = 25


def _list_views(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.app_name != "admin":
                yield from _list_views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            view_class = getattr(entry.callback, "view_class", None)
            if (view_class and issubclass(view_class, FilteredListView)
                    and not entry.pattern.converters):
                yield f"{namespace}{entry.name}", view_class


LIST_VIEWS = sorted(_list_views())


def test_there_are_list_views_to_check():
    assert len(LIST_VIEWS) >= 5, LIST_VIEWS


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_for_module(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("username", ["county_admin", "township_admin"])
@pytest.mark.parametrize(("url_name", "view_class"), LIST_VIEWS, ids=[n for n, _ in LIST_VIEWS])
def test_list_query_count_does_not_follow_the_rows_shown(seeded, db, client, monkeypatch,
                                                          url_name, view_class, username):
    from portal.scope import has_capability

    user = get_user_model().objects.get(username=username)
    if view_class.list_capability and not has_capability(user, view_class.list_capability):
        pytest.skip(f"{username} may not open {url_name}")
    client.force_login(user)
    url = reverse(url_name)
    client.get(url)  # warm per-process caches (content types, sessions)
    monkeypatch.setattr(view_class, "paginate_by", 5)
    few = _queries(client, url)
    monkeypatch.setattr(view_class, "paginate_by", 50)
    many = _queries(client, url)
    assert few == many <= MAX_QUERIES, (url_name, username, few, many)


@pytest.mark.parametrize(("url_name", "view_class"), LIST_VIEWS, ids=[n for n, _ in LIST_VIEWS])
def test_an_htmx_request_gets_only_the_table(seeded, db, client, url_name, view_class):
    client.force_login(get_user_model().objects.get(username="county_admin"))
    full = client.get(reverse(url_name)).content.decode()
    partial = client.get(reverse(url_name), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full
    if view_class.table_template:
        assert "<html" not in partial and partial.strip()
