"""Views of the alliance structure: scope (404) before capability (403), the pages' content,
the forms and actions through the services, and query counts that do not follow the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance, Membership
from ledger.models import Activity, ActivityTheme
from pairing.models import Need
from tests.alliances.conftest import FOUNDED
from tests.factories import bulk_orgs


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def count_queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


# Scope and capability -------------------------------------------------------------------

def test_a_member_villages_secretary_sees_the_alliance(alliances_world, login,
                                                       village_secretary):
    response = login(village_secretary).get(url("alliance_detail", alliances_world.area_1.pk))
    assert response.status_code == 200
    assert "青山片区红色引领联盟" in response.content.decode()
    assert url("alliance_edit", alliances_world.area_1.pk) not in response.content.decode()


def test_another_townships_admin_gets_404(alliances_world, login, township_admin):
    client = login(township_admin)
    for name in ("alliance_detail", "alliance_edit", "member_add"):
        assert client.get(url(name, alliances_world.other_core.pk)).status_code == 404


def test_the_leader_views_but_may_not_manage(alliances_world, login, leader):
    client = login(leader)
    core = alliances_world.core
    assert client.get(url("alliance_detail", core.pk)).status_code == 200
    assert client.get(url("alliance_edit", core.pk)).status_code == 403
    assert client.get(url("member_add", core.pk)).status_code == 403
    assert client.get(url("alliance_create")).status_code == 403
    membership = core.memberships.get(org=alliances_world.enterprise)
    response = client.post(url("member_remove", membership.pk),
                           {"left_on": "2025-06-01", "reason": "调整"})
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_a_village_not_in_any_alliance_sees_none(alliances_world, tree, login, outsider):
    from tests.factories import grant

    grant(outsider, tree.village_b1, "village_secretary")
    Membership.objects.filter(org=tree.village_b1).delete()
    client = login(outsider)
    assert client.get(url("alliance_detail", alliances_world.other_core.pk)).status_code == 404
    page = client.get(url("structure")).content.decode()
    assert "暂无可查看的党建联盟" in page


# Pages --------------------------------------------------------------------------------

def test_structure_page_shows_the_township_tree(alliances_world, login, township_admin):
    page = login(township_admin).get(url("structure")).content.decode()
    for name in ("青山镇全域党建联盟", "青山片区红色引领联盟", "石桥片区绿色发展联盟", "周联盟"):
        assert name in page
    assert "白水乡全域党建联盟" not in page
    assert 'fill="#c0392b"' in page and 'fill="#1e8449"' in page  # type colours
    assert "成员 5" in page


def test_structure_page_picks_a_township(alliances_world, tree, login, county_admin):
    client = login(county_admin)
    page = client.get(url("structure"), {"township": tree.town_b.pk}).content.decode()
    assert "白水乡全域党建联盟" in page and "青山片区红色引领联盟" not in page
    # A bad value falls back to the first township instead of failing.
    assert client.get(url("structure"), {"township": "x'"}).status_code == 200


def test_overview_counts_by_type_and_kind(alliances_world, tree, login, county_admin):
    response = login(county_admin).get(url("overview"))
    rows = {row["owner"].name: row for row in response.context["rows"]}
    assert rows["青山镇"]["total"] == 3 and rows["青山镇"]["kinds"] == [1, 2, 0]
    assert rows["青山镇"]["types"] == [2, 1, 0] and rows["青山镇"]["members"] == 5
    assert rows["白水乡"]["types"] == [0, 0, 1]
    assert response.context["totals"]["total"] == 4


def test_overview_of_the_whole_tree_counts_members_from_the_member_tally(
        alliances_world, login, county_admin, township_admin):
    """A scope of every organization sees every alliance: the member counts are the member
    tally's rows (alliances.member_tally), not a city's 12,000 memberships counted distinct;
    a township's count joins the memberships it sees with its scope. Same figures."""
    def member_count_sql(user):
        with CaptureQueriesContext(connection) as captured:
            response = login(user).get(url("overview"))
        sql = [q["sql"] for q in captured if "alliances_ownermembertally" in q["sql"]
               or ("COUNT(DISTINCT" in q["sql"] and "alliances_membership" in q["sql"])]
        assert len(sql) == 1, sql
        return response, sql[0]

    response, sql = member_count_sql(county_admin)
    assert "alliances_ownermembertally" in sql and "alliances_membership" not in sql, sql
    assert {r["owner"].name: r["members"] for r in response.context["rows"]}["青山镇"] == 5
    assert response.context["totals"]["members"] == 7  # 5 of 青山镇, 2 of 白水乡
    response, sql = member_count_sql(township_admin)
    assert "portal_organization" in sql and "alliances_ownermembertally" not in sql, sql
    assert [r["owner"].name for r in response.context["rows"]] == ["青山镇"]
    assert response.context["rows"][0]["members"] == 5


