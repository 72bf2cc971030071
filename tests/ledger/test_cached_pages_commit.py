"""The fragment cache and commits (PostgreSQL, two connections): a page built while another
connection's transaction is still open does not outlive that transaction's commit."""

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from ledger.models import ActivityStatus
from tests.ledger.test_cached_pages import silent_latest
from tests.ledger.test_compliance_matrices import add_activities

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("postgresql_only", "fragment_cache")]


def test_page_built_before_another_connections_commit_is_not_served_after_it(
        login, county_admin, tree):
    client = login(county_admin)
    assert silent_latest(client) == 4
    written, commit = threading.Event(), threading.Event()

    def secretary():
        try:
            with transaction.atomic():
                add_activities([(tree.village_a1, timezone.localdate().replace(day=1),
                                 ActivityStatus.SUBMITTED)])
                written.set()
                commit.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=secretary)
    thread.start()
    assert written.wait(10)
    # The data version has not moved yet: the page is built again only if it had; it is the
    # cached one, without the uncommitted activity.
    assert silent_latest(client) == 4
    commit.set()
    thread.join(10)
    assert silent_latest(client) == 3  # the commit moved the version on


def test_autocommit_write_moves_the_version_for_every_connection(login, county_admin, tree):
    client = login(county_admin)
    assert silent_latest(client, {"period": ""}) == 4

    def secretary():
        try:
            add_activities([(tree.village_b1, timezone.localdate().replace(day=1),
                             ActivityStatus.SUBMITTED)])  # no transaction: autocommit
        finally:
            connection.close()

    thread = threading.Thread(target=secretary)
    thread.start()
    thread.join(10)
    assert silent_latest(client, {"period": ""}) == 3
    assert client.get(reverse("portal:home")).status_code == 200
