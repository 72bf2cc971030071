"""Requests pages: recording, filters, the daily summary, publishing as a need, scope,
personal data kept in scope, and bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import RequestStatus, ResidentRequest
from pairing.models import Need, Pairing
from tests.factories import UserFactory, grant

NAME, PHONE = "王大妈", "13900002222"


def add(village, day, content="路灯坏了", category="livelihood", status="pending", **fields):
    return ResidentRequest.objects.create(village_org=village, date=day, category=category,
                                          content=content, status=status, **fields)


@pytest.fixture
def paired(tree):
    return Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2026, 1, 1))


@pytest.fixture
def lamp(tree, today):
    return add(tree.village_a1, today, raised_by=NAME, raised_by_phone=PHONE)


def test_record_keeps_the_input_on_error_and_saves(login, village_secretary, tree, today):
    client = login(village_secretary)
    url = reverse("ledger:request_create")
    page = client.get(url)
    assert page.status_code == 200 and today.isoformat() in page.content.decode()
    data = {"village_org": tree.village_a1.pk, "date": today.isoformat(),
            "category": "health", "content": "希望组织义诊", "raised_by": "李四",
            "raised_by_phone": "123"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.content.decode()
    assert "希望组织义诊" in response.content.decode()  # nothing typed is lost
    future = {**data, "raised_by_phone": "", "date": (today + datetime.timedelta(days=1))
              .isoformat()}
    assert "不能晚于今天" in client.post(url, future).content.decode()
    assert not ResidentRequest.objects.exists()
    response = client.post(url, {**data, "raised_by_phone": "0571-88886666"})
    assert response.status_code == 302 and response["Location"] == \
        reverse("ledger:request_daily")
    row = ResidentRequest.objects.get()
    assert (row.village_org, row.recorded_by, row.status) == (
        tree.village_a1, village_secretary, RequestStatus.PENDING)


def test_record_cannot_target_another_village(login, village_secretary, tree, today):
    response = login(village_secretary).post(reverse("ledger:request_create"), {
        "village_org": tree.village_b1.pk, "date": today.isoformat(), "category": "other",
        "content": "x"})
    assert response.status_code == 200 and not ResidentRequest.objects.exists()


def test_list_filters_and_search(login, township_admin, tree, today):
    old = today - datetime.timedelta(days=20)
    add(tree.village_a1, today, content="修路", category="infrastructure")
    add(tree.village_a2, old, content="看病难", category="health", status="judged")
    add(tree.village_b1, today, content="白水村的诉求")  # other township: never listed
    client = login(township_admin)
    url = reverse("ledger:request_list")

    def contents(params):
        response = client.get(url, params)
        assert response.status_code == 200
        return sorted(r.content for r in response.context["page"])

    assert contents({}) == ["修路", "看病难"]
    assert contents({"category": "health"}) == ["看病难"]
    assert contents({"status": "pending"}) == ["修路"]
    assert contents({"village": tree.village_a2.pk}) == ["看病难"]
    assert contents({"date_from": (old + datetime.timedelta(days=1)).isoformat()}) == ["修路"]
    assert contents({"date_to": old.isoformat()}) == ["看病难"]
    assert contents({"q": "修"}) == ["修路"]
    # Bad input is shown, never a 500; a village outside the scope is refused by the form.
    assert contents({"date_from": "nonsense", "village": tree.village_b1.pk}) == ["修路",
                                                                                 "看病难"]
    assert contents({"date_from": today.isoformat(), "date_to": old.isoformat()}) == ["修路"]


def test_list_table_alone_over_htmx(login, township_admin, tree, today):
    add(tree.village_a1, today, content="修路", category="infrastructure")
    add(tree.village_a2, today, content="看病难", category="health")
    client = login(township_admin)
    url = reverse("ledger:request_list")
    assert 'id="request-table"' in client.get(url).content.decode()
    body = client.get(url, {"category": "health"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body and 'id="request-filter"' not in body
    assert "看病难" in body and "修路" not in body


def test_personal_data_in_scope_only(login, lamp, paired, township_admin, county_admin,
                                     unit_contact, talent, leader, village_secretary, today):
    for user in (township_admin, county_admin):
        body = login(user).get(reverse("ledger:request_list")).content.decode()
        assert NAME in body
        body = login(user).get(reverse("ledger:request_detail", args=[lamp.pk])).content.decode()
        assert NAME in body and PHONE in body
    for user in (unit_contact, talent, leader):
        client = login(user)
        assert client.get(reverse("ledger:request_detail", args=[lamp.pk])).status_code == 404
        assert client.get(reverse("ledger:request_list")).status_code == 403
        assert client.get(reverse("ledger:request_daily")).status_code == 403
    # Published as a need, the request's content reaches the unit, its raiser does not.
    response = login(village_secretary).post(
        reverse("ledger:request_publish", args=[lamp.pk]),
        {"kind": "small_service", "title": "修路灯", "description": lamp.content,
         "deadline": (today + datetime.timedelta(days=14)).isoformat(), "places": 1})
    assert response.status_code == 302
    need = Need.objects.get()
    body = login(unit_contact).get(reverse("pairing:need_detail", args=[need.pk]))
    assert body.status_code == 200
    text = body.content.decode()
    assert "修路灯" in text and NAME not in text and PHONE not in text


def test_publish_page_prefills_links_and_refuses_twice(login, lamp, village_secretary, today):
    client = login(village_secretary)
    url = reverse("ledger:request_publish", args=[lamp.pk])
    form = client.get(url).context["form"]
    assert form.initial["title"] == "路灯坏了" and form.initial["places"] == 1
    assert form.initial["deadline"] == today + datetime.timedelta(days=14)
    response = client.post(url, {"kind": "need", "title": "修路灯", "description": "路灯坏了",
                                 "deadline": form.initial["deadline"].isoformat(),
                                 "places": 2})
    assert response.status_code == 302
    lamp.refresh_from_db()
    assert lamp.status == RequestStatus.PUBLISHED and lamp.need.places == 2
    detail = client.get(reverse("ledger:request_detail", args=[lamp.pk])).content.decode()
    assert reverse("pairing:need_detail", args=[lamp.need_id]) in detail
    again = client.get(url)
    assert again.status_code == 302 and Need.objects.count() == 1
    assert client.post(url, {"kind": "need", "title": "再发", "description": "x",
                             "deadline": today.isoformat(), "places": 1}).status_code == 302
    assert Need.objects.count() == 1


def test_judge_and_resolve_from_the_pages(login, lamp, village_secretary, township_admin):
    client = login(village_secretary)
    daily = reverse("ledger:request_daily")
    response = client.post(reverse("ledger:request_judge", args=[lamp.pk]),
                           {"judgement": "属实，本周维修", "next": daily})
    assert response.status_code == 302 and response["Location"] == daily
    lamp.refresh_from_db()
    assert lamp.status == RequestStatus.JUDGED and lamp.judgement == "属实，本周维修"
    assert login(township_admin).post(reverse("ledger:request_resolve", args=[lamp.pk])) \
        .status_code == 403
    client = login(village_secretary)
    client.post(reverse("ledger:request_resolve", args=[lamp.pk]), {"note": "已修好"})
    lamp.refresh_from_db()
    assert lamp.status == RequestStatus.RESOLVED


def test_daily_groups_by_category_and_lists_the_backlog(login, village_secretary, tree, today):
    yesterday = today - datetime.timedelta(days=1)
    add(tree.village_a1, today, category="health", content="义诊")
    add(tree.village_a1, today, category="health", content="买药", status="judged")
    add(tree.village_a1, today, category="production", content="茶叶")
    add(tree.village_a1, yesterday, category="other", content="昨天的")
    add(tree.village_a2, today, category="other", content="石桥村")  # not this secretary's
    client = login(village_secretary)
    response = client.get(reverse("ledger:request_daily"))
    assert response.context["by_category"] == [("生产发展", 1), ("医疗健康", 2)]
    assert response.context["day_total"] == 3
    assert sorted(r.content for r in response.context["pending"]) == ["义诊", "昨天的", "茶叶"]
    assert response.context["pending_total"] == 3
    assert all(r.can_change for r in response.context["pending"])
    response = client.get(reverse("ledger:request_daily"), {"date": yesterday.isoformat()})
    assert response.context["by_category"] == [("其他", 1)]
    assert [r.content for r in response.context["pending"]] == ["昨天的"]
    future = client.get(reverse("ledger:request_daily"),
                        {"date": (today + datetime.timedelta(days=3)).isoformat()})
    assert future.status_code == 200 and future.context["day"] == today
    assert client.get(reverse("ledger:request_daily"), {"date": "x"}).status_code == 200


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["village_secretary", "township_admin", "county_admin"])
def test_queries_do_not_grow(persona, request, client, tree, today, village_secretary):
    user = request.getfixturevalue(persona)
    second = UserFactory(username="second_secretary")  # two villages: the village column shows
    grant(second, tree.village_a2, "village_secretary")
    client.force_login(user)
    pages = [(reverse("ledger:request_list"), None),
             (reverse("ledger:request_list"), {"status": "published", "q": "诉求"}),
             (reverse("ledger:request_daily"), None)]
    client.get(pages[0][0])  # session warm

    def seed(start, count):
        for i in range(start, start + count):
            village = tree.village_a1 if i % 2 else tree.village_a2
            need = Need.objects.create(village_org=village, title=f"需求{i}", description="-",
                                       deadline=today, places=1)
            add(village, today - datetime.timedelta(days=i % 3), content=f"诉求{i}",
                category=["health", "other", "production"][i % 3],
                status="published" if i % 2 else "pending", need=need if i % 2 else None)

    seed(0, 6)  # every village has requests of every kind today
    small = [_count(client, url, params) for url, params in pages]
    seed(6, 60)
    large = [_count(client, url, params) for url, params in pages]
    assert small == large