def test_list_filters(alliances_world, tree, login, county_admin):
    client = login(county_admin)
    names = lambda **params: [a.name for a in client.get(url("alliance_list"), params)  # noqa: E731
                              .context["page"]]
    assert len(names()) == 4
    assert names(kind="area") == ["石桥片区绿色发展联盟", "青山片区红色引领联盟"] or \
        sorted(names(kind="area")) == sorted(["石桥片区绿色发展联盟", "青山片区红色引领联盟"])
    assert names(township=tree.town_b.pk) == ["白水乡全域党建联盟"]
    assert names(type=alliances_world.green.pk) == ["石桥片区绿色发展联盟"]
    assert names(q="石桥") == ["石桥片区绿色发展联盟"]
    assert names(status="closed") == []
    assert len(names(kind="nonsense", township="abc")) == 4  # bad values are ignored


def test_detail_shows_members_history_children_warnings_activities_and_needs(
        alliances_world, tree, login, county_admin, settings):
    world = alliances_world
    Membership.objects.filter(alliance=world.core, org=world.station).update(
        left_on=datetime.date(2025, 5, 1), left_reason="机构调整")
    settings.ALLIANCE_MAX_MEMBERS = 3
    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 6, 2),
                            theme=ActivityTheme.objects.first(), title="联盟主题党日联过",
                            content="联过", status="confirmed", alliance=world.core)
    Activity.objects.create(org=tree.village_a1, date=datetime.date(2025, 6, 3),
                            theme=ActivityTheme.objects.first(), title="草稿不显示",
                            content="草稿", alliance=world.core)
    Need.objects.create(village_org=tree.village_a2, title="修缮文化礼堂", description="需要",
                        deadline=timezone.localdate() + datetime.timedelta(days=10))
    page = login(county_admin).get(url("alliance_detail", world.core.pk)).content.decode()
    for text in ("青山茶业有限公司", "非公企业", "行业协会", "历史成员（1）", "机构调整",
                 "青山片区红色引领联盟", "规模适当", "联盟主题党日联过", "修缮文化礼堂", "周联盟"):
        assert text in page, text
    assert "草稿不显示" not in page


def test_detail_links_every_work_area_and_shows_stars_meetings_review_and_charity(
        alliances_world, tree, login, county_admin):
    """The alliance page is the hub: a link per work area, this quarter's stars, the recent
    meetings (cancelled ones left out), the last closed year-end review's score and the
    months without a 一月一公益."""
    from alliances.models import AnnualReview, Meeting, StarRating
    from alliances.views.structure import WORK_LINKS

    world = alliances_world
    today = timezone.localdate()
    StarRating.objects.create(alliance=world.core, year=today.year,
                              quarter=(today.month - 1) // 3 + 1, stars=4, source="manual",
                              reason="表现突出")
    moment = timezone.now() - datetime.timedelta(days=3)
    Meeting.objects.create(alliance=world.core, title="第三季度联盟例会", starts_at=moment,
                           place="村部", host_org=tree.village_a1, status="held")
    Meeting.objects.create(alliance=world.core, title="取消的观摩", starts_at=moment,
                           place="村部", status="cancelled", cancel_reason="天气")
    AnnualReview.objects.create(alliance=world.core, year=today.year - 1, status="closed",
                                score="86.50")
    page = login(county_admin).get(url("alliance_detail", world.core.pk)).content.decode()
    for _label, url_name, _icon in WORK_LINKS:
        assert reverse(url_name, args=[world.core.pk]) in page, url_name
    for text in ("★★★★", "4 星", "第三季度联盟例会", "青山村承办", "86.50 分", "一月一公益"):
        assert text in page, text
    assert "取消的观摩" not in page


# Forms and actions ----------------------------------------------------------------------

