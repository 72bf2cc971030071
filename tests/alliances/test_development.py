"""党员发展指标: the county's yearly quota, recommend → 培养中 → quota granted → 吸收 (or
withdrawn), refused when the year's places are used up; every step audited and in the
history; the pages (actions per row, county overview) with flat query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance, AllianceKind, CandidateStage, DevelopmentCandidate
from alliances.services import development as services
from portal.models import AuditEvent, Person
from tests.alliances.conftest import FOUNDED
from tests.factories import bulk_people

TODAY = timezone.localdate()
YEAR = TODAY.year


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def count_queries(client, address, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def activists(tree):
    """Non-members (入党积极分子 candidates) of 青山村 and 石桥村."""
    made = bulk_people(
        c1={"name": "青山甲", "home_org": tree.village_a1, "is_party_member": False},
        c2={"name": "青山乙", "home_org": tree.village_a1, "is_party_member": False},
        c3={"name": "石桥丙", "home_org": tree.village_a2, "is_party_member": False})
    return made


def trained(world, person, actor, *, since=None):
    candidate = services.recommend_candidate(world.core, actor=actor, person=person,
                                             reason="表现突出", recommended_on=TODAY)
    return services.start_training(candidate, actor=actor, training_since=since or TODAY)


# The quota ---------------------------------------------------------------------------------

def test_only_the_county_sets_the_quota(alliances_world, county_admin, township_admin):
    core = alliances_world.core
    with pytest.raises(PermissionDenied):
        services.set_quota(core, actor=township_admin, year=YEAR, places=2)
    quota = services.set_quota(core, actor=county_admin, year=YEAR, places=2, note="统筹")
    assert quota.places == 2 and quota.set_by == county_admin
    services.set_quota(core, actor=county_admin, year=YEAR, places=3)
    assert [h.places for h in quota.history.order_by("history_date")] == [2, 3]
    assert AuditEvent.objects.filter(data__quota=quota.pk).count() == 2


def test_the_quota_is_never_set_below_the_places_granted(alliances_world, activists,
                                                         county_admin):
    core = alliances_world.core
    services.set_quota(core, actor=county_admin, year=YEAR, places=2)
    for key in ("c1", "c2"):
        services.grant_quota(trained(alliances_world, activists[key], county_admin),
                             actor=county_admin, granted_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.set_quota(core, actor=county_admin, year=YEAR, places=1)
    assert refused.value.error_dict["places"][0].code == "below_used"


# The steps ---------------------------------------------------------------------------------

def test_the_whole_flow_is_audited_and_in_the_history(alliances_world, activists,
                                                      county_admin, township_admin,
                                                      village_secretary):
    core = alliances_world.core
    services.set_quota(core, actor=county_admin, year=YEAR, places=1)
    candidate = services.recommend_candidate(core, actor=village_secretary,
                                             person=activists["c1"], reason="表现突出")
    assert (candidate.branch, candidate.recommended_by) == (activists["c1"].home_org,) * 2
    services.start_training(candidate, actor=village_secretary, training_since=TODAY)
    with pytest.raises(PermissionDenied):  # only a manager grants
        services.grant_quota(candidate, actor=village_secretary, granted_on=TODAY)
    services.grant_quota(candidate, actor=township_admin, granted_on=TODAY)
    admitted = services.admit_candidate(candidate, actor=village_secretary, admitted_on=TODAY)
    assert admitted.stage == CandidateStage.ADMITTED and admitted.year == YEAR
    stages = list(candidate.history.order_by("history_date").values_list("stage", flat=True))
    assert stages == ["recommended", "training", "quota_granted", "admitted"]
    assert AuditEvent.objects.filter(data__candidate=candidate.pk).count() == 4
    assert services.quota_summary(core, YEAR)["left"] == 0


def test_admission_makes_the_person_a_party_member_in_its_history_and_audit(
        alliances_world, activists, county_admin, township_admin, village_secretary):
    person = activists["c1"]
    services.set_quota(alliances_world.core, actor=county_admin, year=YEAR, places=1)
    candidate = trained(alliances_world, person, township_admin)
    services.grant_quota(candidate, actor=township_admin, granted_on=TODAY)
    assert not Person.objects.get(pk=person.pk).is_party_member  # granted is not admitted
    services.admit_candidate(candidate, actor=village_secretary, admitted_on=TODAY)
    person.refresh_from_db()
    assert person.is_party_member
    latest = person.history.order_by("-history_date", "-history_id").first()
    assert latest.is_party_member and latest.history_user == village_secretary
    assert latest.history_change_reason == f"吸收入党（{alliances_world.core.name}）"
    event = AuditEvent.objects.get(data__candidate=candidate.pk, data__person=person.pk)
    assert "登记为党员" in event.summary and event.data["is_party_member"] is True


def test_a_refused_admission_leaves_the_person_outside_the_party(alliances_world, activists,
                                                                 county_admin,
                                                                 township_admin):
    person = activists["c1"]
    candidate = trained(alliances_world, person, township_admin)
    with pytest.raises(ValidationError):  # no quota place yet
        services.admit_candidate(candidate, actor=township_admin, admitted_on=TODAY)
    assert not Person.objects.get(pk=person.pk).is_party_member
    assert person.history.count() == 1  # only its creation


def test_a_grant_is_refused_when_the_years_places_are_used_up(alliances_world, activists,
                                                              county_admin, township_admin):
    core = alliances_world.core
    first = trained(alliances_world, activists["c1"], township_admin)
    second = trained(alliances_world, activists["c3"], township_admin)
    with pytest.raises(ValidationError) as refused:
        services.grant_quota(first, actor=township_admin, granted_on=TODAY)
    assert refused.value.code == "no_quota"
    services.set_quota(core, actor=county_admin, year=YEAR, places=1)
    services.grant_quota(first, actor=township_admin, granted_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.grant_quota(second, actor=township_admin, granted_on=TODAY)
    assert refused.value.code == "quota_used" and "已用完" in refused.value.messages[0]
    assert DevelopmentCandidate.objects.get(pk=second.pk).stage == CandidateStage.TRAINING
    # Withdrawing the granted candidate frees the place.
    services.withdraw_candidate(first, actor=township_admin, reason="本人申请")
    services.grant_quota(second, actor=township_admin, granted_on=TODAY)
    assert services.places_used(core, YEAR) == 1


def test_the_steps_keep_their_order_and_dates(alliances_world, activists, township_admin):
    candidate = services.recommend_candidate(alliances_world.core, actor=township_admin,
                                             person=activists["c1"], reason="表现突出",
                                             recommended_on=TODAY)
    with pytest.raises(ValidationError):  # not trained yet
        services.grant_quota(candidate, actor=township_admin, granted_on=TODAY)
    with pytest.raises(ValidationError):  # before the recommendation
        services.start_training(candidate, actor=township_admin,
                                training_since=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):  # in the future
        services.start_training(candidate, actor=township_admin,
                                training_since=TODAY + datetime.timedelta(days=1))
    services.withdraw_candidate(candidate, actor=township_admin, reason="迁出")
    with pytest.raises(ValidationError):
        services.withdraw_candidate(candidate, actor=township_admin, reason="再次")
    assert DevelopmentCandidate.objects.get(pk=candidate.pk).note == "退出原因：迁出"


@pytest.mark.parametrize("case", ["no_reason", "party_member", "other_org", "duplicate",
                                  "not_member"])
def test_recommendation_rules(alliances_world, activists, people, village_secretary, case):
    core = alliances_world.core
    person, reason = activists["c1"], "表现突出"
    if case == "no_reason":
        reason = "  "
    elif case == "party_member":
        person = people.a1
    elif case == "other_org":
        person = activists["c3"]  # 石桥村: not the secretary's own organization
    elif case == "duplicate":
        services.recommend_candidate(core, actor=village_secretary, person=person, reason=reason)
    else:
        person = Person.objects.create(name="白水丁", gender="M", id_number="",
                                       home_org=people.b1.home_org, is_party_member=False)
    with pytest.raises(ValidationError) as refused:
        services.recommend_candidate(core, actor=village_secretary, person=person,
                                     reason=reason)
    expected = {"no_reason": "reason", "party_member": "party_member", "other_org": "not_own",
                "duplicate": "duplicate", "not_member": "not_member"}[case]
    assert next(iter(refused.value.error_dict.values()))[0].code == expected


def test_outsiders_of_the_alliance_may_not_recommend_or_act(alliances_world, activists,
                                                            township_admin,
                                                            other_village_secretary, leader):
    core = alliances_world.core
    with pytest.raises(PermissionDenied):
        services.recommend_candidate(core, actor=other_village_secretary,
                                     person=activists["c1"], reason="好")
    candidate = services.recommend_candidate(core, actor=township_admin,
                                             person=activists["c1"], reason="好")
    for actor in (other_village_secretary, leader):
        with pytest.raises(PermissionDenied):
            services.start_training(candidate, actor=actor, training_since=TODAY)
        with pytest.raises(PermissionDenied):
            services.withdraw_candidate(candidate, actor=actor, reason="好")


# Pages -------------------------------------------------------------------------------------

def test_the_development_page_shows_the_quota_and_the_actions(alliances_world, activists,
                                                             login, county_admin,
                                                             village_secretary):
    core = alliances_world.core
    services.set_quota(core, actor=county_admin, year=YEAR, places=3)
    candidate = services.recommend_candidate(core, actor=village_secretary,
                                             person=activists["c1"], reason="表现突出")
    client = login(village_secretary)
    page = client.get(url("development", core.pk)).content.decode()
    assert activists["c1"].name in page and "已推荐" in page
    assert url("candidate_training", candidate.pk) in page and "data-confirm" in page
    assert url("quota_set", core.pk) not in page
    client.post(url("candidate_training", candidate.pk), {"training_since": TODAY.isoformat()})
    page = client.get(url("development", core.pk)).content.decode()
    assert url("candidate_grant", candidate.pk) not in page  # the branch does not grant
    client = login(county_admin)
    page = client.get(url("development", core.pk)).content.decode()
    assert url("candidate_grant", candidate.pk) in page and url("quota_set", core.pk) in page
    client.post(url("candidate_grant", candidate.pk), {"granted_on": TODAY.isoformat()})
    assert DevelopmentCandidate.objects.get(pk=candidate.pk).stage == "quota_granted"


def test_a_grant_over_the_quota_comes_back_with_the_message(alliances_world, activists, login,
                                                            county_admin):
    core = alliances_world.core
    services.set_quota(core, actor=county_admin, year=YEAR, places=0)
    candidate = trained(alliances_world, activists["c1"], county_admin)
    response = login(county_admin).post(url("candidate_grant", candidate.pk),
                                        {"granted_on": TODAY.isoformat()}, follow=True)
    assert "已用完" in response.content.decode()


def test_the_recommend_page_offers_a_members_own_people(alliances_world, activists, people,
                                                        login, village_secretary):
    client = login(village_secretary)
    page = client.get(url("candidate_recommend", alliances_world.core.pk)).content.decode()
    assert activists["c1"].name in page and activists["c3"].name not in page
    assert people.a1.name not in page  # already a party member
    response = client.post(url("candidate_recommend", alliances_world.core.pk), {
        "person": activists["c1"].pk, "reason": "", "recommended_on": TODAY.isoformat()})
    assert "请填写推荐理由" in response.content.decode()


def test_the_development_page_query_count_does_not_follow_the_candidates(
        alliances_world, tree, login, village_secretary):
    core = alliances_world.core
    client = login(village_secretary)
    address = url("development", core.pk)
    made = list(bulk_people(**{f"p{i}": {"name": f"积极分子{i}", "is_party_member": False,
                                         "home_org": tree.village_a1 if i % 2 else
                                         tree.village_a2} for i in range(30)}).values())

    def candidate(person, stage):
        return DevelopmentCandidate(alliance=core, person=person, branch=person.home_org,
                                    recommended_by=person.home_org, year=YEAR, stage=stage,
                                    reason="好", recommended_on=TODAY)

    DevelopmentCandidate.objects.bulk_create([candidate(made[0], "recommended")])
    small = count_queries(client, address)
    stages = ["recommended", "training", "quota_granted", "admitted", "withdrawn"]
    DevelopmentCandidate.objects.bulk_create(candidate(p, stages[i % 5])
                                             for i, p in enumerate(made[1:]))
    assert count_queries(client, address) == small


def test_the_overview_query_count_does_not_follow_the_alliances(alliances_world, login,
                                                                county_admin):
    client = login(county_admin)
    address = url("development_overview")
    services.set_quota(alliances_world.core, actor=county_admin, year=YEAR, places=2)
    small = count_queries(client, address, {"year": YEAR})
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i}", kind=AllianceKind.TASK, type=alliances_world.blue,
                 owner=alliances_world.core.owner, founded=FOUNDED) for i in range(20))
    for alliance in alliances[:5]:
        services.set_quota(alliance, actor=county_admin, year=YEAR, places=1)
    page = client.get(address, {"year": YEAR}).content.decode()
    assert alliances_world.core.name in page and "未下达" in page
    assert count_queries(client, address, {"year": YEAR}) == small


def test_the_quota_page_is_the_countys(alliances_world, login, county_admin, township_admin):
    core = alliances_world.core
    assert login(township_admin).get(url("quota_set", core.pk)).status_code == 403
    client = login(county_admin)
    response = client.post(url("quota_set", core.pk), {"year": YEAR, "places": 4, "note": ""})
    assert response.status_code == 302
    assert services.quota_summary(core, YEAR)["places"] == 4
