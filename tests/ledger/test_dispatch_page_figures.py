"""The monthly dispatch's (每月调度) totals without rows (the county org page) come from ungrouped
queries, silent villages and overdue needs from hashed sets rather than a probe per village or
need, and the county page leaves out the overdue needs it does not show. Same figures as before
(tests/ledger/test_dispatch_paging.py compares pages and totals with the whole table)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.org_sections import dispatch_section
from ledger.summaries import dispatch_summary
from pairing.models import ClaimStatus
from tests.ledger import test_dispatch_by_township as by_township
from tests.ledger.test_dispatch_by_township import need

county = by_township.county  # four townships


@pytest.fixture
def month_today(today):
    return today.year, today.month, today


def test_totals_probe_no_tally_per_village(county, month_today):
    year, month, today = month_today
    with CaptureQueriesContext(connection) as ctx:
        summary = dispatch_summary(county, year, month, today=today, shown=(), people=False)
    assert summary.total.silent == 3
    assert not [q for q in ctx.captured_queries if "NOT EXISTS" in q["sql"]]
    # The villages per township (one row per township, which also tells whether every
    # village lies under the townships) from the organizations per township alone, never a
    # village, tally, need or claim read.
    assert not [q for q in ctx.captured_queries if 'AS "_township"' in q["sql"]]
    [grouped] = [q["sql"] for q in ctx.captured_queries if "portal_townshiporgtally" in q["sql"]]
    assert "JOIN" not in grouped and "portal_organization" not in grouped


def test_overdue_counts_places_not_all_confirmed(tree, talent, unit_contact, today):
    past, later = today - datetime.timedelta(days=1), today + datetime.timedelta(days=3)
    village = tree.village_a1
    need(village, past, places=0)  # nobody needed: not overdue
    need(village, past, [(talent, ClaimStatus.CONFIRMED)], places=2)  # overdue
    need(village, past, [(talent, ClaimStatus.CONFIRMED)], places=1)  # done in time
    need(village, past, [(talent, ClaimStatus.CONFIRMED),
                         (unit_contact, ClaimStatus.CONFIRMED)], places=3)  # overdue
    need(village, past, [(talent, ClaimStatus.DONE)], places=1)  # overdue, waiting
    need(village, later)  # not yet due
    township = tree.town_a
    year, month = today.year, today.month
    single = dispatch_summary([township], year, month, single=township, today=today)
    table = dispatch_summary([township], year, month, today=today)
    totals = dispatch_summary([township], year, month, today=today, shown=(), people=False)
    for summary in (single, table, totals):
        assert (summary.total.needs_open, summary.total.needs_overdue) == (6, 3)
        assert summary.total.claims_waiting == 1


def test_the_county_org_page_reads_no_overdue_needs(rf, county_admin, county, month_today, tree):
    """The county org page's card shows open needs but not the overdue ones, so it does not
    look up any need's confirmed claims; its other figures stay the table's total."""
    year, month, today = month_today
    unpaged = dispatch_summary(county, year, month, today=today)
    request = rf.get("/")
    request.user = county_admin
    with CaptureQueriesContext(connection) as ctx:
        section = dispatch_section(request, tree.county)
    assert not [q for q in ctx.captured_queries if '"needs_overdue"' in q["sql"]]
    assert not [q for q in ctx.captured_queries if "pairing_claim" in q["sql"]
                and "confirmed" in q["sql"]]
    figures = {label: value for label, value, *_ in section["figures"]}
    assert (figures["发布中需求"], figures["待确认认领"]) == (
        unpaged.total.needs_open, unpaged.total.claims_waiting) == (5, 3)


def test_overdue_left_out(county, month_today):
    year, month, today = month_today
    full = dispatch_summary(county, year, month, today=today, shown=county[:2])
    brief = dispatch_summary(county, year, month, today=today, shown=county[:2], overdue=False)
    assert full.total.needs_overdue == 3
    assert brief.total.needs_overdue is None
    assert [row.needs_overdue for row in brief.rows] == [None, None]
    for figure in ("villages", "activities", "needs_open", "claims_waiting", "silent"):
        assert getattr(brief.total, figure) == getattr(full.total, figure), figure
        assert [getattr(r, figure) for r in brief.rows] == [getattr(r, figure) for r in full.rows]