def test_township_admin_founds_an_area_alliance_and_adds_members(alliances_world, tree, login,
                                                                 township_admin):
    client = login(township_admin)
    form = client.get(url("alliance_create")).context["form"]
    assert [o.name for o in form.fields["owner"].queryset] == ["青山镇"]
    response = client.post(url("alliance_create"), {
        "name": "茶园片区联盟", "kind": "area", "type": alliances_world.blue.pk,
        "owner": tree.town_a.pk, "parent": alliances_world.core.pk, "founded": "2025-04-01",
        "principles": "地域相邻、资源相融、规模适当"})
    alliance = Alliance.objects.get(name="茶园片区联盟")
    assert response.status_code == 302 and response["Location"] == url("member_add",
                                                                       alliance.pk)
    page = client.get(url("member_add", alliance.pk)).content.decode()
    assert "青山茶业有限公司" in page and "白水村" not in page
    response = client.post(url("member_add", alliance.pk), {
        "orgs": [tree.village_a2.pk, alliances_world.enterprise.pk], "joined_on": "2025-04-02"})
    assert response.status_code == 302
    assert alliance.memberships.current().count() == 2


def test_a_second_core_is_refused_on_the_form(alliances_world, tree, login, township_admin):
    response = login(township_admin).post(url("alliance_create"), {
        "name": "又一个", "kind": "core", "type": alliances_world.red.pk,
        "owner": tree.town_a.pk, "founded": "2025-04-01"})
    assert response.status_code == 200
    assert "已有核心联盟" in response.content.decode()


