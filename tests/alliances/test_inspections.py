"""Cross-inspection (交叉检查): round generation and its assignment in the database, results,
rectifications and their closure (services); pages for scope (404), capability (403), the
member village's read-only view, bad input and flat query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.assignment import assign_inspections
from alliances.models import (
    Alliance,
    AllianceType,
    Inspection,
    InspectionRound,
    Membership,
    Rectification,
)
from alliances.services.inspections import (
    do_add_rectification,
    do_close_rectification,
    do_create_round,
    do_record_inspection,
)
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

TYPES = ("red", "green", "blue")


def build_alliances(owner, count=3, members=(), name_prefix=None):
    """`count` open alliances owned by `owner`; `members` orgs join the first one."""
    types = list(AllianceType.objects.filter(code__in=TYPES).order_by("order"))
    prefix = name_prefix or owner.name
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"{prefix}联盟{i + 1:02d}", kind="area" if i else "core",
                 type=types[i % len(types)], owner=owner, founded=datetime.date(2026, 1, 1))
        for i in range(count))
    Membership.objects.bulk_create(
        Membership(alliance=alliances[0], org=org, joined_on=datetime.date(2026, 1, 1))
        for org in members)
    return alliances


def build_round(tree, actor, count=3, seed=7):
    """A round in 青山镇 over `count` alliances, 青山村 a member of the first."""
    build_alliances(tree.town_a, count, members=[tree.village_a1])
    return do_create_round(actor=actor, owner=tree.town_a, title="2026年上半年交叉检查",
                           due=timezone.localdate() + datetime.timedelta(days=30), seed=seed)


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def code_of(excinfo):
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [error.code]


def create(actor, owner, **kwargs):
    return do_create_round(actor=actor, owner=owner, **{"title": "交叉检查", "due": days(30),
                                                        **kwargs})


# --- services -------------------------------------------------------------------------------

def test_round_assigns_every_open_alliance_of_the_owner_once(tree, township_admin):
    mine = build_alliances(tree.town_a, 6)
    closed = build_alliances(tree.town_a, 1, name_prefix="已结束")[0]
    Alliance.objects.filter(pk=closed.pk).update(closed_at=days(-1))
    build_alliances(tree.town_b, 3)
    inspection_round = create(township_admin, tree.town_a, seed=2026)
    pairs = dict(inspection_round.inspections.values_list("inspector_id", "inspected_id"))
    ids = sorted(a.pk for a in mine)
    assert sorted(pairs) == ids and sorted(pairs.values()) == ids
    assert all(a != b for a, b in pairs.items())
    assert all(pairs[b] != a for a, b in pairs.items()), "no mutual pair with 6 alliances"
    assert pairs == assign_inspections(ids, 2026), "reproducible from the stored seed"
    assert inspection_round.seed == 2026 and inspection_round.created_by == township_admin
    event = AuditEvent.objects.get(data__inspection_round=inspection_round.pk)
    assert event.data["seed"] == 2026 and "6个联盟" in event.summary


def test_seed_is_random_when_not_given_and_stored(tree, township_admin):
    build_alliances(tree.town_a, 4)
    inspection_round = create(township_admin, tree.town_a)
    inspection_round.refresh_from_db()
    pairs = dict(inspection_round.inspections.values_list("inspector_id", "inspected_id"))
    assert 1 <= inspection_round.seed <= 2**31 - 1
    assert pairs == assign_inspections(list(pairs), inspection_round.seed)


def test_two_alliances_inspect_each_other(tree, township_admin):
    a, b = build_alliances(tree.town_a, 2)
    pairs = dict(create(township_admin, tree.town_a).inspections
                 .values_list("inspector_id", "inspected_id"))
    assert pairs == {a.pk: b.pk, b.pk: a.pk}


@pytest.mark.parametrize("open_count", [0, 1])
def test_fewer_than_two_open_alliances_is_refused(tree, township_admin, open_count):
    build_alliances(tree.town_a, open_count)
    closed = build_alliances(tree.town_a, 1, name_prefix="已结束")[0]
    Alliance.objects.filter(pk=closed.pk).update(closed_at=days(-1))
    with pytest.raises(ValidationError) as excinfo:
        create(township_admin, tree.town_a)
    assert code_of(excinfo) == ["too_few"]
    assert not InspectionRound.objects.exists() and not Inspection.objects.exists()


def test_round_needs_inspection_manage_on_the_owner_before_any_state(
        tree, township_admin, village_secretary, leader):
    build_alliances(tree.town_a, 3, members=[tree.village_a1])
    with pytest.raises(PermissionDenied):
        create(township_admin, tree.town_b)  # another township (with no alliances)
    for actor in (village_secretary, leader):
        with pytest.raises(PermissionDenied):
            create(actor, tree.town_a, due=days(-5))
    assert not InspectionRound.objects.exists()


def test_round_rules_carry_codes(tree, county_admin):
    build_alliances(tree.town_a, 3)
    for kwargs, code in [({"due": days(-1)}, "due"), ({"title": "  "}, "title"),
                         ({"seed": 2**31}, "seed")]:
        with pytest.raises(ValidationError) as excinfo:
            create(county_admin, tree.town_a, **kwargs)
        assert code_of(excinfo) == [code]
    with pytest.raises(ValidationError) as excinfo:
        create(county_admin, tree.village_a1)
    assert code_of(excinfo) == ["owner"]


def test_county_round_takes_the_county_alliances(tree, county_admin):
    task = build_alliances(tree.county, 3, name_prefix="县级任务")
    build_alliances(tree.town_a, 2)
    inspection_round = create(county_admin, tree.county)
    assert set(inspection_round.inspections.values_list("inspector_id", flat=True)) == \
        {a.pk for a in task}


def test_record_inspection(tree, township_admin, village_secretary):
    inspection = build_round(tree, township_admin).inspections.first()
    with pytest.raises(PermissionDenied):
        do_record_inspection(inspection, actor=village_secretary, inspected_on=today(),
                             score=Decimal("101"))
    for kwargs, code in [({"score": Decimal("100.5")}, "score"),
                         ({"score": Decimal("-1")}, "score"),
                         ({"inspected_on": days(1)}, "date")]:
        with pytest.raises(ValidationError) as excinfo:
            do_record_inspection(inspection, actor=township_admin,
                                 **{"inspected_on": today(), "score": Decimal("80"), **kwargs})
        assert code_of(excinfo) == [code]
    saved = do_record_inspection(inspection, actor=township_admin, inspected_on=days(-2),
                                 score=Decimal("92.5"), findings="  台账规范  ")
    saved.refresh_from_db()
    assert (saved.score, saved.findings, saved.inspected_on, saved.recorded_by) == (
        Decimal("92.5"), "台账规范", days(-2), township_admin)
    assert AuditEvent.objects.filter(data__inspection=saved.pk, action="update").exists()


def test_rectifications_are_added_and_closed_once(tree, township_admin, leader):
    inspection = build_round(tree, township_admin).inspections.first()
    do_record_inspection(inspection, actor=township_admin, inspected_on=days(-3),
                         score=Decimal("70"))
    inspection.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        do_add_rectification(inspection, actor=township_admin, item="x", deadline=days(-4))
    assert code_of(excinfo) == ["deadline"]
    with pytest.raises(ValidationError) as excinfo:
        do_add_rectification(inspection, actor=township_admin, item=" ", deadline=days(5))
    assert code_of(excinfo) == ["item"]
    with pytest.raises(PermissionDenied):
        do_add_rectification(inspection, actor=leader, item="学习记录", deadline=days(5))
    item = do_add_rectification(inspection, actor=township_admin, item="补齐学习记录",
                                deadline=days(-3))  # the inspection day is allowed
    with pytest.raises(ValidationError) as excinfo:
        do_close_rectification(item, actor=township_admin, note="")
    assert code_of(excinfo) == ["note"]
    closed = do_close_rectification(item, actor=township_admin, note="已补齐")
    assert closed.closed_at and closed.closed_by == township_admin
    with pytest.raises(PermissionDenied):  # permission before state
        do_close_rectification(item, actor=leader, note="再次")
    with pytest.raises(ValidationError) as excinfo:
        do_close_rectification(item, actor=township_admin, note="再次")
    assert code_of(excinfo) == ["closed"]
    assert Rectification.objects.get().closing_note == "已补齐"
    assert AuditEvent.objects.filter(data__rectification=item.pk).count() == 2


# --- pages ----------------------------------------------------------------------------------

def test_member_village_reads_the_round_but_may_not_change_it(
        tree, township_admin, village_secretary, login):
    inspection_round = build_round(tree, township_admin)
    inspection = inspection_round.inspections.first()
    client = login(village_secretary)
    page = client.get(reverse("alliances:round_detail", args=[inspection_round.pk]))
    assert page.status_code == 200 and inspection.inspector.name in page.content.decode()
    detail = client.get(reverse("alliances:inspection_detail", args=[inspection.pk]))
    assert detail.status_code == 200
    assert reverse("alliances:inspection_record", args=[inspection.pk]) not in \
        detail.content.decode()
    response = client.post(reverse("alliances:inspection_record", args=[inspection.pk]),
                           {"inspected_on": today().isoformat(), "score": "99"})
    assert response.status_code == 403
    inspection.refresh_from_db()
    assert inspection.score is None


def test_other_township_gets_404(tree, township_admin, other_village_secretary, login):
    inspection_round = build_round(tree, township_admin)
    client = login(other_village_secretary)
    assert client.get(reverse("alliances:round_detail", args=[inspection_round.pk])
                      ).status_code == 404
    listing = client.get(reverse("alliances:round_list"))
    assert listing.status_code == 200 and inspection_round.title not in \
        listing.content.decode()


def test_create_round_page(tree, township_admin, login):
    client = login(township_admin)
    url = reverse("alliances:round_create")
    data = {"owner": tree.town_a.pk, "title": "上半年检查", "due": days(20).isoformat(),
            "seed": "11"}
    response = client.post(url, data)
    assert response.status_code == 200 and "不足两个" in response.content.decode()
    build_alliances(tree.town_a, 3)
    assert "在册联盟3个" in client.get(url).content.decode()
    response = client.post(url, {**data, "owner": tree.town_b.pk})
    assert response.status_code == 200 and not InspectionRound.objects.exists()
    response = client.post(url, data)
    created = InspectionRound.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.seed == 11 and created.inspections.count() == 3


def test_record_page_keeps_input_on_error(tree, township_admin, login):
    inspection = build_round(tree, township_admin).inspections.first()
    client = login(township_admin)
    url = reverse("alliances:inspection_record", args=[inspection.pk])
    response = client.post(url, {"inspected_on": today().isoformat(), "score": "120",
                                 "findings": "阵地建设规范"})
    assert response.status_code == 200 and "阵地建设规范" in response.content.decode()
    response = client.post(url, {"inspected_on": "not-a-date", "score": "abc"})
    assert response.status_code == 200
    response = client.post(url, {"inspected_on": today().isoformat(), "score": "88.5",
                                 "findings": "阵地建设规范"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.score == Decimal("88.5")


def test_rectification_pages_and_overdue_highlight(tree, township_admin, login):
    inspection_round = build_round(tree, township_admin)
    inspection = inspection_round.inspections.first()
    client = login(township_admin)
    add = reverse("alliances:rectification_add", args=[inspection.pk])
    response = client.post(add, {"item": "补齐台账", "deadline": "2026-13-40"}, follow=True)
    assert "未能添加整改事项" in response.content.decode() and not Rectification.objects.exists()
    client.post(add, {"item": "补齐台账", "deadline": today().isoformat()})
    item = Rectification.objects.get()
    Rectification.objects.filter(pk=item.pk).update(deadline=days(-1))
    detail = client.get(reverse("alliances:inspection_detail", args=[inspection.pk]))
    html = detail.content.decode()
    assert "list-group-item-danger" in html and "逾期" in html and "data-confirm" in html
    round_page = client.get(reverse("alliances:round_detail", args=[inspection_round.pk]))
    assert "逾期 1" in round_page.content.decode()
    close = reverse("alliances:rectification_close", args=[item.pk])
    response = client.post(close, {"note": ""}, follow=True)
    assert "请填写整改情况" in response.content.decode()
    response = client.post(close, {"note": "已补齐"})
    assert response.status_code == 302 and response["Location"].endswith("#rectifications")
    item.refresh_from_db()
    assert item.closed_at is not None
    assert "已销号" in client.get(reverse("alliances:inspection_detail",
                                       args=[inspection.pk])).content.decode()


def test_empty_round_list(township_admin, login):
    html = login(township_admin).get(reverse("alliances:round_list")).content.decode()
    assert "还没有交叉检查轮次" in html and reverse("alliances:round_create") in html


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_items(inspections, per_inspection):
    Rectification.objects.bulk_create(
        Rectification(inspection=inspection, item=f"整改{i}", deadline=days(i - 1))
        for inspection in inspections for i in range(per_inspection))


def test_round_pages_keep_their_query_count(tree, township_admin, county_admin, login):
    small = build_round(tree, county_admin, count=3)
    add_items(small.inspections.all(), 1)
    big_alliances = build_alliances(tree.town_b, 30)
    big = create(county_admin, tree.town_b)
    add_items(big.inspections.all(), 4)
    client = login(county_admin)
    detail = "alliances:round_detail"
    assert queries(client, reverse(detail, args=[small.pk])) == \
        queries(client, reverse(detail, args=[big.pk]))
    one = queries(client, reverse("alliances:round_list"))
    for i in range(20):
        build_alliances(tree.town_b, 2, name_prefix=f"批次{i}")
        InspectionRound.objects.create(owner=tree.town_b, title=f"第{i}轮", due=days(3))
    assert queries(client, reverse("alliances:round_list")) == one
    small_item = reverse("alliances:inspection_detail", args=[small.inspections.first().pk])
    big_inspection = big.inspections.first()
    add_items([big_inspection], 15)
    assert queries(client, small_item) == queries(
        client, reverse("alliances:inspection_detail", args=[big_inspection.pk]))
    assert len(big_alliances) == 30
