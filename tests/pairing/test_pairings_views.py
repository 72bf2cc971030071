"""Pairing pages: scope, unpaired villages, the create/edit/end/plan flow, query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing.models import Pairing, PairingStatus, PlanStatus
from pairing.services import pairings as services
from tests.factories import PersonFactory, add_org

DAY = datetime.date(2026, 1, 1)

@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



def _names(response):
    return {f"{p.city_org.name}↔{p.village_org.name}" for p in response.context["page"]}


@pytest.fixture
def second_unit(tree):
    return add_org(tree.county, "县教育局", "unit", code="U0002")


@pytest.fixture
def pairings(tree, second_unit):
    """unit↔青山村 (青山镇), unit↔白水村 (白水乡), 县教育局↔石桥村 (ended)."""
    a1 = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=DAY,
                                principles=["near"])
    b1 = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b1, since=DAY,
                                principles=["industry", "complement"])
    a2 = Pairing.objects.create(city_org=second_unit, village_org=tree.village_a2, since=DAY,
                                status=PairingStatus.ENDED, until=DAY)
    return a1, b1, a2


def test_township_admin_sees_only_its_township(login, township_admin, pairings):
    response = login(township_admin).get(reverse("pairing:pairing_list"))
    assert _names(response) == {"县农业农村局↔青山村", "县教育局↔石桥村"}


def test_village_secretary_sees_only_own_pairings(login, village_secretary, pairings):
    response = login(village_secretary).get(reverse("pairing:pairing_list"))
    assert _names(response) == {"县农业农村局↔青山村"}
    other = pairings[1]
    assert login(village_secretary).get(
        reverse("pairing:pairing_detail", args=[other.pk])).status_code == 404


def test_unit_contact_sees_its_villages(login, unit_contact, pairings):
    response = login(unit_contact).get(reverse("pairing:pairing_list"))
    assert _names(response) == {"县农业农村局↔青山村", "县农业农村局↔白水村"}


@pytest.mark.parametrize("params, expected", [
    ({"status": "active"}, {"县农业农村局↔青山村", "县农业农村局↔白水村"}),
    ({"status": "ended"}, {"县教育局↔石桥村"}),
    ({"principle": "complement"}, {"县农业农村局↔白水村"}),
    ({"q": "石桥"}, {"县教育局↔石桥村"}),
    ({"q": "V0003"}, {"县农业农村局↔白水村"}),
    ({"township": "town_b"}, {"县农业农村局↔白水村"}),
    ({"unit": "second_unit"}, {"县教育局↔石桥村"}),
    ({"township": "nonsense", "page": "x"},
     {"县农业农村局↔青山村", "县农业农村局↔白水村", "县教育局↔石桥村"}),
])
def test_list_filters(login, county_admin, tree, second_unit, pairings, params, expected):
    lookup = {"town_b": tree.town_b.pk, "second_unit": second_unit.pk}
    params = {k: lookup.get(v, v) for k, v in params.items()}
    response = login(county_admin).get(reverse("pairing:pairing_list"), params)
    assert response.status_code == 200
    assert _names(response) == expected


def test_unpaired_villages(login, county_admin, township_admin, tree, pairings):
    response = login(county_admin).get(reverse("pairing:unpaired_villages"))
    unpaired = {v.name: v.ever_paired for v in response.context["page"]}
    # 石桥村's only pairing has ended; 柳林村 was never paired.
    assert unpaired == {"石桥村": True, "柳林村": False}
    assert login(county_admin).get(reverse("pairing:pairing_list")).context[
        "unpaired_count"] == 2
    response = login(township_admin).get(reverse("pairing:unpaired_villages"))
    assert [v.name for v in response.context["page"]] == ["石桥村"]
    response = login(county_admin).get(reverse("pairing:unpaired_villages"),
                                       {"township": tree.town_b.pk})
    assert [v.name for v in response.context["page"]] == ["柳林村"]


def test_my_pairings_and_org_pages(login, village_secretary, unit_contact, county_admin,
                                   tree, pairings):
    response = login(unit_contact).get(reverse("pairing:my_pairings"))
    [(org, rows)] = response.context["sections"]
    assert org == tree.unit and {p.village_org.name for p in rows} == {"青山村", "白水村"}
    assert all(not p.filed_this_year and not p.met_this_half for p in rows)
    response = login(village_secretary).get(reverse("pairing:my_pairings"))
    [(org, rows)] = response.context["sections"]
    assert org == tree.village_a1 and [p.city_org.name for p in rows] == ["县农业农村局"]
    response = login(county_admin).get(reverse("pairing:org_pairings", args=[tree.village_a2.pk]))
    assert [p.city_org.name for p in response.context["sections"][0][1]] == ["县教育局"]


def test_create_then_edit_then_end(login, county_admin, tree, people):
    client = login(county_admin)
    url = reverse("pairing:pairing_create")
    response = client.post(url, {"city_org": tree.unit.pk, "village_org": tree.village_b2.pk,
                                 "since": "2026-02-01", "principles": ["near", "convenient"]})
    pairing = Pairing.objects.get(village_org=tree.village_b2)
    assert response.status_code == 302
    assert response["Location"] == reverse("pairing:pairing_edit", args=[pairing.pk])
    assert pairing.principles == ["near", "convenient"]

    # The second active pairing of the same pair is refused with the service's message.
    response = client.post(url, {"city_org": tree.unit.pk, "village_org": tree.village_b2.pk,
                                 "since": "2026-02-01"})
    assert "已有生效的结对关系" in response.content.decode()
    # A village is not a city org: the narrowed choice field refuses it.
    response = client.post(url, {"city_org": tree.village_a1.pk,
                                 "village_org": tree.village_b2.pk, "since": "2026-02-01"})
    assert response.status_code == 200 and response.context["form"].errors["city_org"]

    edit = reverse("pairing:pairing_edit", args=[pairing.pk])
    form = client.get(edit).context["form"]
    assert list(form.fields["honorary_head"].queryset) == [people.unit]
    # A villager cannot be the unit's honorary head: not among the choices.
    response = client.post(edit, {"honorary_head": people.a1.pk, "principles": ["near"]})
    assert response.status_code == 200 and response.context["form"].errors["honorary_head"]
    response = client.post(edit, {"honorary_head": people.unit.pk, "liaison": people.unit.pk,
                                  "principles": ["industry"]})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert (pairing.honorary_head, pairing.liaison, pairing.principles) == (
        people.unit, people.unit, ["industry"])

    end = reverse("pairing:pairing_end", args=[pairing.pk])
    response = client.post(end, {"until": "2025-01-01"})
    assert "结束日期不能早于结对日期" in response.content.decode()
    response = client.post(end, {"until": "2026-06-30"})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.ENDED and pairing.until == datetime.date(2026, 6, 30)
    assert client.get(edit).status_code == 302  # an ended pairing is read-only


def test_create_is_refused_to_non_county_roles(login, township_admin, unit_contact, tree):
    for user in (township_admin, unit_contact):
        response = login(user).post(reverse("pairing:pairing_create"), {
            "city_org": tree.unit.pk, "village_org": tree.village_a1.pk, "since": "2026-01-01"})
        assert response.status_code == 403
    assert not Pairing.objects.exists()


def test_plan_workflow(login, village_secretary, unit_contact, county_admin, pairing):
    edit = reverse("pairing:plan_edit", args=[pairing.pk])
    detail = reverse("pairing:pairing_detail", args=[pairing.pk])
    client = login(unit_contact)
    client.post(edit, {"goals": "建强支部", "tasks": "", "measures": "", "save": ""})
    pairing.refresh_from_db()
    assert pairing.plan_goals == "建强支部" and pairing.plan_status == PlanStatus.DRAFT
    response = client.post(reverse("pairing:plan_submit", args=[pairing.pk]), follow=True)
    assert "请填写共建目标、任务和措施" in response.content.decode()

    client = login(village_secretary)
    client.post(edit, {"goals": "建强支部", "tasks": "共办党课", "measures": "每月走访",
                       "submit": ""})
    pairing.refresh_from_db()
    assert pairing.plan_status == PlanStatus.SUBMITTED
    assert client.get(edit).status_code == 302  # submitted: no more edits

    client = login(county_admin)
    back = reverse("pairing:plan_return", args=[pairing.pk])
    response = client.post(back, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    client.post(back, {"reason": "措施不具体"})
    pairing.refresh_from_db()
    assert (pairing.plan_status, pairing.plan_return_reason) == (PlanStatus.RETURNED,
                                                                 "措施不具体")
    assert "措施不具体" in login(village_secretary).get(detail).content.decode()

    login(village_secretary).post(reverse("pairing:plan_submit", args=[pairing.pk]))
    login(county_admin).post(reverse("pairing:plan_file", args=[pairing.pk]))
    pairing.refresh_from_db()
    assert pairing.plan_status == PlanStatus.FILED and pairing.plan_filed_at
    response = login(county_admin).post(reverse("pairing:plan_file", args=[pairing.pk]),
                                        follow=True)
    assert "只有已提交的方案可以备案" in response.content.decode()


def test_update_pairing_service(tree, county_admin, township_admin, pairing, people):
    with pytest.raises(PermissionDenied):
        services.do_update_pairing(pairing, actor=township_admin, principles=[])
    with pytest.raises(ValidationError, match="名誉村长应为结对单位的人员"):
        services.do_update_pairing(pairing, actor=county_admin, principles=[],
                                   honorary_head=people.a1)
    with pytest.raises(ValidationError, match="未知的结对原则"):
        services.do_update_pairing(pairing, actor=county_admin, principles=["nearby"])
    updated = services.do_update_pairing(pairing, actor=county_admin,
                                         principles=["convenient", "near", "near"],
                                         liaison=people.unit)
    assert updated.principles == ["near", "convenient"] and updated.liaison == people.unit
    services.do_end_pairing(updated, actor=county_admin)
    with pytest.raises(ValidationError, match="已结束"):
        services.do_update_pairing(updated, actor=county_admin, principles=[])


def _grow(tree, villages):
    """Add villages to both townships, each paired with its own new unit (with a head)."""
    for n in range(villages):
        town = tree.town_a if n % 2 else tree.town_b
        village = add_org(town, f"新村{n}", "village")
        if n % 5 == 0:
            continue  # some stay unpaired
        unit = add_org(tree.county, f"单位{n}", "unit")
        head = PersonFactory(home_org=unit)
        Pairing.objects.create(city_org=unit, village_org=village, since=DAY,
                               principles=["near"], honorary_head=head, liaison=head)


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["county_admin", "township_admin"])
def test_list_queries_do_not_grow(request, login, tree, pairings, persona):
    client = login(request.getfixturevalue(persona))
    pages = [(reverse("pairing:pairing_list"), None),
             (reverse("pairing:pairing_list"), {"status": "active", "principle": "near"}),
             (reverse("pairing:unpaired_villages"), None),
             (reverse("pairing:statistics"), None)]
    client.get(reverse("portal:home"))
    small = [_count(client, url, params) for url, params in pages]
    _grow(tree, 30)
    assert Pairing.objects.count() > 25
    large = [_count(client, url, params) for url, params in pages]
    assert small == large


def test_my_pairings_queries_do_not_grow(login, unit_contact, tree, pairings):
    client = login(unit_contact)
    url = reverse("pairing:my_pairings")
    small = _count(client, url)
    for n in range(25):
        village = add_org(tree.town_a, f"加村{n}", "village")
        Pairing.objects.create(city_org=tree.unit, village_org=village, since=DAY)
    assert _count(client, url) == small


def test_htmx_filter_gets_only_the_table(login, county_admin, pairings):
    client = login(county_admin)
    for name, table in (("pairing:pairing_list", 'id="pairing-table"'),
                        ("pairing:unpaired_villages", 'id="unpaired-table"')):
        full = client.get(reverse(name)).content.decode()
        partial = client.get(reverse(name), {"q": "石桥"}, HTTP_HX_REQUEST="true")
        body = partial.content.decode()
        assert table in full and "<html" in full
        assert body.lstrip().startswith(f"<div {table}") and "<html" not in body
        assert "石桥村" in body