def test_bad_input_is_a_form_error_not_a_server_error(alliances_world, tree, login,
                                                      township_admin):
    client = login(township_admin)
    core = alliances_world.core
    response = client.post(url("member_add", core.pk), {"orgs": ["abc", tree.village_b1.pk],
                                                        "joined_on": "not a date"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(url("alliance_create"), {"kind": "zzz", "founded": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    membership = core.memberships.get(org=alliances_world.enterprise)
    response = client.post(url("member_remove", membership.pk), {"left_on": "x"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_member_leaves_from_the_alliance_page(alliances_world, login, township_admin):
    core = alliances_world.core
    membership = core.memberships.get(org=alliances_world.enterprise)
    client = login(township_admin)
    response = client.post(url("member_remove", membership.pk),
                           {"left_on": "2025-06-01", "reason": "调整片区"}, follow=True)
    assert "已退出" in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).left_reason == "调整片区"


def test_edit_page_narrows_the_lead_org_to_members(alliances_world, login, township_admin):
    client = login(township_admin)
    area = alliances_world.area_2
    form = client.get(url("alliance_edit", area.pk)).context["form"]
    assert {o.name for o in form.fields["lead_org"].queryset} == {
        "石桥村", "青山镇茶叶协会", "青山镇农业综合服务中心"}
    response = client.post(url("alliance_edit", area.pk), {
        "name": "石桥片区", "type": alliances_world.green.pk, "parent": alliances_world.core.pk,
        "lead_org": alliances_world.association.pk, "founded": FOUNDED.isoformat()})
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.name, area.lead_org) == ("石桥片区", alliances_world.association)


def test_task_alliance_closes_from_its_page(tree, login, county_admin, settings):
    settings.ALLIANCE_TASK_MIN_MEMBERS = 2
    from alliances.services.structure import do_create_alliance
    from tests.alliances.conftest import alliance_type

    task = do_create_alliance(actor=county_admin, name="防汛任务联盟", kind="task",
                              type=alliance_type("blue"), owner=tree.county, founded=FOUNDED,
                              purpose="防汛", members=[tree.village_a1, tree.village_b1])
    client = login(county_admin)
    assert "任务完成，结束联盟" in client.get(url("alliance_detail", task.pk)).content.decode()
    client.post(url("alliance_close", task.pk), {"closed_at": "2025-09-01", "note": "汛期结束"})
    task.refresh_from_db()
    assert task.closed_at == datetime.date(2025, 9, 1)
    # Closed: the edit page sends the user back with the reason.
    response = client.get(url("alliance_edit", task.pk))
    assert response.status_code == 302 and response["Location"] == url("alliance_detail",
                                                                       task.pk)


# Query counts ---------------------------------------------------------------------------

def _grow(world, tree, n):
    """n more villages in 青山镇, each in the core, with an area alliance, an activity and a
    need each (so every section of the pages has n more rows)."""
    orgs = bulk_orgs([(f"v{i}", tree.town_a, f"增补村{i}", "village", {}) for i in range(n)])
    Membership.objects.bulk_create([Membership(alliance=world.core, org=o, joined_on=FOUNDED)
                                    for o in orgs.values()])
    for i, org in enumerate(orgs.values()):
        area = Alliance.objects.create(name=f"增补片区{i}", kind="area", type=world.green,
                                       owner=tree.town_a, parent=world.core, founded=FOUNDED)
        Membership.objects.create(alliance=area, org=org, joined_on=FOUNDED)
        Activity.objects.create(org=org, date=datetime.date(2025, 6, 1),
                                theme=ActivityTheme.objects.first(), title=f"活动{i}",
                                content="内容", status="submitted", alliance=world.core)
        Need.objects.create(village_org=org, title=f"需求{i}", description="内容",
                            deadline=timezone.localdate() + datetime.timedelta(days=5))


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "village_secretary"])
def test_query_counts_do_not_follow_the_rows(alliances_world, tree, login, persona, request):
    client = login(request.getfixturevalue(persona))
    pages = [url("structure"), url("overview"), url("alliance_list"),
             url("alliance_detail", alliances_world.core.pk)]
    if persona != "village_secretary":
        pages += [url("member_add", alliances_world.core.pk),
                  url("alliance_edit", alliances_world.core.pk)]
    for page in pages:
        client.get(page)  # warm caches
    few = {page: count_queries(client, page) for page in pages}
    _grow(alliances_world, tree, 15)
    many = {page: count_queries(client, page) for page in pages}
    assert few == many, (few, many)
    assert max(many.values()) <= 20, many


# The ledger's activity form gains its alliance link ---------------------------------------

def _activity_data(org, alliance=None):
    data = {"org": org.pk, "date": timezone.localdate().isoformat(),
            "theme": ActivityTheme.objects.get(code="serve_masses").pk, "title": "联盟主题党日",
            "content": "联过主题党日", "beneficiaries": 0, "funds": "0", "action": "draft"}
    if alliance is not None:
        data["alliance"] = alliance.pk
    return data


def test_activity_form_offers_the_open_alliances_of_my_organization(alliances_world, tree,
                                                                     login, village_secretary):
    client = login(village_secretary)
    form = client.get(reverse("ledger:activity_create")).context["form"]
    assert {a.name for a in form.fields["alliance"].queryset} == {
        "青山镇全域党建联盟", "青山片区红色引领联盟"}
    response = client.post(reverse("ledger:activity_create"),
                           _activity_data(tree.village_a1, alliances_world.area_1))
    assert response.status_code == 302
    activity = Activity.objects.get(title="联盟主题党日")
    assert activity.alliance == alliances_world.area_1
    page = client.get(url("alliance_detail", alliances_world.area_1.pk))
    assert page.context["activities"] == []  # a draft is not shown on the alliance's page


def test_activity_form_refuses_an_alliance_the_org_is_not_in(alliances_world, tree, login,
                                                             village_secretary):
    response = login(village_secretary).post(reverse("ledger:activity_create"),
                                             _activity_data(tree.village_a1,
                                                            alliances_world.area_2))
    assert response.status_code == 200
    assert "alliance" in response.context["form"].errors
    assert not Activity.objects.filter(title="联盟主题党日").exists()


def test_activity_form_hides_the_field_without_alliances(alliances_world, tree, login,
                                                          unit_contact):
    form = login(unit_contact).get(reverse("ledger:activity_create")).context["form"]
    assert "alliance" not in form.fields
    response = login(unit_contact).post(reverse("ledger:activity_create"),
                                        _activity_data(tree.unit))
    assert response.status_code == 302


def test_activity_service_checks_the_alliance(alliances_world, tree, village_secretary):
    from django.core.exceptions import ValidationError

    from ledger.services.activities import do_save_activity

    activity = Activity(org=tree.village_a1, date=timezone.localdate(), title="越界",
                        theme=ActivityTheme.objects.get(code="serve_masses"), content="x",
                        alliance=alliances_world.other_core)
    with pytest.raises(ValidationError) as exc:
        do_save_activity(activity, actor=village_secretary)
    assert exc.value.error_dict["alliance"][0].code == "alliance"


def test_member_home_panel_lists_my_open_alliances(alliances_world, login, village_secretary,
                                                   unit_contact):
    page = login(village_secretary).get(reverse("portal:home")).content.decode()
    assert 'data-panel="alliances_mine"' in page
    assert "青山镇全域党建联盟" in page and "白水乡全域党建联盟" not in page
    page = login(unit_contact).get(reverse("portal:home")).content.decode()
    assert "本组织尚未加入党建联盟" in page
