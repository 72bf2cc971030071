"""Core services: tree rules, moves, people, role assignment with audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal import services
from portal.models import AuditEvent, Organization, Person, RoleAssignment
from portal.models.orgs import placement_problem
from tests.factories import PersonFactory, UserFactory


def test_placement_rules():
    assert placement_problem("village", "township") is None
    assert placement_problem("township", "village") == "“村”下不能设立“乡镇（街道）”。"
    assert placement_problem("village", None) == "只有县（区）可以作为顶级组织。"


def test_village_cannot_hold_a_township(tree, county_admin):
    with pytest.raises(ValidationError):
        services.do_create_org(tree.village_a1, actor=county_admin, name="错误镇",
                               code="BAD1", kind="township")
    assert not Organization.objects.filter(code="BAD1").exists()


def test_create_org_needs_change_capability(tree, village_secretary):
    with pytest.raises(PermissionDenied):
        services.do_create_org(tree.village_a1, actor=village_secretary, name="小组",
                               code="G1", kind="other")


def test_move_village_to_other_township(tree, people, county_admin):
    services.do_move_org(tree.village_a2, tree.town_b, actor=county_admin)
    tree.village_a2.refresh_from_db()
    assert Organization.objects.get_parent(tree.village_a2) == tree.town_b
    assert Person.objects.filter(home_org__path__startswith=tree.town_b.path).count() == 2
    assert AuditEvent.objects.filter(action="org_move").count() == 1


def test_move_refuses_cycles_and_bad_placement(tree, county_admin):
    with pytest.raises(ValidationError):
        services.do_move_org(tree.town_a, tree.village_a1, actor=county_admin)
    with pytest.raises(ValidationError):
        services.do_move_org(tree.town_a, tree.town_a, actor=county_admin)
    with pytest.raises(ValidationError):
        services.do_move_org(tree.village_a1, tree.unit, actor=county_admin)
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_township_admin_cannot_move_into_other_township(tree, township_admin):
    with pytest.raises(PermissionDenied):
        services.do_move_org(tree.village_a1, tree.town_b, actor=township_admin)


def test_save_person_validates_and_scopes(tree, township_admin):
    person = Person(name="新人", gender="M", id_number="11010519491231002X",
                    home_org=tree.village_a1)
    services.do_save_person(person, actor=township_admin)
    assert person.history.count() == 1
    person.home_org = tree.village_b1
    with pytest.raises(PermissionDenied):
        services.do_save_person(person, actor=township_admin)
    bad = Person(name="错号", gender="M", id_number="110105194912310021", home_org=tree.village_a1)
    with pytest.raises(ValidationError):
        services.do_save_person(bad, actor=township_admin)


def test_duplicate_id_number_refused_in_form(tree, people, county_admin, login):
    response = login(county_admin).post(reverse("portal:person_create"), {
        "name": "重复", "gender": "M", "id_number": people.a1.id_number.lower(),
        "home_org": tree.village_a1.pk, "is_party_member": "on", "is_active": "on"})
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()


def test_assign_and_revoke_role_are_audited(tree, county_admin):
    user = UserFactory(username="newsec")
    assignment = services.do_assign_role(user, tree.village_a2, "village_secretary",
                                         actor=county_admin)
    with pytest.raises(ValidationError):
        services.do_assign_role(user, tree.village_a2, "village_secretary", actor=county_admin)
    services.do_revoke_role(assignment, actor=county_admin)
    assert RoleAssignment.objects.active().filter(user=user).count() == 0
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "role_assign", "role_revoke"]
    # A revoked role can be granted again; history keeps both rows.
    services.do_assign_role(user, tree.village_a2, "village_secretary", actor=county_admin)
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_role_must_fit_org_kind(tree, county_admin):
    with pytest.raises(ValidationError):
        services.do_assign_role(UserFactory(), tree.unit, "village_secretary",
                                actor=county_admin)


def test_only_county_admin_assigns(tree, township_admin):
    with pytest.raises(PermissionDenied):
        services.do_assign_role(UserFactory(), tree.village_a1, "village_secretary",
                                actor=township_admin)


def test_role_assign_view_creates_account(tree, county_admin, login, client):
    response = login(county_admin).post(reverse("portal:role_assign"), {
        "username": "shiqiao", "full_name": "石桥书记", "password": "Qiao#2026village",
        "org": tree.village_a2.pk, "role": "village_secretary"})
    assert response.status_code == 302
    client.logout()
    client.force_login(RoleAssignment.objects.get(user__username="shiqiao").user)
    page = client.get(reverse("portal:org_tree"), follow=True)
    assert [row["org"].name for row in page.context["rows"]] == []
    assert page.context["node"] == tree.village_a2


def test_role_assign_view_refuses_weak_password(tree, county_admin, login):
    response = login(county_admin).post(reverse("portal:role_assign"), {
        "username": "weak", "password": "12345678", "org": tree.village_a2.pk,
        "role": "village_secretary"})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user__username="weak").exists()


def test_revoke_view_and_audit_page(tree, county_admin, village_secretary, login):
    assignment = RoleAssignment.objects.get(user=village_secretary)
    client = login(county_admin)
    assert client.post(reverse("portal:role_revoke", args=[assignment.pk])).status_code == 302
    page = client.get(reverse("portal:audit_log"), {"action": "role_revoke"})
    assert "撤销 village_secretary" in page.content.decode()
    assert client.get(reverse("portal:role_list"), {"state": "revoked"}).context[
        "page"].paginator.count == 1


def test_person_factory_is_valid(tree):
    PersonFactory(home_org=tree.village_a1).full_clean()
