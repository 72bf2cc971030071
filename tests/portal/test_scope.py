"""The scope mechanism: subtrees, capabilities, 404 vs 403."""

import pytest
from django.urls import reverse

from portal.models import Organization, Person
from portal.scope import has_capability, scope_paths


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_village_secretary_sees_only_own_village(tree, people, village_secretary):
    assert names(Organization.objects.visible_to(village_secretary)) == {"青山村"}
    assert names(Person.objects.visible_to(village_secretary)) == {"李青山"}


def test_township_admin_sees_its_township(tree, people, township_admin):
    assert names(Organization.objects.visible_to(township_admin)) == {"青山镇", "青山村", "石桥村"}
    assert names(Person.objects.visible_to(township_admin)) == {"李青山", "王石桥"}


def test_leader_sees_all_changes_nothing(tree, people, leader):
    assert Organization.objects.visible_to(leader).count() == 8
    assert not Organization.objects.visible_to(leader, "change").exists()
    assert not has_capability(leader, "person.change", tree.village_a1)


def test_outsider_sees_nothing(tree, people, outsider):
    assert not Organization.objects.visible_to(outsider).exists()
    assert scope_paths(outsider, "org.view") == []


def test_nested_paths_are_collapsed(tree, county_admin):
    from tests.factories import grant

    grant(county_admin, tree.village_a1, "village_secretary")
    county_admin.__dict__.pop("_portal_roles", None)
    assert scope_paths(county_admin, "org.view") == [tree.county.path]


@pytest.mark.parametrize("url_name", ["portal:org_detail", "portal:org_edit", "portal:org_move"])
def test_other_village_is_404(tree, village_secretary, login, url_name):
    response = login(village_secretary).get(reverse(url_name, args=[tree.village_b1.pk]))
    assert response.status_code == 404


def test_person_of_other_village_is_404(tree, people, village_secretary, login):
    client = login(village_secretary)
    assert client.get(reverse("portal:person_detail", args=[people.b1.pk])).status_code == 404
    assert client.get(reverse("portal:person_detail", args=[people.a1.pk])).status_code == 200


def test_leader_gets_403_on_edit(tree, people, leader, login):
    client = login(leader)
    assert client.get(reverse("portal:org_edit", args=[tree.village_b1.pk])).status_code == 403
    assert client.get(reverse("portal:person_edit", args=[people.b1.pk])).status_code == 403
    assert client.get(reverse("portal:org_detail", args=[tree.village_b1.pk])).status_code == 200


def test_township_admin_cannot_post_into_other_township(tree, people, township_admin, login):
    client = login(township_admin)
    response = client.post(reverse("portal:person_edit", args=[people.a1.pk]), {
        "name": people.a1.name, "gender": "M", "id_number": people.a1.id_number,
        "phone": "", "home_org": tree.village_b1.pk, "position": "",
        "is_party_member": "on", "is_active": "on",
    })
    assert response.status_code == 200  # form error: the choice is outside scope
    people.a1.refresh_from_db()
    assert people.a1.home_org == tree.village_a1


@pytest.mark.django_db
def test_with_township_name_names_the_township_above_each_row(tree, people):
    from portal.models import Organization, Person

    names = dict(Person.objects.with_township_name("home_org__path")
                 .values_list("name", "township_name"))
    assert names == {"李青山": "青山镇", "王石桥": "青山镇", "赵白水": "白水乡", "陈农业": None}
    orgs = dict(Organization.objects.with_township_name().values_list("name", "township_name"))
    assert (orgs["青山镇"], orgs["柳林村"], orgs["示范县"]) == ("青山镇", "白水乡", None)
