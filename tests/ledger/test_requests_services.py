"""Villagers' requests in the services: record, judge, resolve, publish as a need (once)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger.models import RequestStatus, ResidentRequest
from ledger.services import requests as services
from pairing.models import Need


def new_request(village, day, **fields):
    return ResidentRequest(village_org=village, date=day,
                           category=fields.pop("category", "production"),
                           content=fields.pop("content", "村里茶叶销路不畅，希望有人教直播带货"),
                           **fields)


@pytest.fixture
def recorded(tree, today, village_secretary):
    return services.do_record_request(
        new_request(tree.village_a1, today, raised_by="张大爷", raised_by_phone="13800001111"),
        actor=village_secretary)


def test_record_sets_recorder_and_pending(recorded, village_secretary):
    assert recorded.pk and recorded.status == RequestStatus.PENDING
    assert recorded.recorded_by == village_secretary


@pytest.mark.parametrize("fields, field", [
    ({"raised_by_phone": "12345"}, "raised_by_phone"),
    ({"content": "   "}, "content"),
])
def test_record_refuses_bad_input(tree, today, village_secretary, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.do_record_request(new_request(tree.village_a1, today, **fields),
                                   actor=village_secretary)
    assert field in exc.value.error_dict
    assert not ResidentRequest.objects.exists()


def test_record_refuses_future_date(tree, today, village_secretary):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.do_record_request(
            new_request(tree.village_a1, today + datetime.timedelta(days=1)),
            actor=village_secretary)


def test_record_needs_resident_change_on_the_village(tree, today, village_secretary,
                                                     township_admin):
    with pytest.raises(PermissionDenied):
        services.do_record_request(new_request(tree.village_b1, today), actor=village_secretary)
    with pytest.raises(PermissionDenied):  # the township reads, the village records
        services.do_record_request(new_request(tree.village_a1, today), actor=township_admin)


def test_judge(recorded, village_secretary):
    judged = services.do_judge_request(recorded, actor=village_secretary,
                                       judgement="属实，联系结对单位")
    assert judged.status == RequestStatus.JUDGED and judged.judged_by == village_secretary
    assert judged.judged_at is not None
    recorded.refresh_from_db()
    assert recorded.judgement == "属实，联系结对单位"
    with pytest.raises(ValidationError, match="研判意见"):
        services.do_judge_request(recorded, actor=village_secretary, judgement="  ")


def test_judge_needs_the_village(recorded, township_admin, other_village_secretary):
    for actor in (township_admin, other_village_secretary):
        with pytest.raises(PermissionDenied):
            services.do_judge_request(recorded, actor=actor, judgement="x")
    recorded.refresh_from_db()
    assert recorded.status == RequestStatus.PENDING


def test_publish_as_need_keeps_the_link_and_refuses_twice(recorded, village_secretary, today):
    defaults = services.need_defaults(recorded, today)
    assert defaults["deadline"] == today + datetime.timedelta(days=14)
    assert defaults["places"] == 1 and len(defaults["title"]) <= 30
    assert "张大爷" not in defaults["description"]
    published = services.do_publish_request_as_need(
        recorded, actor=village_secretary, kind="small_service", **defaults)
    need = Need.objects.get()
    assert published.need == need and published.status == RequestStatus.PUBLISHED
    assert need.village_org == recorded.village_org and need.created_by == village_secretary
    assert need.kind == "small_service" and need.resident_request == published
    assert "张大爷" not in need.title + need.description
    assert "13800001111" not in need.title + need.description
    with pytest.raises(ValidationError, match="不能重复发布"):
        services.do_publish_request_as_need(recorded, actor=village_secretary, kind="need",
                                             **defaults)
    assert Need.objects.count() == 1


def test_failed_publish_leaves_nothing_half_written(recorded, village_secretary, today):
    with pytest.raises(ValidationError):
        services.do_publish_request_as_need(
            recorded, actor=village_secretary, kind="need", title="",
            description="x", deadline=today + datetime.timedelta(days=3))
    with pytest.raises(ValidationError):  # deadline in the past: refused by pairing's service
        services.do_publish_request_as_need(
            recorded, actor=village_secretary, kind="need", title="修路",
            description="x", deadline=today - datetime.timedelta(days=1))
    recorded.refresh_from_db()
    assert recorded.need is None and recorded.status == RequestStatus.PENDING
    assert not Need.objects.exists()


def test_publish_needs_the_village(recorded, township_admin, today):
    with pytest.raises(PermissionDenied):
        services.do_publish_request_as_need(
            recorded, actor=township_admin, kind="need",
            **services.need_defaults(recorded, today))
    assert not Need.objects.exists()


def test_resolve_then_no_publish(recorded, village_secretary, today):
    resolved = services.do_resolve_request(recorded, actor=village_secretary, note="已协调解决")
    assert resolved.status == RequestStatus.RESOLVED and "已协调解决" in resolved.judgement
    with pytest.raises(ValidationError, match="已办结"):
        services.do_resolve_request(recorded, actor=village_secretary)
    with pytest.raises(ValidationError, match="已办结"):
        services.do_publish_request_as_need(recorded, actor=village_secretary, kind="need",
                                            **services.need_defaults(recorded, today))
    with pytest.raises(ValidationError):
        services.do_judge_request(recorded, actor=village_secretary, judgement="再看看")
