"""Core pages: every role lands on a working home; tree and people pages render."""

import pytest
from django.urls import reverse

ROLES = ["county_admin", "leader", "township_admin", "village_secretary", "unit_contact",
         "talent", "outsider"]


@pytest.mark.parametrize("persona", ROLES)
def test_home_renders_for_each_role(persona, request, login):
    user = request.getfixturevalue(persona)
    response = login(user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_navigation_shows_only_what_the_role_may_use(village_secretary, county_admin, login):
    page = login(village_secretary).get(reverse("portal:home")).content.decode()
    assert "角色授权" not in page and "审计日志" not in page
    page = login(county_admin).get(reverse("portal:home")).content.decode()
    assert "角色授权" in page and "审计日志" in page


def test_tree_drills_down_with_counts(tree, people, county_admin, login):
    client = login(county_admin)
    response = client.get(reverse("portal:org_tree"))
    assert response.status_code == 302  # a single root: straight to the county
    response = client.get(response["Location"])
    rows = {row["org"].name: row for row in response.context["rows"]}
    assert rows["青山镇"]["villages"] == 2
    assert rows["青山镇"]["people"] == 2
    assert rows["县农业农村局"]["people"] == 1


def test_org_search_by_name_and_code(tree, county_admin, login):
    client = login(county_admin)
    response = client.get(reverse("portal:org_tree"), {"q": "石桥"})
    assert [o.name for o in response.context["page"]] == ["石桥村"]
    response = client.get(reverse("portal:org_tree"), {"q": "v0003"})
    assert [o.name for o in response.context["page"]] == ["白水村"]


def test_id_numbers_masked_except_for_county_admin(tree, people, township_admin,
                                                   county_admin, login):
    page = login(township_admin).get(reverse("portal:person_detail", args=[people.a1.pk]))
    assert people.a1.id_number not in page.content.decode()
    assert people.a1.masked_id_number in page.content.decode()
    page = login(county_admin).get(reverse("portal:person_detail", args=[people.a1.pk]))
    assert people.a1.id_number in page.content.decode()


@pytest.mark.parametrize("page", ["1", "999", "abc", "-1"])
def test_bad_page_numbers_never_crash(people, county_admin, login, page):
    assert login(county_admin).get(reverse("portal:person_list"), {"page": page}).status_code == 200


def test_bad_filter_values_never_crash(people, county_admin, login):
    response = login(county_admin).get(reverse("portal:person_list"),
                                       {"org": "x", "flag": "nope", "gender": "Q", "q": "'%"})
    assert response.status_code == 200


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_edit_form_never_shows_a_full_id_number_to_non_county_roles(people, township_admin,
                                                                    county_admin, login):
    url = reverse("portal:person_edit", args=[people.a1.pk])
    assert people.a1.id_number not in login(township_admin).get(url).content.decode()
    assert people.a1.id_number in login(county_admin).get(url).content.decode()


def test_edit_without_id_number_keeps_it(tree, people, township_admin, login):
    response = login(township_admin).post(reverse("portal:person_edit", args=[people.a1.pk]), {
        "name": "李青山", "gender": "M", "phone": "", "home_org": tree.village_a1.pk,
        "position": "村民", "is_party_member": "on", "is_active": "on"})
    assert response.status_code == 302
    people.a1.refresh_from_db()
    assert people.a1.position == "村民" and len(people.a1.id_number) == 18


def test_search_by_full_id_number_only_for_county_admins(people, township_admin, county_admin,
                                                         login):
    query = {"q": people.a1.id_number}
    url = reverse("portal:person_list")
    assert login(township_admin).get(url, query).context["page"].paginator.count == 0
    assert login(county_admin).get(url, query).context["page"].paginator.count == 1
