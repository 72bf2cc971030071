"""联盟成员汇总 (alliances.member_tally): the triggers keep the members per owner and
organization equal to a recount through every kind of write to the memberships and alliances
(on PostgreSQL, one alliance closed while a member joins it, in either order, too); `manage.py
alliance_member_tally` checks and rebuilds. 联盟总览's use of it: test_structure_views.py."""

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction

from alliances import member_tally
from alliances.models import Alliance, Membership, OwnerMemberTally
from tests.alliances.conftest import FOUNDED, build_alliances_world

LEFT = datetime.date(2026, 6, 30)


def _tally():
    return {(owner, org): n for owner, org, n in
            OwnerMemberTally.objects.filter(alliances__gt=0)
            .values_list("owner_id", "org_id", "alliances")}


def _agrees():
    assert member_tally.check() == {}


def test_every_write_keeps_the_tally(alliances_world, tree):
    world = alliances_world
    town_a, town_b = tree.town_a.pk, tree.town_b.pk
    _agrees()
    # 村 a1 is in the core and area 1 of 青山镇; the station in the core and area 2.
    assert _tally()[(town_a, tree.village_a1.pk)] == 2
    assert _tally()[(town_a, world.station.pk)] == 2
    assert _tally()[(town_b, tree.village_b1.pk)] == 1

    membership = Membership.objects.get(alliance=world.area_1, org=tree.village_a1)
    Membership.objects.filter(pk=membership.pk).update(left_on=LEFT)  # leaves
    _agrees()
    assert _tally()[(town_a, tree.village_a1.pk)] == 1
    Membership.objects.create(alliance=world.area_1, org=tree.village_a1, joined_on=LEFT)
    _agrees()
    assert _tally()[(town_a, tree.village_a1.pk)] == 2

    # Moved to another alliance, another owner's: one goes, one comes.
    Membership.objects.filter(alliance=world.area_2, org=world.station).update(
        alliance=world.other_core)
    _agrees()
    assert _tally()[(town_a, world.station.pk)] == 1
    assert _tally()[(town_b, world.station.pk)] == 1
    # Another organization; then deleted.
    Membership.objects.filter(alliance=world.other_core, org=world.station).update(
        org=world.enterprise)
    _agrees()
    Membership.objects.filter(alliance=world.other_core, org=world.enterprise).delete()
    _agrees()
    assert (town_b, world.enterprise.pk) not in _tally()

    # Two memberships of one organization changed in one statement: both count.
    Membership.objects.filter(org=tree.village_a2).update(left_on=LEFT)
    _agrees()
    assert (town_a, tree.village_a2.pk) not in _tally()

    # The alliance closed, reopened, given to another owner.
    Alliance.objects.filter(pk=world.area_1.pk).update(closed_at=LEFT)
    _agrees()
    assert _tally()[(town_a, tree.village_a1.pk)] == 1
    Alliance.objects.filter(pk=world.area_1.pk).update(closed_at=None)
    _agrees()
    Alliance.objects.filter(pk=world.area_1.pk).update(owner=tree.town_b)
    _agrees()
    assert _tally()[(town_b, tree.village_a1.pk)] == 1
    assert _tally()[(town_a, tree.village_a1.pk)] == 1
    # An update of other columns changes nothing; a closed alliance given away neither.
    Alliance.objects.filter(pk=world.area_1.pk).update(name="改名", closed_at=LEFT)
    before = _tally()
    Alliance.objects.filter(pk=world.area_1.pk).update(owner=tree.town_a)
    assert _tally() == before
    _agrees()

    # An alliance deleted with its memberships (the ORM deletes them first).
    Alliance.objects.get(pk=world.area_2.pk).delete()
    _agrees()


def test_check_reports_a_difference_and_rebuild_recounts(alliances_world, tree):
    OwnerMemberTally.objects.filter(owner=tree.town_a, org=tree.village_a1).update(alliances=7)
    assert member_tally.check() == {(tree.town_a.pk, tree.village_a1.pk): (7, 2)}
    with pytest.raises(SystemExit):
        call_command("alliance_member_tally", "--check")
    call_command("alliance_member_tally", "--rebuild")
    _agrees()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
@pytest.mark.parametrize("first", ["member joins", "alliance closes"])
def test_an_alliance_closed_while_a_member_joins_it(tree, first):
    """The second writer waits for the first's commit and counts what it committed: without
    the membership trigger's share lock on its alliance, the closing's recount missed the new
    member, left counted in a closed alliance."""
    world = build_alliances_world(tree)
    first_done, second_started = threading.Event(), threading.Event()
    errors = []

    def join():
        Membership.objects.create(alliance=world.area_2, org=tree.village_a1, joined_on=FOUNDED)

    def close():
        Alliance.objects.filter(pk=world.area_2.pk).update(closed_at=LEFT)

    def run(write, is_first):
        try:
            if is_first:
                with transaction.atomic():
                    write()
                    first_done.set()
                    second_started.wait(5)
                    time.sleep(0.3)  # the second writer is at its lock by now
            else:
                first_done.wait(5)
                second_started.set()
                write()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    writers = (join, close) if first == "member joins" else (close, join)
    threads = [threading.Thread(target=run, args=(writers[0], True)),
               threading.Thread(target=run, args=(writers[1], False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    _agrees()
    assert (tree.town_a.pk, tree.village_a1.pk) in _tally()  # the core and area 1 remain
    assert _tally()[(tree.town_a.pk, tree.village_a1.pk)] == 2
