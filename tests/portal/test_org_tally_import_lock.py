"""The organization import writes many organizations in one transaction; two such imports
locking the organizations-per-township rows in different orders would deadlock (found in
review), so the import first takes the lock that serializes them (org_tally)."""

import threading

import pytest
from django.db import connection, connections, transaction

from portal import org_tally
from portal.importers import import_orgs
from tests.portal.test_import_update import ORG_HEADERS, workbook_file


def test_the_org_import_takes_the_lock_before_writing(tree, county_admin, monkeypatch):
    taken = []
    real = org_tally.serialize_bulk_writes
    monkeypatch.setattr(org_tally, "serialize_bulk_writes",
                        lambda conn=None: taken.append(True) or real(conn))
    upload = workbook_file([ORG_HEADERS, ["V0101", "新茶村", "青山镇", "村"]])
    assert import_orgs(upload, actor=county_admin).errors == []
    assert taken == []  # a preview writes nothing
    upload = workbook_file([ORG_HEADERS, ["V0101", "新茶村", "青山镇", "村"]])
    report = import_orgs(upload, actor=county_admin, commit=True)
    assert report.committed and taken == [True]
    assert org_tally.check() == {}


def _try_lock_elsewhere():
    """Whether another connection can take the lock now (without waiting)."""
    result = []

    def attempt():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [org_tally.LOCK_CLASS])
                result.append(cursor.fetchone()[0])
        finally:
            connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(30)
    return result[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_the_lock_is_held_until_the_transaction_ends():
    with transaction.atomic():
        org_tally.serialize_bulk_writes()
        assert _try_lock_elsewhere() is False
    assert _try_lock_elsewhere() is True
