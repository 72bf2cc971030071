"""需求截止月汇总 (pairing.need_deadline_tally): the triggers keep the village-deadline-month
cells equal to a recount of the needs and claims through every kind of write (needs published,
edited, moved, closed, completed, deleted; claims made, reported, confirmed, sent back,
withdrawn, deleted, in bulk); `manage.py need_deadline_tally` checks and rebuilds; the admin
shows the rows read-only."""

import datetime

import pytest
from django.core.management import call_command

from pairing import need_deadline_tally
from pairing.models import Claim, Need, NeedDeadlineTally
from tests.factories import UserFactory

MARCH = datetime.date(2026, 3, 1)
APRIL = datetime.date(2026, 4, 1)


def _need(village, deadline, places=2, status="published"):
    return Need.objects.create(village_org=village, title="修水渠", description="说明",
                               deadline=deadline, places=places, status=status)


def _cells():
    """{(village id, deadline month): (open, unfilled, waiting)}, cells of zeros left out."""
    rows = NeedDeadlineTally.objects.values_list("village_org_id", "deadline_month", "open",
                                                 "unfilled", "waiting")
    return {(village, month): tuple(figures) for village, month, *figures in rows
            if any(figures)}


def _agrees():
    assert need_deadline_tally.check() == {}


def _status(claim, status):
    Claim.objects.filter(pk=claim.pk).update(status=status)
    _agrees()


@pytest.mark.django_db
def test_every_write_keeps_the_tally(tree):
    a1, a2 = tree.village_a1, tree.village_a2
    need = _need(a1, datetime.date(2026, 3, 31))
    other = _need(a1, datetime.date(2026, 3, 1), places=1)
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0)}
    talents = [UserFactory() for _ in range(4)]
    one = Claim.objects.create(need=need, claimant=talents[0], status="claimed")
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0)}  # a claim taken moves no figure
    _status(one, "done")
    assert _cells() == {(a1.pk, MARCH): (2, 2, 1)}
    _status(one, "confirmed")
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0)}  # one of two places confirmed
    two = Claim.objects.create(need=need, claimant=talents[1], status="done")
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 2, 1)}
    _status(two, "confirmed")
    assert _cells() == {(a1.pk, MARCH): (2, 1, 0)}  # both places confirmed: filled
    Need.objects.filter(pk=need.pk).update(places=3)
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0)}
    three = Claim.objects.create(need=need, claimant=talents[2], status="claimed")
    _status(three, "withdrawn")
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0)}
    _status(three, "done")  # a withdrawn claim cannot come back, but the tally follows
    assert _cells() == {(a1.pk, MARCH): (2, 2, 1)}
    # Deadline into April: the need's figures and its claim's leave March.
    Need.objects.filter(pk=need.pk).update(deadline=datetime.date(2026, 4, 1))
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (1, 1, 0), (a1.pk, APRIL): (1, 1, 1)}
    # Another village.
    Need.objects.filter(pk=need.pk).update(village_org=a2)
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (1, 1, 0), (a2.pk, APRIL): (1, 1, 1)}
    # A claim onto another need.
    Claim.objects.filter(pk=three.pk).update(need=other)
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (1, 1, 1), (a2.pk, APRIL): (1, 1, 0)}
    # Closed: no longer open nor unfilled; its awaiting claim still waits.
    Need.objects.filter(pk=other.pk).update(status="closed")
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (0, 0, 1), (a2.pk, APRIL): (1, 1, 0)}
    Need.objects.filter(pk=need.pk).update(status="completed")
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (0, 0, 1)}
    # Cells at zero are deleted, not kept.
    assert not NeedDeadlineTally.objects.filter(village_org=a2).exists()
    Claim.objects.filter(pk=three.pk).delete()
    _agrees()
    assert _cells() == {}
    Claim.objects.all().delete()
    Need.objects.all().delete()
    _agrees()
    assert not NeedDeadlineTally.objects.exists()


@pytest.mark.django_db
def test_bulk_writes_count_each_row(tree):
    a1, b1 = tree.village_a1, tree.village_b1
    needs = Need.objects.bulk_create(
        [Need(village_org=village, title=f"需求{n}", description="说明",
              deadline=datetime.date(2026, 3 + n % 2, 10), places=1)
         for n, village in enumerate([a1, a1, a1, b1])])
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 2, 0), (a1.pk, APRIL): (1, 1, 0),
                        (b1.pk, APRIL): (1, 1, 0)}
    talents = [UserFactory() for _ in range(2)]
    Claim.objects.bulk_create([Claim(need=need, claimant=talent, status="done")
                               for need in needs for talent in talents])
    _agrees()
    assert _cells()[(a1.pk, MARCH)] == (2, 2, 4)
    # One statement confirming the claims of several needs, cells and villages.
    Claim.objects.filter(claimant=talents[0]).update(status="confirmed")
    _agrees()
    assert _cells() == {(a1.pk, MARCH): (2, 0, 2), (a1.pk, APRIL): (1, 0, 1),
                        (b1.pk, APRIL): (1, 0, 1)}
    Need.objects.filter(village_org=a1).update(deadline=datetime.date(2026, 5, 2))
    _agrees()
    assert set(_cells()) == {(a1.pk, datetime.date(2026, 5, 1)), (b1.pk, APRIL)}


@pytest.mark.django_db
def test_the_command_checks_and_rebuilds(tree, capsys):
    need = _need(tree.village_a1, datetime.date(2026, 3, 5))
    call_command("need_deadline_tally", "--check")
    NeedDeadlineTally.objects.update(open=7)
    with pytest.raises(SystemExit):
        call_command("need_deadline_tally", "--check")
    assert "1 处不一致" in capsys.readouterr().out
    call_command("need_deadline_tally", "--rebuild")
    _agrees()
    assert _cells() == {(need.village_org_id, MARCH): (1, 1, 0)}
    call_command("tallies", "--check")


@pytest.mark.django_db
def test_the_admin_shows_the_cells_read_only(tree, admin_client):
    _need(tree.village_a1, datetime.date(2026, 3, 5))
    response = admin_client.get("/admin/pairing/needdeadlinetally/")
    assert response.status_code == 200
    assert "需求截止月汇总" in response.content.decode()
    assert admin_client.get("/admin/pairing/needdeadlinetally/add/").status_code == 403


@pytest.mark.django_db
def test_the_demo_reset_empties_the_tally(tree):
    from pairing.demo import reset_pairing_demo

    need = _need(tree.village_a1, datetime.date(2026, 3, 5))
    Claim.objects.create(need=need, claimant=UserFactory(), status="done")
    assert _cells()
    reset_pairing_demo()
    assert not NeedDeadlineTally.objects.exists()
