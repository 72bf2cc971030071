"""每月调度's need figures on the seeded demo: the deadline-month tally
(pairing.need_deadline_tally) agrees with the raw rows after the seed, and the dispatch read
from it shows the open and overdue needs and the claims awaiting confirmation that the needs
and claims themselves give (counted in Python below, overdue by pairing's own rule), for the
townships' table (grouped, paged, totals only, without overdue) and one township's villages,
at several dates of several months; still after claims and needs are written."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.summaries import dispatch_summary
from pairing import need_deadline_tally
from pairing.models import Claim, ClaimStatus, Need, NeedStatus
from pairing.services.needs import is_overdue, with_progress
from portal.models import Organization
from portal.models.orgs import OrgKind

ACTIVE = {"kind": OrgKind.VILLAGE, "is_active": True}


@pytest.fixture
def townships(small_county, db):
    return list(Organization.objects.filter(kind=OrgKind.TOWNSHIP, is_active=True)
                .order_by("path"))


def _dates():
    """Today, the 1st, 15th, 16th and 28th of its month, and of the months around it: this
    month's overdue needs are counted raw up to the middle of the month, from the month's
    cell less the needs not yet due after it (ledger.summaries._need_figures)."""
    today = timezone.localdate()
    first = today.replace(day=1)
    dates = [today]
    for month in (first - datetime.timedelta(days=20), first, first + datetime.timedelta(days=40)):
        dates += [month.replace(day=day) for day in (1, 15, 16, 28)]
    return dates


def _published_needs(villages, today):
    """(village, overdue) of each published need of the active `villages`, overdue by
    pairing's own rule (is_overdue over with_progress's confirmed claims), not by the query
    the dispatch itself uses (ledger.summaries._overdue_q)."""
    needs = with_progress(Need.objects.filter(status=NeedStatus.PUBLISHED,
                                              village_org__in=villages))
    return [(need.village_org, is_overdue(need, today))
            for need in needs.select_related("village_org")]


def _waiting_claims(villages):
    return Claim.objects.filter(status=ClaimStatus.DONE,
                                need__village_org__in=villages).select_related("need__village_org")


def _add(figures, key, open_=0, overdue=0, waiting=0):
    figures[key] = [a + b for a, b in zip(figures[key], (open_, overdue, waiting), strict=True)]


def _old_by_township(paths, today):
    """{township path: (open, overdue, waiting)}, counted in Python from the needs and claims
    of the active villages under each township."""
    figures = {path: [0, 0, 0] for path in paths}
    villages = Organization.objects.filter(**ACTIVE)

    def township(village):
        return next((path for path in paths if village.path.startswith(path)), None)

    for village, overdue in _published_needs(villages, today):
        if township(village):
            _add(figures, township(village), open_=1, overdue=int(overdue))
    for claim in _waiting_claims(villages):
        if township(claim.need.village_org):
            _add(figures, township(claim.need.village_org), waiting=1)
    return {path: tuple(values) for path, values in figures.items()}


def _old_by_village(township, today):
    """{village id: (open, overdue, waiting)} of the township's active villages."""
    villages = Organization.objects.filter(path__startswith=township.path, **ACTIVE)
    figures = {pk: [0, 0, 0] for pk in villages.values_list("pk", flat=True)}
    for village, overdue in _published_needs(villages, today):
        _add(figures, village.pk, open_=1, overdue=int(overdue))
    for claim in _waiting_claims(villages):
        _add(figures, claim.need.village_org_id, waiting=1)
    return {pk: tuple(values) for pk, values in figures.items()}


def _figures(row):
    return (row.needs_open, row.needs_overdue, row.claims_waiting)


def _sum(figures):
    return tuple(sum(column) for column in zip(*figures, strict=True)) if figures else (0, 0, 0)


