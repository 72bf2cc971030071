"""People across the alliance: 联盟党员 (the members' people and their activity counts this
year), 导师传帮带 and 本土专家服务团 with the needs its experts match — services (permission,
rules, audit) and pages (scope, content, query counts that do not follow the rows)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Expert, Membership, MentorPair
from alliances.services import experts, mentors
from alliances.services import people as services
from ledger.models import Activity, ActivityTheme, Participation
from pairing.models import Need
from portal.models import AuditEvent
from tests.factories import bulk_people

TODAY = timezone.localdate()


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def count_queries(client, address, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params or {})
    assert response.status_code == 200
    return len(captured)


def activity(world, org, date, status="confirmed", alliance=None):
    return Activity.objects.create(org=org, date=date, alliance=alliance or world.core,
                                   status=status, theme=ActivityTheme.objects.first(),
                                   title="联盟活动", content="内容")


# 联盟党员 ------------------------------------------------------------------------------------

def test_the_people_are_those_of_current_members(alliances_world, tree, people):
    core = alliances_world.core
    Membership.objects.filter(alliance=core, org=tree.village_a2).update(left_on=TODAY)
    shown = set(services.alliance_people(core))
    assert people.a1 in shown and people.a2 not in shown and people.b1 not in shown


def test_participations_count_this_years_counted_activities_of_the_alliance(
        alliances_world, tree, people, django_assert_num_queries):
    world = alliances_world
    year = TODAY.year
    counted = [activity(world, tree.village_a1, datetime.date(year, 1, 5)),
               activity(world, tree.village_a2, datetime.date(year, 2, 5), status="submitted")]
    left_out = [activity(world, tree.village_a1, datetime.date(year, 3, 5), status="draft"),
                activity(world, tree.village_a1, datetime.date(year - 1, 12, 31)),
                activity(world, tree.village_a1, datetime.date(year, 3, 6),
                         alliance=world.area_1)]
    Participation.objects.bulk_create(
        [Participation(activity=a, person=people.a1) for a in counted + left_out]
        + [Participation(activity=counted[0], person=people.a2)])
    with django_assert_num_queries(1):
        counts = services.participation_counts(world.core, [people.a1.pk, people.a2.pk,
                                                            people.b1.pk], year)
    assert counts == {people.a1.pk: 2, people.a2.pk: 1}


def test_the_people_page_searches_filters_and_counts(alliances_world, tree, people, login,
                                                    village_secretary):
    activity_ = activity(alliances_world, tree.village_a1, datetime.date(TODAY.year, 1, 5))
    Participation.objects.create(activity=activity_, person=people.a1)
    client = login(village_secretary)
    page = client.get(url("alliance_people", alliances_world.core.pk)).content.decode()
    assert people.a1.name in page and people.a2.name in page and people.b1.name not in page
    page = client.get(url("alliance_people", alliances_world.core.pk),
                      {"q": "青山"}).content.decode()
    assert people.a1.name in page and people.a2.name not in page
    page = client.get(url("alliance_people", alliances_world.core.pk),
                      {"org": tree.village_a2.pk}).content.decode()
    assert people.a2.name in page and people.a1.name not in page
    page = client.get(url("alliance_people", alliances_world.core.pk),
                      {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的人员" in page


def test_the_people_page_query_count_does_not_follow_the_people(alliances_world, tree, people,
                                                               login, township_admin):
    client = login(township_admin)
    address = url("alliance_people", alliances_world.core.pk)
    first = activity(alliances_world, tree.village_a1, datetime.date(TODAY.year, 1, 5))
    Participation.objects.create(activity=first, person=people.a1)
    small = count_queries(client, address)
    many = bulk_people(**{f"p{i}": {"name": f"成员{i}", "home_org": tree.village_a2}
                          for i in range(60)})
    Participation.objects.bulk_create(Participation(activity=first, person=p)
                                      for p in many.values())
    assert count_queries(client, address) == small


# 导师传帮带 ----------------------------------------------------------------------------------

def test_a_pair_is_added_between_members_and_audited(alliances_world, people, township_admin):
    core = alliances_world.core
    pair = mentors.add_mentor_pair(core, actor=township_admin, mentor=people.a1,
                                   mentee=people.a2, started_on=TODAY, goals="熟悉党务")
    assert pair.created_by == township_admin and pair.ended_on is None
    assert AuditEvent.objects.filter(data__mentor_pair=pair.pk).exists()


@pytest.mark.parametrize("case", ["same", "outsider", "duplicate", "future"])
def test_pair_rules(alliances_world, people, township_admin, case):
    core = alliances_world.core
    kwargs = {"mentor": people.a1, "mentee": people.a2, "started_on": TODAY}
    if case == "same":
        kwargs["mentee"] = people.a1
    elif case == "outsider":
        kwargs["mentee"] = people.b1
    elif case == "duplicate":
        mentors.add_mentor_pair(core, actor=township_admin, **kwargs)
    else:
        kwargs["started_on"] = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        mentors.add_mentor_pair(core, actor=township_admin, **kwargs)
    code = {"same": "same", "outsider": "not_member", "duplicate": "duplicate",
            "future": "future"}[case]
    assert refused.value.error_dict[next(iter(refused.value.error_dict))][0].code == code


def test_an_ended_pair_may_start_again_and_ending_checks_the_date(alliances_world, people,
                                                                  township_admin):
    core = alliances_world.core
    start = TODAY - datetime.timedelta(days=30)
    pair = mentors.add_mentor_pair(core, actor=township_admin, mentor=people.a1,
                                   mentee=people.a2, started_on=start)
    with pytest.raises(ValidationError):
        mentors.end_mentor_pair(pair, actor=township_admin,
                                ended_on=start - datetime.timedelta(days=1))
    mentors.end_mentor_pair(pair, actor=township_admin, ended_on=TODAY)
    with pytest.raises(ValidationError):
        mentors.end_mentor_pair(pair, actor=township_admin, ended_on=TODAY)
    again = mentors.add_mentor_pair(core, actor=township_admin, mentor=people.a1,
                                    mentee=people.a2, started_on=TODAY)
    assert MentorPair.objects.filter(alliance=core).count() == 2 and again.ended_on is None


def test_only_managers_pair(alliances_world, people, village_secretary, leader):
    for actor in (village_secretary, leader):
        with pytest.raises(PermissionDenied):
            mentors.add_mentor_pair(alliances_world.core, actor=actor, mentor=people.a1,
                                    mentee=people.a2, started_on=TODAY)


def test_the_mentor_pages_add_list_and_end(alliances_world, people, login, township_admin):
    client = login(township_admin)
    core = alliances_world.core
    form = client.get(url("mentor_add", core.pk), {"mentor_q": "青山"}).content.decode()
    assert people.a1.name in form and people.b1.name not in form
    response = client.post(url("mentor_add", core.pk), {
        "mentor": people.a1.pk, "mentee": people.a1.pk, "started_on": TODAY.isoformat()})
    assert "导师和徒弟不能是同一人" in response.content.decode()
    response = client.post(url("mentor_add", core.pk), {
        "mentor": people.a1.pk, "mentee": people.a2.pk, "started_on": TODAY.isoformat()})
    assert response.status_code == 302
    pair = MentorPair.objects.get(alliance=core)
    page = client.get(url("mentor_list", core.pk)).content.decode()
    assert "结对中" in page and "data-confirm" in page and url("mentor_end", pair.pk) in page
    client.post(url("mentor_end", pair.pk), {"ended_on": TODAY.isoformat()})
    assert MentorPair.objects.get(pk=pair.pk).ended_on == TODAY


def test_the_mentor_list_query_count_does_not_follow_the_pairs(alliances_world, tree, login,
                                                               township_admin):
    client = login(township_admin)
    core = alliances_world.core
    address = url("mentor_list", core.pk)
    made = bulk_people(**{f"p{i}": {"name": f"成员{i}", "home_org": tree.village_a2}
                          for i in range(31)})
    made = list(made.values())
    MentorPair.objects.create(alliance=core, mentor=made[0], mentee=made[1], started_on=TODAY)
    small = count_queries(client, address)
    MentorPair.objects.bulk_create(MentorPair(alliance=core, mentor=made[0], mentee=p,
                                              started_on=TODAY) for p in made[2:])
    assert count_queries(client, address) == small


# 本土专家服务团 ------------------------------------------------------------------------------

def test_split_specialties():
    assert experts.split_specialties("中药材种植，电商销售、茶叶;法律 咨询；,") == [
        "中药材种植", "电商销售", "茶叶", "法律", "咨询"]
    assert experts.split_specialties(" ， ") == []


def _need(village, title, description="内容", places=2, taken=0, **extra):
    return Need.objects.create(village_org=village, title=title, description=description,
                               deadline=extra.pop("deadline", TODAY + datetime.timedelta(days=30)),
                               places=places, taken_places=taken, **extra)


def test_suggestions_match_specialties_to_open_needs_with_places(
        alliances_world, tree, people, township_admin, django_assert_num_queries):
    core = alliances_world.core
    tea = experts.add_expert(core, actor=township_admin, person=people.a1,
                             specialties="茶叶种植、电商")
    law = experts.add_expert(core, actor=township_admin, person=people.a2,
                             specialties="法律咨询")
    both = _need(tree.village_a2, "开网店卖茶", description="需要电商培训")
    by_description = _need(tree.village_a1, "村民议事", description="请专家做法律咨询")
    _need(tree.village_a1, "电商直播", places=1, taken=1)  # full
    _need(tree.village_a1, "电商过期", deadline=TODAY - datetime.timedelta(days=1))
    _need(tree.village_a1, "电商已关闭", status="closed")
    _need(tree.village_b1, "电商白水")  # not a member village
    with django_assert_num_queries(2):
        suggestions = experts.suggest_experts(core)
    assert [(need.pk, [e.pk for e in matched]) for need, matched in suggestions] == [
        (both.pk, [tea.pk]), (by_description.pk, [law.pk])]
    experts.deactivate_expert(tea, actor=township_admin)
    assert {need.pk for need, _ in experts.suggest_experts(core)} == {by_description.pk}


def test_the_roster_rules(alliances_world, people, township_admin, village_secretary):
    core = alliances_world.core
    with pytest.raises(PermissionDenied):
        experts.add_expert(core, actor=village_secretary, person=people.a1, specialties="茶叶")
    with pytest.raises(ValidationError):
        experts.add_expert(core, actor=township_admin, person=people.a1, specialties="、，")
    with pytest.raises(ValidationError):  # outside the township admin's people
        experts.add_expert(core, actor=township_admin, person=people.b1, specialties="茶叶")
    expert = experts.add_expert(core, actor=township_admin, person=people.a1, specialties="茶叶")
    with pytest.raises(ValidationError):
        experts.add_expert(core, actor=township_admin, person=people.a1, specialties="茶叶")
    experts.edit_expert(expert, actor=township_admin, specialties="茶叶、电商", introduction="")
    experts.deactivate_expert(expert, actor=township_admin)
    with pytest.raises(ValidationError):
        experts.deactivate_expert(expert, actor=township_admin)
    back = experts.add_expert(core, actor=township_admin, person=people.a1, specialties="茶艺")
    assert back.pk == expert.pk and back.active and back.specialties == "茶艺"
    assert AuditEvent.objects.filter(data__expert=expert.pk).count() == 4


def test_the_roster_page_shows_matches_per_expert_and_suggestions(alliances_world, tree,
                                                                 people, login,
                                                                 township_admin):
    core = alliances_world.core
    experts.add_expert(core, actor=township_admin, person=people.a1, specialties="茶叶种植")
    need = _need(tree.village_a2, "茶叶种植技术指导")
    client = login(township_admin)
    page = client.get(url("expert_list", core.pk)).content.decode()
    assert "可对接的需求" in page and need.title in page and need.get_absolute_url() in page
    assert page.count(need.title) == 2  # on the expert's row and in the suggestions
    response = client.post(url("expert_add", core.pk), {"person": people.a2.pk,
                                                        "specialties": "法律"})
    assert response.status_code == 302
    assert Expert.objects.filter(alliance=core, active=True).count() == 2


def test_the_roster_query_count_does_not_follow_experts_or_needs(alliances_world, tree, login,
                                                                 township_admin):
    core = alliances_world.core
    client = login(township_admin)
    address = url("expert_list", core.pk)
    made = list(bulk_people(**{f"p{i}": {"name": f"专家{i}", "home_org": tree.village_a2}
                               for i in range(30)}).values())
    Expert.objects.create(alliance=core, person=made[0], specialties="茶叶")
    _need(tree.village_a1, "茶叶加工")
    small = count_queries(client, address)
    Expert.objects.bulk_create(Expert(alliance=core, person=p, specialties=f"茶叶、技能{i}")
                               for i, p in enumerate(made[1:]))
    for i in range(20):
        _need(tree.village_a2, f"茶叶需求{i}")
    assert count_queries(client, address) == small
