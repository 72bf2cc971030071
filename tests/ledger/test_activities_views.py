"""Activity pages: scope, the locked-month refusal, what the form keeps, participants, the
township's confirm/return and reopening a month."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, MonthReopening
from pairing.models import Pairing
from portal.models import AuditEvent
from tests.factories import PersonFactory


@pytest.fixture
def pairing(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2026, 1, 1))


def make(org, day, theme, status=ActivityStatus.DRAFT, **fields):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status,
                                   title=fields.pop("title", "入户走访"),
                                   content=fields.pop("content", "走访困难群众"), **fields)


def post_data(org, theme, day, **extra):
    data = {"org": org.pk, "date": day.isoformat(), "theme": theme.pk, "title": "主题党日",
            "place": "村党群服务中心", "content": "学习党章", "outcome": "统一思想",
            "beneficiaries": "30", "funds": "120.50", "action": "draft"}
    data.update(extra)
    return data


def test_create_saves_activity_with_participants(login, tree, people, theme, today, pairing,
                                                 village_secretary):
    client = login(village_secretary)
    response = client.get(reverse("ledger:activity_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["org"].value() == tree.village_a1.pk
    assert form["date"].value() == today
    assert list(form.fields["org"].queryset) == [tree.village_a1]
    assert list(form.fields["pairing"].queryset) == [pairing]
    data = post_data(tree.village_a1, theme, today, participant=[people.a1.pk, people.unit.pk],
                     **{f"hours_{people.a1.pk}": "3", f"role_{people.a1.pk}": "organizer",
                        f"hours_{people.unit.pk}": "1.5"}, pairing=pairing.pk, action="submit",
                     no_evidence="1")
    response = client.post(reverse("ledger:activity_create"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:activity_detail", args=[activity.pk])
    assert activity.status == ActivityStatus.SUBMITTED
    assert (activity.pairing, activity.funds, activity.created_by) == (pairing, 120.5,
                                                                      village_secretary)
    rows = set(activity.participations.values_list("person__name", "hours", "role"))
    assert rows == {("李青山", 3, "organizer"), ("陈农业", 1.5, "participant")}
    detail = client.get(response["Location"])
    assert detail.context["clear_draft"] == "new"  # the page tells the JS to drop the draft
    assert "ledger-clear-draft" in detail.content.decode()
    assert client.get(response["Location"]).context["clear_draft"] == ""


def test_other_village_gets_404_and_roles_without_log_403(login, tree, theme, today,
                                                          other_village_secretary, leader,
                                                          talent, township_admin):
    activity = make(tree.village_a1, today, theme)
    detail = reverse("ledger:activity_detail", args=[activity.pk])
    edit = reverse("ledger:activity_edit", args=[activity.pk])
    assert login(other_village_secretary).get(detail).status_code == 404
    assert login(other_village_secretary).get(edit).status_code == 404
    for user in (leader, talent, township_admin):
        assert login(user).get(reverse("ledger:activity_create")).status_code == 403
    assert login(township_admin).get(edit).status_code == 403
    assert login(talent).get(detail).status_code == 404


def test_list_shows_only_scope_and_filters(login, tree, theme, today, village_secretary,
                                           township_admin, county_admin):
    make(tree.village_a1, today, theme, title="青山村走访")
    make(tree.village_a2, today, theme, title="石桥村义诊", status=ActivityStatus.SUBMITTED)
    make(tree.village_b1, today, theme, title="白水村巡防")
    url = reverse("ledger:activity_list")

    def titles(user, **params):
        return [a.title for a in login(user).get(url, params).context["page"]]

    assert titles(village_secretary) == ["青山村走访"]
    assert set(titles(township_admin)) == {"青山村走访", "石桥村义诊"}
    assert len(titles(county_admin)) == 3
    assert titles(county_admin, township=tree.town_b.pk) == ["白水村巡防"]
    assert titles(county_admin, org=tree.village_a2.pk) == ["石桥村义诊"]
    assert titles(county_admin, status="submitted") == ["石桥村义诊"]
    assert titles(county_admin, q="巡防") == ["白水村巡防"]
    assert set(titles(county_admin, month=f"{today:%Y-%m}", theme=theme.pk,
                      status="draft")) == {"白水村巡防", "青山村走访"}
    last_year = today.replace(year=today.year - 1)
    assert titles(county_admin, month=f"{last_year:%Y-%m}") == []
    # A bad filter is ignored and shown, never a 500.
    response = login(county_admin).get(url, {"month": "2026-13", "township": "x"})
    assert response.status_code == 200
    assert "月份格式应为" in response.content.decode()
    assert "township" not in login(village_secretary).get(url).context["form"].fields


def test_filter_form_updates_only_the_table_over_htmx(login, tree, theme, today,
                                                      county_admin):
    make(tree.village_a1, today, theme, title="青山村走访")
    make(tree.village_b1, today, theme, title="白水村巡防")
    client = login(county_admin)
    url = reverse("ledger:activity_list")
    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'id="activity-table"' in page
    partial = client.get(url, {"township": tree.town_b.pk}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'id="activity-filter"' not in body
    assert "白水村巡防" in body and "青山村走访" not in body
    assert [a.title for a in partial.context["page"]] == ["白水村巡防"]


def test_to_confirm_lists_submitted_activities_oldest_first(login, tree, theme, today,
                                                           township_admin, village_secretary):
    make(tree.village_a1, today, theme, title="草稿")
    first = make(tree.village_a1, today, theme, status=ActivityStatus.SUBMITTED, title="先交",
                 submitted_at=timezone.now() - datetime.timedelta(hours=2))
    second = make(tree.village_a2, today, theme, status=ActivityStatus.SUBMITTED, title="后交",
                  submitted_at=timezone.now())
    make(tree.village_b1, today, theme, status=ActivityStatus.SUBMITTED, title="别的乡镇")
    url = reverse("ledger:activity_to_confirm")
    response = login(township_admin).get(url)
    assert list(response.context["page"]) == [first, second]
    assert login(village_secretary).get(url).status_code == 403


def test_locked_month_is_explained_on_the_form_and_nothing_saved(login, tree, theme,
                                                                closed_day, village_secretary,
                                                                township_admin):
    response = login(village_secretary).post(reverse("ledger:activity_create"),
                                             post_data(tree.village_a1, theme, closed_day))
    assert response.status_code == 200
    page = response.content.decode()
    assert "lock-problem" in page
    assert f"{closed_day.year}年{closed_day.month}月的台账已于" in page
    assert "请提交“申请补录”" in page
    assert "开放补录" not in page.split("lock-problem")[1].split("</div>")[0]
    assert 'value="学习党章"' in page or "学习党章</textarea>" in page
    assert not Activity.objects.exists()
    # The township admin sees the 开放补录 link on the activity of a locked month.
    activity = make(tree.village_a1, closed_day, theme)
    detail = login(township_admin).get(reverse("ledger:activity_detail", args=[activity.pk]))
    link = detail.context["reopen_link"]
    assert link == (f"{reverse('ledger:month_reopen')}?org={tree.village_a1.pk}"
                    f"&year={closed_day.year}&month={closed_day.month}")
    form = login(township_admin).get(link).context["form"]
    assert (form["org"].value(), form["year"].value(), form["month"].value()) == (
        str(tree.village_a1.pk), str(closed_day.year), str(closed_day.month))
    # The secretary's edit page explains the lock before anything is typed.
    edit = login(village_secretary).get(reverse("ledger:activity_edit", args=[activity.pk]))
    assert "已于" in edit.context["lock_problem"]
    assert edit.context["reopen_link"] == ""


def test_form_keeps_everything_typed_on_error(login, tree, people, theme, today,
                                              village_secretary):
    extra = PersonFactory(name="孙志愿", home_org=tree.village_a1)
    data = post_data(tree.village_a1, theme, today, title="", participant=[people.a1.pk,
                                                                          extra.pk],
                     **{f"hours_{people.a1.pk}": "3.5", f"role_{people.a1.pk}": "mentor"})
    response = login(village_secretary).post(reverse("ledger:activity_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors
    assert form["content"].value() == "学习党章"
    assert form["funds"].value() == "120.50"
    assert [(r["name"], str(r["hours"]), r["role"]) for r in form.rows()] == [
        ("李青山", "3.5", "mentor"), ("孙志愿", "2", "participant")]
    page = response.content.decode()
    assert f'name="hours_{people.a1.pk}" id="id_hours_{people.a1.pk}" value="3.5"' in page
    assert '<option value="mentor" selected>' in page
    # The no-JS multi-select offers only people not chosen yet.
    offered = {value for value, _ in form.fallback_choices()}
    assert people.a1.pk not in offered and extra.pk not in offered
    assert not Activity.objects.exists()


def test_participants_outside_eligible_are_refused(login, tree, people, theme, today,
                                                   village_secretary):
    data = post_data(tree.village_a1, theme, today, participant=[people.a1.pk, people.b1.pk,
                                                                 people.unit.pk])
    response = login(village_secretary).post(reverse("ledger:activity_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    # Neither name is in the secretary's scope, so they are counted, not named.
    assert any("2 名人员不属于本组织或结对单位" in e for e in errors), errors
    assert "赵白水" not in response.content.decode()
    assert [r["name"] for r in response.context["form"].rows()] == ["李青山"]
    assert not Activity.objects.exists()


def test_bad_hours_refused(login, tree, people, theme, today, village_secretary):
    data = post_data(tree.village_a1, theme, today, participant=[people.a1.pk],
                     **{f"hours_{people.a1.pk}": "30"})
    response = login(village_secretary).post(reverse("ledger:activity_create"), data)
    assert any("0 到 24 小时" in e for e in response.context["form"].non_field_errors())
    assert not Activity.objects.exists()


def test_unit_contact_logs_for_the_unit(login, tree, people, theme, today, unit_contact):
    response = login(unit_contact).post(reverse("ledger:activity_create"),
                                        post_data(tree.unit, theme, today,
                                                  participant=[people.unit.pk]))
    assert response.status_code == 302
    assert Activity.objects.get().org == tree.unit
    # Another org is not a choice.
    response = login(unit_contact).post(reverse("ledger:activity_create"),
                                        post_data(tree.village_a1, theme, today))
    assert "org" in response.context["form"].errors


def test_participant_search(login, tree, people, theme, today, pairing, village_secretary,
                            other_village_secretary):
    talent_b = PersonFactory(name="陈教育", home_org=tree.unit, is_city_talent=True)
    recent = make(tree.village_a1, today, theme)
    recent.participations.create(person=people.a1, hours=2)
    url = reverse("ledger:participant_search")
    client = login(village_secretary)
    suggested = client.get(url, {"org": tree.village_a1.pk}).json()["results"]
    assert [(p["name"], p["group"]) for p in suggested] == [
        ("陈农业", "talent"), ("陈教育", "talent"), ("李青山", "recent")]
    found = client.get(url, {"org": tree.village_a1.pk, "q": "陈"}).json()["results"]
    assert {p["id"] for p in found} == {people.unit.pk, talent_b.pk}
    by_phone = client.get(url, {"org": tree.village_a1.pk, "q": people.a1.phone}).json()
    assert [p["name"] for p in by_phone["results"]] == ["李青山"]
    assert "phone" not in by_phone["results"][0]
    assert by_phone["results"][0]["phone_tail"] == people.a1.phone[-4:]
    # Part of a number finds nobody, and a paired talent's phone tail stays hidden from a
    # village that may not see the unit's people.
    assert client.get(url, {"org": tree.village_a1.pk, "q": people.a1.phone[-6:]}).json()[
        "results"] == []
    assert {p["phone_tail"] for p in suggested if p["group"] == "talent"} == {""}
    assert client.get(url, {"org": tree.village_a1.pk, "q": "赵白水"}).json()["results"] == []
    assert login(other_village_secretary).get(url, {"org": tree.village_a1.pk}).status_code \
        == 404


def test_delete_submit_confirm_return(login, tree, theme, today, village_secretary,
                                      township_admin):
    draft = make(tree.village_a1, today, theme, title="草稿")
    client = login(village_secretary)
    client.post(reverse("ledger:activity_delete", args=[draft.pk]))
    assert not Activity.objects.filter(pk=draft.pk).exists()
    activity = make(tree.village_a1, today, theme)
    client.post(reverse("ledger:activity_submit", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    # A submitted one cannot be deleted: the page says why.
    response = client.post(reverse("ledger:activity_delete", args=[activity.pk]), follow=True)
    assert "只有草稿可以删除" in response.content.decode()
    town = login(township_admin)
    queue_url = reverse("ledger:activity_to_confirm")
    queue = town.get(queue_url)
    assert [a.pk for a in queue.context["page"]] == [activity.pk]
    response = town.post(reverse("ledger:activity_return", args=[activity.pk]),
                         {"reason": "", "next": queue_url}, follow=True)
    assert "退回时请填写原因" in response.content.decode()
    town.post(reverse("ledger:activity_return", args=[activity.pk]),
              {"reason": "缺少照片", "next": queue_url})
    activity.refresh_from_db()
    assert (activity.status, activity.return_reason) == (ActivityStatus.RETURNED, "缺少照片")
    login(village_secretary).post(reverse("ledger:activity_submit", args=[activity.pk]))
    town = login(township_admin)  # one test client: signing in again switches the user
    response = town.post(reverse("ledger:activity_confirm", args=[activity.pk]),
                         {"next": queue_url})
    assert response["Location"] == reverse("ledger:activity_to_confirm")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CONFIRMED
    detail = town.get(reverse("ledger:activity_detail", args=[activity.pk]))
    assert [c["status"] for c in detail.context["history"]] == [
        "草稿", "待确认", "已退回", "待确认", "已确认"]
    assert detail.context["history"][2]["reason"] == "缺少照片"


def test_reopen_month_through_the_page(login, tree, theme, closed_day, township_admin,
                                       village_secretary):
    url = reverse("ledger:month_reopen")
    client = login(township_admin)
    response = client.post(url, {"org": tree.village_b1.pk, "year": closed_day.year,
                                 "month": closed_day.month, "reason": "补录"})
    assert "org" in response.context["form"].errors  # another township's village
    response = client.post(url, {"org": tree.village_a1.pk, "year": closed_day.year,
                                 "month": closed_day.month, "reason": ""})
    assert "开放补录时请填写原因" in response.content.decode()
    now = timezone.localdate()
    response = client.post(url, {"org": tree.village_a1.pk, "year": now.year,
                                 "month": now.month, "reason": "x"})
    assert "该月尚未关闭" in response.content.decode()
    assert not MonthReopening.objects.exists()
    response = client.post(url, {"org": tree.village_a1.pk, "year": closed_day.year,
                                 "month": closed_day.month, "reason": "书记住院"}, follow=True)
    assert "已开放“青山村”" in response.content.decode()
    assert [r.reason for r in response.context["page"]] == ["书记住院"]
    assert AuditEvent.objects.filter(summary__contains="书记住院").exists()
    saved = login(village_secretary).post(reverse("ledger:activity_create"),
                                          post_data(tree.village_a1, theme, closed_day))
    assert saved.status_code == 302
