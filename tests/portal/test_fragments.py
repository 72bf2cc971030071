"""portal.fragments: the data version moves on after every committed write to the portal's
tables (ORM, bulk, raw SQL, COPY), not with sessions, jobs, the audit trail or a login; a
fragment is served from the cache only to the same user, parameters, day, code and data
version; a connection that has written in its open transaction builds fragments without the
cache; a cache that fails is left alone for a while.

The tests commit (transaction=True), as requests do."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from portal import fragments
from portal.models import Job, Organization, Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def request_of():
    factory = RequestFactory()

    def build(user, query=None):
        request = factory.get("/", query or {})
        request.user = user
        return request
    return build


@pytest.fixture
def renders():
    """A render function that counts its calls and returns a different HTML each time."""
    calls = []

    def render():
        calls.append(1)
        return f"<p>{len(calls)}</p>"
    render.calls = calls
    return render


def test_version_moves_after_orm_bulk_and_raw_writes(tree):
    before = fragments.data_version()
    assert fragments.data_version() == before  # reading does not move it
    Organization.objects.filter(pk=tree.village_a1.pk).update(name="新青山村")
    after_update = fragments.data_version()
    assert after_update > before
    Person.objects.bulk_create([Person(name="新人", home_org=tree.village_a1)])
    after_bulk = fragments.data_version()
    assert after_bulk > after_update
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_organization SET name = name WHERE id = %s",
                       [tree.unit.pk])
    assert fragments.data_version() > after_bulk


def test_version_ignores_sessions_jobs_logins_and_reads(tree, county_admin, client):
    before = fragments.data_version()
    list(Organization.objects.all())
    session = SessionStore()
    session["x"] = 1
    session.create()
    Job.objects.create(kind="demo", title="演示", owner=county_admin, scope_org=tree.county)
    client.force_login(county_admin)  # stamps last_login
    assert fragments.data_version() == before


def test_version_moves_at_commit_not_before(tree):
    before = fragments.data_version()
    with transaction.atomic():
        Organization.objects.filter(pk=tree.unit.pk).update(name="县农业农村局（新）")
        assert fragments.data_version() == before
        assert fragments.written_in_open_transaction()
    assert fragments.data_version() > before
    with transaction.atomic():
        Organization.objects.filter(pk=tree.unit.pk).update(name="县农业农村局")
        transaction.set_rollback(True)
    assert not fragments.written_in_open_transaction()


def test_version_moves_even_when_an_earlier_commit_callback_fails(tree):
    before = fragments.data_version()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            transaction.on_commit(lambda: (_ for _ in ()).throw(RuntimeError("broker down")))
            Organization.objects.filter(pk=tree.unit.pk).update(name="县农业农村局（新）")
    assert fragments.data_version() > before


def test_own_uncommitted_write_is_shown_and_never_cached(fragment_cache, request_of, renders,
                                                        county_admin, tree):
    request = request_of(county_admin)
    first = fragments.cached_fragment(request, "demo", renders)
    with transaction.atomic():
        Organization.objects.filter(pk=tree.unit.pk).update(name="幻影")
        inside = fragments.cached_fragment(request_of(county_admin), "demo", renders)
        assert inside != first  # built: this connection sees its own change
        transaction.set_rollback(True)
    # Rolled back: what was built inside the transaction was not stored.
    assert fragments.cached_fragment(request_of(county_admin), "demo", renders) == first
    assert len(renders.calls) == 2


def test_fragment_is_cached_per_user_query_and_version(fragment_cache, request_of, renders,
                                                        county_admin, leader, tree):
    def html(user, query=None):
        return str(fragments.cached_fragment(request_of(user, query), "demo", renders,
                                             params=("area",)))

    first = html(county_admin)
    assert html(county_admin) == first and len(renders.calls) == 1
    assert html(leader) != first  # another user: never someone else's fragment
    assert html(county_admin, {"area": "2"}) != first  # a parameter it reads
    assert html(county_admin, {"page": "2"}) == first  # a parameter the fragment does not read
    calls = len(renders.calls)
    Organization.objects.filter(pk=tree.unit.pk).update(name="县农业农村局（新）")
    assert html(county_admin) != first  # the data changed
    assert len(renders.calls) == calls + 1


def test_fragment_is_cached_per_day(fragment_cache, request_of, renders, county_admin,
                                    monkeypatch):
    from django.utils import timezone

    html = fragments.cached_fragment(request_of(county_admin), "demo", renders)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda: tomorrow)
    assert fragments.cached_fragment(request_of(county_admin), "demo", renders) != html


def test_cache_off_renders_every_time(settings, request_of, renders, county_admin):
    settings.FRAGMENT_CACHE_SECONDS = 0
    fragments.cached_fragment(request_of(county_admin), "demo", renders)
    fragments.cached_fragment(request_of(county_admin), "demo", renders)
    assert len(renders.calls) == 2


def test_failing_cache_is_skipped(fragment_cache, request_of, renders, county_admin,
                                  monkeypatch):
    calls = []

    class Down:
        def get(self, *args, **kwargs):
            calls.append(args)
            raise ConnectionError("cache server down")
        set = get
    monkeypatch.setattr(fragments, "cache", Down())
    monkeypatch.setattr(fragments, "_cache_failed_at", None)
    assert fragments.cached_fragment(request_of(county_admin), "demo", renders) == "<p>1</p>"
    # A hung cache costs its timeout once, not once per fragment of every page.
    assert fragments.cached_fragment(request_of(county_admin), "demo", renders) == "<p>2</p>"
    assert len(calls) == 1


def test_written_table_is_read_from_the_statement():
    match = fragments._WRITE.match
    assert match('INSERT INTO "ledger_activity" ("org_id") VALUES (1)').group(1) == \
        "ledger_activity"
    assert match(' update ledger_orgmonthtally set activities = 1').group(1) == \
        "ledger_orgmonthtally"
    assert match('DELETE FROM "pairing_claim" WHERE id = 1').group(1) == "pairing_claim"
    assert match('SELECT 1 FROM "ledger_activity"') is None
    assert fragments._is_watched("ledger_activity")
    assert not fragments._is_watched("django_session")
    assert not fragments._is_watched("portal_job")
    assert match('INSERT OR IGNORE INTO "ledger_participation" ("a") VALUES (1)').group(1) == \
        "ledger_participation"


def test_move_version_past_a_restored_one(tree):
    now = fragments.data_version()
    fragments.move_version_past(now + 5)
    assert fragments.data_version() == now + 6
    fragments.move_version_past(0)  # never backwards
    assert fragments.data_version() == now + 7


def test_first_write_on_a_new_sequence_moves_the_version(postgresql_only):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval('{fragments.VERSION_TABLE}', 1, false)")  # as created
    assert fragments.data_version() == 0
    fragments.advance()
    assert fragments.data_version() == 1


def test_version_is_read_once_per_request_and_again_after_its_writes(
        fragment_cache, request_of, renders, county_admin, tree):
    request = request_of(county_admin)
    fragments.cached_fragment(request, "demo", renders)
    with CaptureQueriesContext(connection) as captured:
        fragments.cached_fragment(request, "other", renders)
    assert not [q for q in captured if fragments.VERSION_TABLE in q["sql"]]
    Organization.objects.filter(pk=tree.unit.pk).update(name="县农业农村局（新）")
    assert fragments.cached_fragment(request, "demo", renders) == f"<p>{len(renders.calls)}</p>"
    assert len(renders.calls) == 3  # "demo" built again after the request's own write


def test_bulk_load_copy_moves_version(tree):
    from portal.bulk_load import insert_instances

    before = fragments.data_version()
    insert_instances(Person, [Person(name="批量", home_org=tree.village_a1)])
    assert fragments.data_version() > before


def test_new_release_does_not_serve_the_previous_ones_fragments(
        fragment_cache, request_of, renders, county_admin, monkeypatch):
    first = fragments.cached_fragment(request_of(county_admin), "demo", renders)
    monkeypatch.setattr(fragments, "code_fingerprint", lambda: "another release")
    assert fragments.cached_fragment(request_of(county_admin), "demo", renders) != first
