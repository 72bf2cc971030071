"""The organization page as a hub (issue 11, point 1): each app's section appears only for whom
its scope allows, role holders show as people's names and duties, the sections link to the
full pages, and the page's query count does not grow with the village's data."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance, AllianceKind, AllianceType, Membership
from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    Participation,
    ReopenRequest,
    ResidentRequest,
)
from pairing.models import (
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    Claim,
    ClaimStatus,
    JointMeeting,
    Need,
    Pairing,
)
from portal.models import Person
from tests.factories import bulk_people, bulk_users_with_roles, grant, password_hash

TODAY = timezone.localdate()


def sections(response):
    assert response.status_code == 200
    return {section.key: context for section, context in response.context["sections"]}


def page(client, user, org):
    client.force_login(user)
    return client.get(reverse("portal:org_detail", args=[org.pk]))


def holders_card(response):
    html = response.content.decode()
    start = html.index('id="org-role-holders"')
    return html[start:html.index("工作概况", start)]


@pytest.fixture
def world(tree, people):
    """青山村 paired with 县农业农村局 (this year's agreement, a meeting this half year), one
    need claimed by a talent, one activity this month with the talent, one villager request,
    one household helped by a cadre, and an alliance the village belongs to."""
    unit_person = people.unit
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(TODAY.year - 1, 1, 1))
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=TODAY.year)
    JointMeeting.objects.create(pairing=pairing, year=TODAY.year,
                                half=1 if TODAY.month <= 6 else 2, date=TODAY, place="村委会",
                                attendees="双方", topics="共建")
    claimant = get_user_model().objects.create(username="chen_login", password=password_hash())
    unit_person.user = claimant
    unit_person.save()
    grant(claimant, tree.unit, "talent")
    add_village_data(tree.village_a1, claimant, unit_person, 1)
    blue = AllianceType.objects.get(code="blue")
    alliance = Alliance.objects.create(name="青山镇全域党建联盟", kind=AllianceKind.CORE,
                                       type=blue, owner=tree.town_a, founded=TODAY)
    Membership.objects.create(alliance=alliance, org=tree.village_a1, joined_on=TODAY)
    return {"pairing": pairing, "agreement": agreement, "claimant": claimant,
            "alliance": alliance}


def add_village_data(village, claimant, talent_person, count):
    """`count` needs (each claimed and reported done), activities this month (each with the
    talent), villager requests and helped households."""
    theme = ActivityTheme.objects.first()
    deadline = TODAY + datetime.timedelta(days=30)
    needs = Need.objects.bulk_create(
        Need(village_org=village, title=f"需求{i}", description="说明", deadline=deadline,
             places=2, taken_places=1) for i in range(count))
    Claim.objects.bulk_create(Claim(need=need, claimant=claimant, status=ClaimStatus.DONE)
                              for need in needs)
    activities = Activity.objects.bulk_create(
        Activity(org=village, date=TODAY.replace(day=1), theme=theme, title=f"活动{i}",
                 content="内容", status=ActivityStatus.SUBMITTED) for i in range(count))
    Participation.objects.bulk_create(Participation(activity=a, person=talent_person)
                                      for a in activities)
    ResidentRequest.objects.bulk_create(
        ResidentRequest(village_org=village, date=TODAY, category="other", content=f"诉求{i}")
        for i in range(count))
    households = AidHousehold.objects.bulk_create(
        AidHousehold(village_org=village, head_name=f"户主{i}", difficulty="other")
        for i in range(count))
    cadres = list(bulk_people(**{f"cadre{i}{village.pk}{count}": {
        "name": f"干部{i}", "home_org": village, "is_cadre": True} for i in range(count)
    }).values())
    AidPairing.objects.bulk_create(
        AidPairing(cadre=cadre, household=household, since=TODAY, plan="帮扶")
        for cadre, household in zip(cadres, households, strict=True))


# ----------------------------------------------------------------------------- role holders

def test_role_holders_show_person_names_and_duties_never_login_names(
        client, tree, people, county_admin, village_secretary):
    people.a1.user = village_secretary
    people.a1.position = "党支部书记"
    people.a1.save()
    bulk_users_with_roles({"no_person_login": (tree.village_a1, "village_secretary")})
    card = holders_card(page(client, county_admin, tree.village_a1))
    assert "李青山" in card and "党支部书记" in card and "村党组织书记" in card
    assert reverse("portal:person_detail", args=[people.a1.pk]) in card
    assert "未关联人员的账号" in card
    assert "village_secretary" not in card and "no_person_login" not in card


def test_a_holder_the_viewer_may_not_see_is_named_without_a_link(
        client, tree, people, unit_contact, village_secretary):
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=TODAY)
    people.a1.user = village_secretary
    people.a1.save()
    card = holders_card(page(client, unit_contact, tree.village_a1))
    assert "李青山" in card
    assert reverse("portal:person_detail", args=[people.a1.pk]) not in card


# ----------------------------------------------------------------------------- a village

VILLAGE_SECTIONS = {"pairings", "needs", "ledger", "resident_requests", "households", "talents",
                    "alliances", "assessment"}


def test_the_county_admin_sees_every_section_of_a_village_with_links(client, tree, world,
                                                                      county_admin):
    response = page(client, county_admin, tree.village_a1)
    shown = sections(response)
    assert set(shown) == VILLAGE_SECTIONS
    html = response.content.decode()
    month = f"{TODAY.year}-{TODAY.month:02d}"
    for url in (reverse("pairing:pairing_detail", args=[world["pairing"].pk]),
                reverse("pairing:agreement_detail", args=[world["agreement"].pk]),
                reverse("pairing:org_pairings", args=[tree.village_a1.pk]),
                reverse("pairing:meeting_list", args=[world["pairing"].pk]),
                reverse("pairing:need_board") + f"?village={tree.village_a1.pk}",
                reverse("pairing:need_board")
                + f"?village={tree.village_a1.pk}&amp;status=published",
                reverse("ledger:activity_list") + f"?org={tree.village_a1.pk}&amp;month={month}",
                reverse("ledger:compliance_org_month",
                        args=[tree.village_a1.pk, TODAY.year, TODAY.month]),
                reverse("ledger:request_list") + f"?village={tree.village_a1.pk}",
                reverse("pairing:aid_village", args=[tree.village_a1.pk]),
                reverse("alliances:alliance_detail", args=[world["alliance"].pk])):
        assert url in html, url
    # The claim shows its claimant's name, not the login; this half's meeting is on record.
    assert "陈农业 认领" in html and "chen_login" not in html
    assert shown["pairings"]["rows"][0]["pairing"].met_this_half
    assert shown["ledger"]["figures"][0][1] == 1  # the compliance cell: one counted activity
    assert shown["talents"]["rows"] == [{"name": "陈农业", "unit": "县农业农村局", "count": 1}]
    assert "暂无已发布的考核得分" in html


def test_the_village_secretary_sees_their_own_village_without_the_county_figures(
        client, tree, world, village_secretary):
    shown = sections(page(client, village_secretary, tree.village_a1))
    assert set(shown) == VILLAGE_SECTIONS - {"assessment"}
    assert shown["ledger"]["row"] is None  # no ledger.compliance: no 履职情况 row
    assert ("登记活动", reverse("ledger:activity_create")) in shown["ledger"]["links"]
    assert ("发布需求", reverse("pairing:need_create")) in shown["needs"]["links"]


def test_another_village_secretary_and_township_get_404(client, tree, world,
                                                          other_village_secretary):
    assert page(client, other_village_secretary, tree.village_a1).status_code == 404
    other_township = bulk_users_with_roles({"town_b_admin": (tree.town_b, "township_admin")})
    assert page(client, other_township["town_b_admin"], tree.village_a1).status_code == 404
    assert page(client, other_township["town_b_admin"], tree.town_a).status_code == 404


def test_the_township_admin_sees_the_compliance_row_of_their_village(client, tree, world,
                                                                       township_admin):
    shown = sections(page(client, township_admin, tree.village_a1))
    assert {"ledger", "resident_requests", "households", "needs", "pairings"} <= set(shown)
    row = shown["ledger"]["row"]
    assert len(row.cells) == 12 and row.cells[-1].count == 1


@pytest.mark.parametrize("persona", ["talent", "unit_contact"])
def test_the_paired_unit_sees_only_the_pairing_and_the_needs_of_the_village(
        client, tree, world, persona, request):
    shown = sections(page(client, request.getfixturevalue(persona), tree.village_a1))
    assert set(shown) == {"pairings", "needs"}
    # The claimant's name is no personal data of the village; requests and households are.
    assert shown["needs"]["claims"][0].claimant_name == "陈农业"
    meetings = shown["pairings"]["rows"][0]["meetings_url"]
    assert bool(meetings) == (persona == "unit_contact")  # meeting.view: the contact only


def test_an_unpaired_village_says_so(client, tree, county_admin):
    response = page(client, county_admin, tree.village_a2)
    shown = sections(response)
    assert shown["pairings"]["rows"] == []
    html = response.content.decode()
    for empty in ("尚未结对。", "暂无发布的需求。", "本月尚未登记活动。", "暂无民情诉求。",
                  "暂无帮扶对象。", "今年尚无城市人才参加本村活动。", "尚未加入党建联盟。"):
        assert empty in html, empty


# ----------------------------------------------------------------------------- township, unit

def test_the_township_page_summarises_its_villages(client, tree, world, township_admin):
    ReopenRequest.objects.create(org=tree.village_a1, year=TODAY.year, month=TODAY.month,
                                 reason="补录")
    response = page(client, township_admin, tree.town_a)
    shown = sections(response)
    assert {"pairing_statistics", "dispatch", "alliances"} <= set(shown)
    assert not {"ledger", "needs", "pairings", "households"} & set(shown)
    figures = {label: value for label, value, _, _ in shown["dispatch"]["figures"]}
    assert figures["村"] == 2 and figures["本月未开展"] == 1 and figures["本月活动"] == 1
    assert figures["待确认认领"] == 1 and figures["待确认活动"] == 1
    assert figures["补录申请待处理"] == 1
    assert shown["dispatch"]["silent"] == [("石桥村", tree.village_a2.pk)]
    stats = {label: value for label, value, _, _ in shown["pairing_statistics"]["figures"]}
    assert stats["已结对村"] == 1 and stats["未结对村"] == 1
    html = response.content.decode()
    assert reverse("ledger:activity_to_confirm") + f"?township={tree.town_a.pk}" in html
    assert reverse("portal:org_detail", args=[tree.village_a2.pk]) in html


def test_the_unit_page_shows_its_villages_claims_and_talents(client, tree, world, unit_contact):
    shown = sections(page(client, unit_contact, tree.unit))
    assert {"pairings", "unit_claims", "ledger", "talents"} <= set(shown)
    assert not {"needs", "households", "resident_requests", "dispatch"} & set(shown)
    assert shown["pairings"]["rows"][0]["partner"] == tree.village_a1
    claims = {label: value for label, value, _, _ in shown["unit_claims"]["figures"]}
    assert claims["待确认"] == 1
    assert shown["talents"]["rows"] == [{"name": "陈农业", "pk": Person.objects.get(
        name="陈农业").pk, "count": 1}]


def test_a_talent_sees_no_colleagues_list_on_the_unit_page(client, tree, world, talent):
    shown = sections(page(client, talent, tree.unit))
    assert "talents" not in shown  # person.view: the unit's contact, not its talents
    assert "unit_claims" in shown and "pairings" in shown


# ----------------------------------------------------------------------------- queries

def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "village_secretary"])
def test_the_org_pages_query_count_does_not_grow_with_the_village(client, tree, world,
                                                                   persona, request):
    client.force_login(request.getfixturevalue(persona))
    client.get(reverse("portal:home"))
    urls = [reverse("portal:org_detail", args=[tree.village_a1.pk])]
    if persona != "village_secretary":
        urls.append(reverse("portal:org_detail", args=[tree.town_a.pk]))
    small = [_count(client, url) for url in urls]
    person = Person.objects.get(name="陈农业")
    add_village_data(tree.village_a1, world["claimant"], person, 49)
    extra = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a2, since=TODAY)
    AnnualAgreement.objects.create(pairing=extra, year=TODAY.year)
    assert Activity.objects.filter(org=tree.village_a1).count() == 50
    assert [_count(client, url) for url in urls] == small


def test_each_section_module_registers_under_the_org_page():
    from portal.dashboard import _sections

    keys = {s.key for s in _sections if s.page == "org"}
    assert VILLAGE_SECTIONS | {"pairing_statistics", "dispatch", "unit_claims"} <= keys
    assert all(re.match(r"^\w+/org_sections/\w+\.html$", s.template)
               for s in _sections if s.page == "org")