def _same_as_the_old_queries(townships):
    paths = [t.path for t in townships]
    for today in _dates():
        old = _old_by_township(paths, today)
        month = dict(year=today.year, month=today.month, today=today)
        whole = dispatch_summary(townships, **month)
        assert {t.path: _figures(r) for t, r in zip(townships, whole.rows, strict=True)} == old, \
            today
        assert _figures(whole.total) == _sum(old.values())
        paged = dispatch_summary(townships, shown=townships[1:3], **month)
        assert [_figures(r) for r in paged.rows] == [old[t.path] for t in townships[1:3]]
        assert _figures(paged.total) == _sum(old.values())
        totals = dispatch_summary(townships, shown=[], people=False, **month)
        assert _figures(totals.total) == _sum(old.values())
        without = dispatch_summary(townships, shown=[], people=False, overdue=False, **month)
        assert (without.total.needs_open, without.total.needs_overdue,
                without.total.claims_waiting) == (_sum(old.values())[0], None,
                                                  _sum(old.values())[2])
        for township in townships[:3]:
            single = dispatch_summary([township], single=township, **month)
            village_figures = _old_by_village(township, today)
            assert {r.org_id: _figures(r) for r in single.rows} == village_figures, today
            assert _figures(single.total) == _sum(village_figures.values())


def test_seeded_demo_is_tallied_and_dispatches_the_same_figures(townships):
    assert need_deadline_tally.check() == {}
    paths = [t.path for t in townships]
    # The demo has open, overdue and awaiting figures, so the comparison compares something.
    today = timezone.localdate()
    assert all(_sum(_old_by_township(paths, today).values()))
    _same_as_the_old_queries(townships)


def test_figures_stay_the_same_after_claims_and_needs_are_written(townships):
    claims = list(Claim.objects.filter(status=ClaimStatus.DONE).order_by("id")[:4])
    Claim.objects.filter(pk=claims[0].pk).update(status=ClaimStatus.CONFIRMED)
    Claim.objects.filter(pk=claims[1].pk).update(status=ClaimStatus.CLAIMED)
    Need.objects.filter(pk=claims[2].need_id).update(status=NeedStatus.CLOSED)
    need = Need.objects.get(pk=claims[3].need_id)
    Need.objects.filter(pk=need.pk).update(
        deadline=need.deadline - datetime.timedelta(days=31), places=need.places + 1)
    moved = Need.objects.filter(status=NeedStatus.PUBLISHED).order_by("-id").first()
    other = (Organization.objects.filter(**ACTIVE).exclude(pk=moved.village_org_id)
             .order_by("path").first())
    Need.objects.filter(pk=moved.pk).update(village_org=other)
    assert need_deadline_tally.check() == {}
    _same_as_the_old_queries(townships)


def test_the_dispatch_counts_neither_every_need_nor_every_claim(townships):
    """The need figures come from the tally, and the one query over the needs is bounded to
    a part of this month's deadlines (the deadline index): up to today early in the month,
    from today to the month's end late in it; no query counts the claims."""
    def bound(operator, date):
        return (f'"pairing_need"."deadline" {operator} \'{date}\'',
                f'"pairing_need"."deadline" {operator} {date}')

    first = timezone.localdate().replace(day=1)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    for today, bounds in ((first.replace(day=5), [(">=", first), ("<", first.replace(day=5))]),
                          (first.replace(day=25), [(">=", first.replace(day=25)),
                                                   ("<", following)])):
        with CaptureQueriesContext(connection) as ctx:
            dispatch_summary(townships, today.year, today.month, today=today)
        sql = [q["sql"] for q in ctx.captured_queries]
        assert any('"pairing_needdeadlinetally"' in s for s in sql)
        need_queries = [s for s in sql if 'FROM "pairing_need" ' in s]
        assert len(need_queries) == 1
        for operator, date in bounds:
            assert any(text in need_queries[0] for text in bound(operator, date)), operator
        assert not [s for s in sql if 'FROM "pairing_claim" ' in s.split("WHERE")[0]]
