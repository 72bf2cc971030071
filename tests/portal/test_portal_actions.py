"""The core's actions on the generic views: revoking follows RoleAssignment.workflow (permission
before state, buttons from available_actions), the last role manager cannot be revoked, and
every state-changing service writes its audit row."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import AuditEvent, Organization, Person, RoleAssignment
from portal.workflow import available_actions
from tests.factories import UserFactory, grant


def revoke_url(assignment):
    return reverse("portal:role_revoke", args=[assignment.pk])


def test_revoke_needs_the_capability_whatever_the_state(tree, village_secretary,
                                                        township_admin, login):
    assignment = RoleAssignment.objects.get(user=village_secretary)
    RoleAssignment.objects.filter(pk=assignment.pk).update(revoked_at=timezone.now())
    assignment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.do_revoke_role(assignment, actor=township_admin)
    assert login(township_admin).post(revoke_url(assignment)).status_code == 403


def test_revoking_a_revoked_grant_is_a_message_not_an_error(tree, village_secretary,
                                                            county_admin, login):
    assignment = RoleAssignment.objects.get(user=village_secretary)
    services.do_revoke_role(assignment, actor=county_admin)
    with pytest.raises(ValidationError) as refused:
        services.do_revoke_role(assignment, actor=county_admin)
    assert refused.value.code == "state"
    client = login(county_admin)
    response = client.post(revoke_url(assignment))
    assert response.status_code == 302 and response.url == reverse("portal:role_list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["该授权已撤销。"]
    assert AuditEvent.objects.filter(action="role_revoke").count() == 1


def test_revoke_returns_to_the_filtered_list_it_came_from(tree, village_secretary,
                                                          county_admin, login):
    assignment = RoleAssignment.objects.get(user=village_secretary)
    back = reverse("portal:role_list") + "?role=village_secretary"
    response = login(county_admin).post(revoke_url(assignment), {"next": back})
    assert response.url == back
    assert not RoleAssignment.objects.get(pk=assignment.pk).is_active


def test_the_last_county_admin_cannot_be_revoked(tree, county_admin):
    own = RoleAssignment.objects.get(user=county_admin)
    with pytest.raises(ValidationError) as refused:
        services.do_revoke_role(own, actor=county_admin)
    assert refused.value.code == "last_admin"
    assert "最后一个组织部管理员" in refused.value.messages[0]
    assert RoleAssignment.objects.get(pk=own.pk).is_active


def test_nobody_revokes_their_own_last_managing_role(tree, county_admin):
    colleague = grant(UserFactory(username="colleague"), tree.county, "county_admin")
    own = RoleAssignment.objects.get(user=county_admin)
    with pytest.raises(ValidationError) as refused:
        services.do_revoke_role(own, actor=county_admin)
    assert refused.value.messages == ["不能撤销您自己最后一个可以管理角色的授权。"]
    # Another admin's grant may go while one county admin remains.
    services.do_revoke_role(colleague, actor=county_admin)
    assert not RoleAssignment.objects.get(pk=colleague.pk).is_active
    with pytest.raises(ValidationError):
        services.do_revoke_role(own, actor=county_admin)


def test_the_revoke_button_comes_from_the_workflow(tree, village_secretary, county_admin,
                                                   login):
    active = RoleAssignment.objects.get(user=village_secretary)
    revoked = services.do_assign_role(UserFactory(username="former"), tree.village_a2,
                                      "village_secretary", actor=county_admin)
    services.do_revoke_role(revoked, actor=county_admin)
    assert [t.name for t in available_actions(active, county_admin)] == ["revoke"]
    assert available_actions(revoked, county_admin) == []
    assert available_actions(active, village_secretary) == []

    page = login(county_admin).get(reverse("portal:role_list"), {"state": "all"})
    html = page.content.decode()
    assert f'action="{revoke_url(active)}"' in html
    assert f'action="{revoke_url(revoked)}"' not in html
    assert 'data-confirm="确定撤销该角色授权吗？' in html
    assert "已撤销</span>" in html and "生效中</span>" in html


def test_role_list_filters_keep_their_names(tree, village_secretary, county_admin, login):
    services.do_revoke_role(RoleAssignment.objects.get(user=village_secretary),
                            actor=county_admin)
    client = login(county_admin)

    def users(**params):
        page = client.get(reverse("portal:role_list"), params).context["page"]
        return sorted(a.user.username for a in page)

    assert users() == ["county_admin"]
    assert users(state="revoked") == ["village_secretary"]
    assert users(state="all", role="village_secretary") == ["village_secretary"]
    assert users(state="all", q="示范") == ["county_admin"]  # by org name
    assert users(state="all", q="village") == ["village_secretary"]  # by username


def test_lists_answer_htmx_with_the_table_alone(people, county_admin, login):
    client = login(county_admin)
    for url in [reverse("portal:person_list"), reverse("portal:role_list")]:
        full = client.get(url).content.decode()
        partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "<form method=\"get\"" in full and "<table" in full
        assert "<form method=\"get\"" not in partial and "<table" in partial
    partial = client.get(reverse("portal:person_list"), {"q": "李青山"},
                         headers={"HX-Request": "true"})
    assert [p.name for p in partial.context["page"]] == ["李青山"]


def test_org_and_person_writes_are_audited(tree, county_admin):
    org = services.do_create_org(tree.town_a, actor=county_admin, name="新村", code="NEW01",
                                 kind="village")
    org = services.do_update_org(Organization.objects.get(pk=org.pk), actor=county_admin,
                                 name="新村二", address="河东")
    person = services.do_save_person(
        Person(name="张新", gender="M", id_number="11010519491231002X", home_org=org),
        actor=county_admin)
    person.phone = "13800000000"
    services.do_save_person(person, actor=county_admin)
    user = services.do_create_user("xincun", "Xin#2026village", actor=county_admin)

    events = list(AuditEvent.objects.order_by("id").values_list("action", "summary", "data"))
    assert [(action, summary) for action, summary, _ in events] == [
        ("create", "在“青山镇”下新建组织“新村”"),
        ("update", "修改组织“新村二”"),
        ("create", "新增人员“张新”（新村二）"),
        ("update", "修改人员“张新”（新村二）"),
        ("create", "新建账号 xincun"),
    ]
    assert events[1][2] == {"org": org.pk, "fields": ["address", "name"]}
    assert events[2][2]["person"] == person.pk
    assert "11010519491231002X" not in str(events)
    assert events[4][2] == {"user": user.pk}
    assert all(event.actor == county_admin for event in AuditEvent.objects.all())


def test_role_assign_page_creates_the_account_and_audits_both(tree, county_admin, login):
    response = login(county_admin).post(reverse("portal:role_assign"), {
        "username": "shiqiao", "full_name": "石桥书记", "password": "Qiao#2026village",
        "org": tree.village_a2.pk, "role": "village_secretary"})
    assert response.status_code == 302 and response.url == reverse("portal:role_list")
    assert list(AuditEvent.objects.exclude(action="login").order_by("id")
                .values_list("action", flat=True)) == ["create", "role_assign"]


def test_org_move_refusal_shows_on_the_form(tree, county_admin, login):
    response = login(county_admin).post(reverse("portal:org_move", args=[tree.town_a.pk]),
                                        {"new_parent": tree.unit.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Organization.objects.get(pk=tree.town_a.pk).depth == 2


@pytest.mark.django_db
def test_django_admin_revokes_through_the_service_and_keeps_the_last_county_admin(
        tree, county_admin, client):
    from django.contrib.auth import get_user_model

    from portal.models import RoleAssignment

    root = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(root)
    grant = RoleAssignment.objects.get(user=county_admin)
    url = reverse("admin:portal_roleassignment_changelist")
    response = client.post(url, {"action": "revoke_selected", "_selected_action": [grant.pk]},
                           follow=True)
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert "这是最后一个组织部管理员授权" in response.content.decode()
    assert not client.get(reverse("admin:portal_roleassignment_delete", args=[grant.pk])
                          ).status_code == 200
