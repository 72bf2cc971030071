"""双结对双帮扶 pages: personal data stays with aid.view in scope, township scope, forms,
bounded queries on the household list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing.models import AidHousehold, AidPairing, AidVisit
from pairing.services import aid
from portal.models import Job
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def fast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_household(village, name, **extra):
    fields = {"members": 2, "difficulty": "poverty", "phone": "13912345678",
              "address": f"{village.name}一组", **extra}
    return AidHousehold.objects.create(village_org=village, head_name=name, **fields)


@pytest.fixture
def households(tree):
    return {
        "a1": make_household(tree.village_a1, "刘青山户"),
        "a2": make_household(tree.village_a2, "王石桥户", difficulty="illness"),
        "b1": make_household(tree.village_b1, "赵白水户"),
    }


def test_units_and_talents_get_no_household_scope(tree, households, talent, unit_contact,
                                                  pairing):
    # The paired-village scope of a unit opens org/need/meeting views, never aid.view.
    assert not AidHousehold.objects.visible_to(talent).exists()
    assert not AidHousehold.objects.visible_to(unit_contact).exists()
    assert not AidPairing.objects.visible_to(talent).exists()


@pytest.mark.parametrize("persona", ["talent", "unit_contact"])
def test_talent_and_unit_see_no_personal_data(request, login, tree, households, pairing,
                                              persona):
    client = login(request.getfixturevalue(persona))
    household = households["a1"]
    detail = client.get(reverse("pairing:aid_household_detail", args=[household.pk]))
    assert detail.status_code == 404
    # 青山村 is their paired village (org.view), but aid.view is not theirs: 403.
    village = client.get(reverse("pairing:aid_village", args=[tree.village_a1.pk]))
    assert village.status_code == 403
    listing = client.get(reverse("pairing:aid_household_list"))
    assert listing.status_code == 403
    for response in (detail, village, listing):
        body = response.content.decode()
        assert "刘青山户" not in body and "13912345678" not in body
    assert client.post(reverse("pairing:aid_ledger_export",
                               args=[tree.village_a1.pk])).status_code == 403
    assert not Job.objects.exists()


def test_township_admin_sees_households_of_its_villages_only(login, tree, households,
                                                             township_admin):
    client = login(township_admin)
    page = client.get(reverse("pairing:aid_household_list")).context["page"]
    assert {h.head_name for h in page} == {"刘青山户", "王石桥户"}
    assert client.get(reverse("pairing:aid_household_detail",
                              args=[households["b1"].pk])).status_code == 404
    assert client.get(reverse("pairing:aid_village",
                              args=[tree.village_b1.pk])).status_code == 404
    detail = client.get(reverse("pairing:aid_household_detail", args=[households["a2"].pk]))
    assert detail.status_code == 200 and "13912345678" in detail.content.decode()


def test_household_filters(login, tree, households, county_admin):
    make_household(tree.village_a1, "孙病户", difficulty="illness", is_active=False)
    client = login(county_admin)
    url = reverse("pairing:aid_household_list")

    def names(**params):
        return {h.head_name for h in client.get(url, params).context["page"]}

    assert names(difficulty="illness") == {"王石桥户", "孙病户"}
    assert names(difficulty="illness", active="1") == {"王石桥户"}
    assert names(active="0") == {"孙病户"}
    assert names(village=tree.village_b1.pk) == {"赵白水户"}
    assert names(q="石桥") == {"王石桥户"}
    assert names(q="白水乡") == set()
    village_url = reverse("pairing:aid_village", args=[tree.village_a1.pk])
    assert {h.head_name for h in client.get(village_url).context["page"]} == {"刘青山户",
                                                                             "孙病户"}
    # Bad filter values and page numbers never give a 500.
    assert client.get(url, {"difficulty": "x", "village": "y", "page": "-1"}).status_code == 200


def test_create_household_pairing_visit_and_end(login, tree, village_secretary):
    client = login(village_secretary)
    cadre = PersonFactory(name="周干部", home_org=tree.village_a1, is_cadre=True)
    response = client.post(reverse("pairing:aid_household_create", args=[tree.village_a1.pk]), {
        "head_name": "钱老汉", "members": 1, "difficulty": "elderly", "phone": "",
        "address": "三组", "is_active": "on"})
    household = AidHousehold.objects.get(head_name="钱老汉")
    assert response.status_code == 302 and household.village_org == tree.village_a1
    response = client.post(reverse("pairing:aid_pairing_create", args=[household.pk]), {
        "cadre": cadre.pk, "since": "2026-02-01", "plan": "每月走访一次"})
    assert response.status_code == 302
    aid_pairing = AidPairing.objects.get(household=household)
    duplicate = client.post(reverse("pairing:aid_pairing_create", args=[household.pk]), {
        "cadre": cadre.pk, "since": "2026-02-01", "plan": "再次结对"})
    assert duplicate.status_code == 200
    assert "已与钱老汉家结对帮扶" in duplicate.content.decode()
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("pairing:aid_visit_create", args=[aid_pairing.pk]),
                           {"date": future, "content": "走访"})
    assert response.status_code == 200 and "不能晚于今天" in response.content.decode()
    response = client.post(reverse("pairing:aid_visit_create", args=[aid_pairing.pk]),
                           {"date": "2026-03-01", "content": "送米送油"})
    assert response.status_code == 302
    assert AidVisit.objects.get().content == "送米送油"
    detail = client.get(reverse("pairing:aid_household_detail", args=[household.pk]))
    assert "送米送油" in detail.content.decode()
    assert client.get(reverse("pairing:aid_pairing_end", args=[aid_pairing.pk])).status_code \
        == 405
    response = client.post(reverse("pairing:aid_pairing_end", args=[aid_pairing.pk]))
    assert response.status_code == 302
    aid_pairing.refresh_from_db()
    assert not aid_pairing.is_active


def test_leader_reads_but_cannot_write(login, tree, households, leader):
    client = login(leader)
    assert client.get(reverse("pairing:aid_household_detail",
                              args=[households["a1"].pk])).status_code == 200
    assert client.get(reverse("pairing:aid_household_edit",
                              args=[households["a1"].pk])).status_code == 403
    assert client.get(reverse("pairing:aid_household_create",
                              args=[tree.village_a1.pk])).status_code == 403


def test_cadre_pairings_page(login, tree, households, county_admin, township_admin,
                             village_secretary):
    cadre = PersonFactory(name="吴干部", home_org=tree.unit, is_cadre=True)
    aid.do_create_aid_pairing(households["a1"], actor=county_admin, cadre=cadre, plan="计划")
    aid.do_create_aid_pairing(households["b1"], actor=county_admin, cadre=cadre, plan="计划")
    url = reverse("pairing:aid_cadre_pairings", args=[cadre.pk])
    page = login(county_admin).get(url).context["page"]
    assert {p.household.head_name for p in page} == {"刘青山户", "赵白水户"}
    # The township admin cannot see the unit's person, but sees the pairing in its village.
    page = login(township_admin).get(url).context["page"]
    assert {p.household.head_name for p in page} == {"刘青山户"}
    assert login(village_secretary).get(
        reverse("pairing:aid_cadre_pairings", args=[999999])).status_code == 404


def test_ledger_export_starts_a_job(login, tree, village_secretary):
    response = login(village_secretary).post(
        reverse("pairing:aid_ledger_export", args=[tree.village_a1.pk]), {"year": "abc"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:job_detail", args=[job.uuid])
    assert (job.kind, job.scope_org, job.params["year"], job.params["capability"]) == (
        "aid_ledger", tree.village_a1, datetime.date.today().year, "aid.view")


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("url_name", ["aid_household_list", "aid_village"])
def test_household_list_query_count_does_not_grow(login, tree, township_admin, url_name):
    args = [tree.village_a1.pk] if url_name == "aid_village" else []
    url = reverse(f"pairing:{url_name}", args=args)
    cadre = PersonFactory(home_org=tree.village_a1, is_cadre=True)

    def add(count):
        for index in range(count):
            household = make_household(tree.village_a1, f"户{index:03d}-{count}")
            AidPairing.objects.create(cadre=cadre, household=household, plan="计划",
                                      since=datetime.date(2026, 1, 1))

    client = login(township_admin)
    add(2)
    client.get(url)
    small, response = _count_queries(client, url)
    assert response.context["page"].paginator.count == 2
    add(18)
    large, response = _count_queries(client, url)
    assert response.context["page"].paginator.count == 20
    assert small == large


def test_many_cadres_are_picked_by_search_and_any_in_scope_validates(login, tree, households,
                                                                       county_admin,
                                                                       monkeypatch):
    """Past the picker threshold the cadre field is the shared person picker (no drop-down of
    thousands); its suggestions find a cadre by pinyin initials; a person in scope validates."""
    from portal import widgets

    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 3)
    for index in range(5):
        PersonFactory(name=f"干部{index}", home_org=tree.village_b1, is_cadre=True)
    wanted = PersonFactory(name="郑特定", home_org=tree.unit, is_cadre=True)
    client = login(county_admin)
    url = reverse("pairing:aid_pairing_create", args=[households["a1"].pk])
    widget = client.get(url).context["form"].fields["cadre"].widget
    assert isinstance(widget, widgets.Picker)
    search = widget.get_context("cadre", None, {})["widget"]["url"]
    found = client.get(search, {"q": "ztd"}).json()["results"]
    assert [row["id"] for row in found] == [wanted.pk]
    response = client.post(url, {"cadre": wanted.pk, "since": "2026-02-01", "plan": "计划"})
    assert response.status_code == 302
    assert AidPairing.objects.get().cadre == wanted


def test_ledger_export_is_404_outside_the_scope_and_falls_back_to_this_year(
        login, tree, village_secretary, other_village_secretary):
    url = reverse("pairing:aid_ledger_export", args=[tree.village_a1.pk])
    assert login(other_village_secretary).post(url, {"year": "2025"}).status_code == 404
    client = login(village_secretary)
    for posted in ("1999", str(datetime.date.today().year + 1)):
        assert client.post(url, {"year": posted}).status_code == 302
    client.post(url, {"year": "2025"})
    assert sorted(Job.objects.values_list("params__year", flat=True)) == sorted(
        [datetime.date.today().year] * 2 + [2025])


def test_ending_an_ended_aid_pairing_says_so(login, tree, village_secretary):
    from pairing.models import AidHousehold, AidPairing
    from tests.factories import PersonFactory

    household = AidHousehold.objects.create(village_org=tree.village_a1, head_name="孙某",
                                            members=1, difficulty="elderly")
    cadre = PersonFactory(home_org=tree.village_a1, is_cadre=True)
    aid_pairing = AidPairing.objects.create(cadre=cadre, household=household, plan="走访",
                                            since=datetime.date(2026, 1, 1), is_active=False)
    response = login(village_secretary).post(
        reverse("pairing:aid_pairing_end", args=[aid_pairing.pk]), follow=True)
    assert response.redirect_chain[-1][0] == household.get_absolute_url()
    assert "该结对帮扶已结束" in response.content.decode()
