"""Organizations per township (portal.org_tally): the triggers keep the tally equal to a
recount through every kind of write to the organizations."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal import org_tally
from portal.models import Organization, TownshipOrgTally
from portal.models.orgs import OrgKind
from tests.factories import add_org


def kept(township, kind=OrgKind.VILLAGE, active=True):
    row = TownshipOrgTally.objects.filter(township=township.path, kind=kind,
                                          is_active=active).first()
    return row.orgs if row else 0


def test_the_tree_is_counted_per_township_kind_and_state(tree):
    assert kept(tree.town_a) == 2 and kept(tree.town_b) == 2
    assert kept(tree.town_a, OrgKind.TOWNSHIP) == 1  # a township is under its own prefix
    assert kept(tree.unit, OrgKind.UNIT) == 1  # a county unit too
    assert kept(tree.county, OrgKind.COUNTY) == 1
    assert org_tally.check() == {}


def test_every_write_moves_the_tally(tree):
    new = add_org(tree.town_a, "新村", OrgKind.VILLAGE)
    assert kept(tree.town_a) == 3
    new.is_active = False
    new.save()  # closed (撤并)
    assert kept(tree.town_a) == 2 and kept(tree.town_a, active=False) == 1
    Organization.objects.filter(pk=new.pk).update(name="新村二")  # no count changes
    assert kept(tree.town_a) == 2 and kept(tree.town_a, active=False) == 1
    Organization.objects.filter(pk=new.pk).update(kind=OrgKind.COMMUNITY, is_active=True)
    assert kept(tree.town_a, active=False) == 0 and kept(tree.town_a, OrgKind.COMMUNITY) == 1
    Organization.objects.filter(pk=new.pk).delete()
    assert kept(tree.town_a, OrgKind.COMMUNITY) == 0
    Organization.objects.filter(path__startswith=tree.town_b.path,
                                kind=OrgKind.VILLAGE).update(is_active=False)  # bulk
    assert kept(tree.town_b) == 0 and kept(tree.town_b, active=False) == 2
    assert org_tally.check() == {}


def test_a_village_moved_to_another_township_moves_its_count(tree):
    village = Organization.objects.get(pk=tree.village_a1.pk)
    Organization.objects.move(village, Organization.objects.get(pk=tree.town_b.pk),
                              pos="last-child")
    assert kept(tree.town_a) == 1 and kept(tree.town_b) == 3
    assert org_tally.check() == {}


def test_a_township_moved_under_another_county_takes_its_villages(tree):
    other = add_org(None, "邻县", OrgKind.COUNTY)
    town = Organization.objects.get(pk=tree.town_a.pk)
    Organization.objects.move(town, other, pos="last-child")  # one UPDATE of its subtree
    town.refresh_from_db()
    assert kept(town) == 2 and kept(town, OrgKind.TOWNSHIP) == 1
    assert TownshipOrgTally.objects.filter(township=tree.town_a.path, orgs__gt=0).count() == 0
    assert org_tally.check() == {}


def test_rebuild_recounts_a_load_made_without_the_triggers(tree):
    TownshipOrgTally.objects.all().delete()
    assert org_tally.check()
    assert org_tally.rebuild() == TownshipOrgTally.objects.count() > 0
    assert org_tally.check() == {}


def test_the_command_checks_and_rebuilds(tree):
    out = StringIO()
    call_command("org_tally", "--check", stdout=out)
    assert "乡镇组织数汇总与组织记录一致" in out.getvalue()
    TownshipOrgTally.objects.filter(township=tree.town_a.path, kind=OrgKind.VILLAGE).update(
        orgs=9)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("org_tally", "--check", stdout=out)
    assert f"乡镇路径 {tree.town_a.path} village: 9 ≠ 2（组织数）" in out.getvalue()
    call_command("org_tally", "--rebuild", stdout=StringIO())
    assert org_tally.check() == {}
