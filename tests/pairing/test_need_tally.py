"""需求月度汇总 (pairing.need_tally): the triggers keep the village-month tallies equal to a
recount of the needs and claims through every kind of write; the statistics and the home trend
read them; `manage.py need_tally` checks and rebuilds."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pairing import need_tally
from pairing.models import Claim, Need, NeedMonthTally
from pairing.statistics import pairing_statistics
from pairing.trend_panels import need_trend
from tests.factories import UserFactory

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = timezone.localdate().year


def _need(village, when, title="修水渠"):
    need = Need.objects.create(village_org=village, title=title, description="说明",
                               deadline=datetime.date(YEAR, 12, 31), places=5)
    Need.objects.filter(pk=need.pk).update(created_at=when)  # auto_now_add stamps now
    return need


def _tallies():
    rows = NeedMonthTally.objects.values_list("village_org_id", "month", "published", "claimed",
                                              "confirmed")
    return {(village, month): tuple(figures) for village, month, *figures in rows if any(figures)}


def _agrees():
    assert need_tally.check() == {}


@pytest.mark.django_db(transaction=True)
def test_every_write_keeps_the_tally(tree):
    march = datetime.date(YEAR, 3, 1)
    # 1 April 02:00 in China is still 31 March in UTC: the need belongs to April.
    april_night = datetime.datetime(YEAR, 4, 1, 2, tzinfo=ZONE)
    a1, a2 = tree.village_a1, tree.village_a2
    first = _need(a1, datetime.datetime(YEAR, 3, 10, 9, tzinfo=ZONE))
    second = _need(a1, april_night)
    _agrees()
    april = datetime.date(YEAR, 4, 1)
    assert _tallies() == {(a1.pk, march): (1, 0, 0), (a1.pk, april): (1, 0, 0)}
    talents = [UserFactory() for _ in range(3)]
    one = Claim.objects.create(need=first, claimant=talents[0], status="claimed")
    two = Claim.objects.create(need=first, claimant=talents[1], status="claimed")
    _agrees()
    assert _tallies()[(a1.pk, march)] == (1, 1, 0)
    Claim.objects.filter(pk=one.pk).update(status="confirmed")
    _agrees()
    assert _tallies()[(a1.pk, march)] == (1, 1, 1)
    # One statement withdrawing both claims of the need: its flags go once.
    Claim.objects.filter(need=first).update(status="withdrawn")
    _agrees()
    assert _tallies()[(a1.pk, march)] == (1, 0, 0)
    Claim.objects.filter(pk=two.pk).update(status="done")
    Claim.objects.create(need=second, claimant=talents[2], status="confirmed")
    _agrees()
    # The need moves to another village and month: it takes its flags along.
    Need.objects.filter(pk=first.pk).update(village_org=a2, created_at=april_night)
    _agrees()
    assert _tallies() == {(a1.pk, april): (1, 1, 1), (a2.pk, april): (1, 1, 0)}
    Claim.objects.filter(need=first).delete()
    Need.objects.filter(pk=first.pk).delete()
    _agrees()
    assert _tallies() == {(a1.pk, april): (1, 1, 1)}
    # A bulk insert of needs counts too.
    Need.objects.bulk_create(
        Need(village_org=a2, title=f"需求{i}", description="说明", places=1,
             deadline=datetime.date(YEAR, 12, 31)) for i in range(3))
    _agrees()


@pytest.mark.django_db(transaction=True)
def test_rebuild_and_check_command(tree, capsys):
    need = _need(tree.village_a1, timezone.now())
    Claim.objects.create(need=need, claimant=UserFactory(), status="done")
    NeedMonthTally.objects.update(published=7)
    with pytest.raises(SystemExit) as failed:
        call_command("need_tally", "--check")
    assert failed.value.code == 1 and "不一致" in capsys.readouterr().out
    call_command("need_tally", "--rebuild")
    call_command("need_tally", "--check")
    assert "一致" in capsys.readouterr().out
    assert list(NeedMonthTally.objects.values_list("published", "claimed", "confirmed")) \
        == [(1, 1, 0)]


@pytest.mark.django_db
def test_statistics_and_trend_read_the_tallies(tree, county_admin):
    today = timezone.localdate()
    need = _need(tree.village_a1, timezone.now())
    Claim.objects.create(need=need, claimant=UserFactory(), status="confirmed")
    _need(tree.village_b1, timezone.now(), "送戏下乡")
    _need(tree.village_b1, datetime.datetime(YEAR - 1, 6, 1, tzinfo=ZONE), "去年的")
    with CaptureQueriesContext(connection) as queries:
        stats = pairing_statistics(county_admin, YEAR)
        trend = need_trend(county_admin, today)
    needs_sql = [q["sql"] for q in queries.captured_queries if "pairing_need" in q["sql"]]
    assert len(needs_sql) == 2 and all("pairing_claim" not in sql for sql in needs_sql)
    total = stats.total
    assert (total.needs_published, total.needs_claimed, total.needs_confirmed) == (2, 1, 1)
    by_township = {row.label: (row.needs_published, row.needs_claimed) for row in stats.rows}
    assert by_township == {tree.town_a.name: (1, 1), tree.town_b.name: (1, 0)}
    month = today.month - 1
    assert (trend.published[month], trend.claimed[month], trend.confirmed[month]) == (2, 1, 1)


def test_the_demo_loads_needs_and_claims_with_the_need_tallies_paused(tree):
    """pairing.demo loads its needs and claims with the two need tallies' triggers off and
    recounts both after: inside, a need written counts nowhere; after, the triggers are back
    and every tally (and village_tally's year sums, fed by the month tally) agrees."""
    from pairing import demo, need_deadline_tally, village_tally
    from pairing.models import NeedDeadlineTally

    with demo._need_tallies_paused():
        need = _need(tree.village_a1, datetime.datetime(YEAR, 3, 10, 9, tzinfo=ZONE))
        Claim.objects.create(need=need, claimant=UserFactory(), status="confirmed")
        assert _tallies() == {}
        assert not NeedDeadlineTally.objects.exists()
    assert need_tally.missing_triggers() == []
    assert need_deadline_tally.missing_triggers() == []
    assert _tallies() == {(tree.village_a1.pk, datetime.date(YEAR, 3, 1)): (1, 1, 1)}
    assert need_tally.check() == {} and need_deadline_tally.check() == {}
    assert village_tally.check() == {}
    Claim.objects.filter(need=need).delete()  # the triggers count again
    assert _tallies() == {(tree.village_a1.pk, datetime.date(YEAR, 3, 1)): (1, 0, 0)}
