"""The county-wide dispatch counts its talents from the talent tallies (plus the talents who
have left since, who have none): the same total as the distinct talents of the raw
participations, and the same queries as for some townships only (ledger.summaries)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import TalentMonthTally
from ledger.summaries import dispatch_summary
from portal.models.orgs import OrgKind
from tests.factories import PersonFactory, add_org
from tests.ledger.test_dispatch_by_township import (  # noqa: F401 (fixtures)
    activity,
    county,
    month_today,
    talents_who_took_part,
)


@pytest.fixture
def gone(tree, today):
    """A talent who served a village this month and has left since (no talent tally)."""
    person = PersonFactory(home_org=tree.unit, is_city_talent=True, name="郑已离")
    activity(tree.village_b2, today.replace(day=1), [person])
    person.is_active = False
    person.save(update_fields=["is_active"])
    return person


def test_a_talent_who_has_left_still_counts(county, gone, month_today):  # noqa: F811
    year, month, today = month_today
    assert not TalentMonthTally.objects.filter(person=gone).exists()
    summary = dispatch_summary(county, year, month, today=today)
    # 陈农业, 周巡回 and 吴驻村, and 郑已离 who has left.
    assert summary.total.talents == talents_who_took_part(county, year, month) == 4
    assert next(r for r in summary.rows if r.label == "白水乡").talents == 3


def test_a_village_under_another_township_stays_out(county, gone, month_today, tree):  # noqa: F811
    """Talents who served only a village outside the listed townships (here, of a closed
    township the page does not list) are not counted, though their talent tally is there."""
    year, month, today = month_today
    closed_town = add_org(tree.county, "撤并乡", OrgKind.TOWNSHIP)
    elsewhere = add_org(closed_town, "撤并村", OrgKind.VILLAGE)
    outside = PersonFactory(home_org=tree.unit, is_city_talent=True, name="冯外乡")
    activity(elsewhere, today.replace(day=1), [outside])
    assert TalentMonthTally.objects.filter(person=outside, participations__gt=0).exists()
    summary = dispatch_summary(county, year, month, today=today)
    assert summary.total.talents == talents_who_took_part(county, year, month) == 4
    with_it = dispatch_summary([*county, closed_town], year, month, today=today)
    assert with_it.total.talents == 5


def test_same_queries_for_every_village_or_some(county, gone, month_today):  # noqa: F811
    year, month, today = month_today
    counts = []
    for listed in (county, county[:2]):
        with CaptureQueriesContext(connection) as ctx:
            dispatch_summary(listed, year, month, today=today)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_county_wide_total_counts_no_person_tallies(county, gone, month_today):  # noqa: F811
    """The total's talents come from the talent tallies; open and overdue needs from one pass
    over the needs."""
    year, month, today = month_today
    with CaptureQueriesContext(connection) as ctx:
        summary = dispatch_summary(county, year, month, today=today, shown=())
    assert summary.total.talents == 4
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [q for q in sql if "COUNT(DISTINCT" in q and "ledger_personmonthtally" in q]
    assert len([q for q in sql if '"needs_open"' in q and '"needs_overdue"' in q]) == 1


def test_a_page_of_townships_finds_its_talents_by_path(county, gone, month_today):  # noqa: F811
    """The shown townships' talents are read under their paths (the path index), not by
    cutting the path of every organization of the month's person tallies; same figures."""
    year, month, today = month_today
    whole = {r.label: r.talents for r in dispatch_summary(county, year, month, today=today).rows}
    for shown in ([county[0]], county[1:]):
        with CaptureQueriesContext(connection) as ctx:
            summary = dispatch_summary(county, year, month, today=today, shown=shown)
        assert {r.label: r.talents for r in summary.rows} == {
            t.name: whole[t.name] for t in shown}
        talents_sql = [q["sql"] for q in ctx.captured_queries
                       if "COUNT(DISTINCT" in q["sql"] and "ledger_personmonthtally" in q["sql"]]
        # One query, over the talents' rows by their flag (ledger/talent_flag.py).
        assert len(talents_sql) == 1
        assert '"ledger_personmonthtally"."talent"' in talents_sql[0]
        assert all("LIKE" in sql for sql in talents_sql), talents_sql
        assert summary.total.talents == 4


def test_talents_per_township_look_no_person_up(county, gone, month_today):  # noqa: F811
    """Per township, the talents are the person tallies flagged as a talent's (the talents who
    have left since too): no person tally is joined to the people for the talent flag (7,000
    lookups for a page of a city's townships), no talent tally hashed (a city's 13,000)."""
    year, month, today = month_today
    with CaptureQueriesContext(connection) as ctx:
        summary = dispatch_summary(county, year, month, today=today,
                                   shown=[t for t in county if t.name == "白水乡"])
    assert summary.rows[0].talents == 3  # 郑已离, who has left, among them
    sql = [q["sql"] for q in ctx.captured_queries
           if "ledger_personmonthtally" in q["sql"] and '"_township"' in q["sql"]]
    assert sql
    assert not [q for q in sql if 'INNER JOIN "portal_person"' in q], sql
    assert not [q for q in sql if "ledger_talentmonthtally" in q], sql


def test_a_county_wide_dispatch_binds_no_township_list(county, gone, month_today, tree):  # noqa: F811
    """Every village lies under the listed townships: the figures group by township without
    narrowing to them (a city's 250 paths bound into each query); with a village elsewhere,
    the list narrows them again and that village stays out."""
    year, month, today = month_today
    listed = re.compile(r'(, 8\) IN \(|"township" IN \()')

    def lists(townships):
        with CaptureQueriesContext(connection) as ctx:
            summary = dispatch_summary(townships, year, month, today=today)
        return summary, [q["sql"] for q in ctx.captured_queries if listed.search(q["sql"])
                         and "NOT (SUBSTR" not in q["sql"]]  # the test for villages elsewhere

    summary, sql = lists(county)
    assert sql == []
    villages = summary.total.villages
    closed_town = add_org(tree.county, "撤并乡", OrgKind.TOWNSHIP)
    add_org(closed_town, "撤并村", OrgKind.VILLAGE)
    summary, sql = lists(county)
    assert len(sql) >= 3 and summary.total.villages == villages
