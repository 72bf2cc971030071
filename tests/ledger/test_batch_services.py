"""Batch confirm/return, batch reopening, batch report filing, and 补录申请 (request, grant,
refuse): each goes through the single-object service, all of them or none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ledger.models import (
    Activity,
    ActivityStatus,
    MonthReopening,
    ReopenRequest,
    ReopenRequestStatus,
    ReportStatus,
    TownshipReport,
)
from ledger.services import activities as services
from ledger.services import locks
from ledger.services.reports import do_file_reports
from portal.models import AuditEvent


def make(org, day, theme, status=ActivityStatus.SUBMITTED, title="入户走访"):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status, title=title,
                                   content="走访困难群众")


def test_confirm_several_writes_one_audit_row_each(tree, theme, today, township_admin):
    rows = [make(tree.village_a1, today, theme, title=f"活动{n}") for n in range(3)]
    before = AuditEvent.objects.count()
    done = services.do_confirm_activities(rows, actor=township_admin)
    assert [a.status for a in done] == [ActivityStatus.CONFIRMED] * 3
    assert set(Activity.objects.values_list("status", flat=True)) == {ActivityStatus.CONFIRMED}
    assert AuditEvent.objects.count() == before + 3


def test_one_refusal_keeps_none_and_names_the_activity(tree, theme, today, township_admin):
    good = make(tree.village_a1, today, theme, title="好的")
    draft = make(tree.village_a2, today, theme, status=ActivityStatus.DRAFT, title="草稿活动")
    with pytest.raises(ValidationError) as caught:
        services.do_confirm_activities([good, draft], actor=township_admin)
    assert caught.value.code == "state"
    assert "石桥村 草稿活动" in caught.value.messages[0]
    good.refresh_from_db()
    assert good.status == ActivityStatus.SUBMITTED


def test_another_townships_activity_is_refused(tree, theme, today, township_admin):
    mine = make(tree.village_a1, today, theme)
    theirs = make(tree.village_b1, today, theme)
    with pytest.raises(PermissionDenied):
        services.do_confirm_activities([mine, theirs], actor=township_admin)
    mine.refresh_from_db()
    assert mine.status == ActivityStatus.SUBMITTED


def test_return_several_needs_one_reason(tree, theme, today, township_admin):
    rows = [make(tree.village_a1, today, theme), make(tree.village_a2, today, theme)]
    with pytest.raises(ValidationError):
        services.do_return_activities(rows, actor=township_admin, reason="  ")
    done = services.do_return_activities(rows, actor=township_admin, reason="缺少活动照片")
    assert {a.return_reason for a in done} == {"缺少活动照片"}
    assert set(Activity.objects.values_list("status", flat=True)) == {ActivityStatus.RETURNED}


def test_village_secretary_cannot_batch_confirm(tree, theme, today, village_secretary):
    with pytest.raises(PermissionDenied):
        services.do_confirm_activities([make(tree.village_a1, today, theme)],
                                       actor=village_secretary)


def test_reopen_several_orgs_at_once(tree, closed_day, township_admin):
    done = locks.do_reopen_months([tree.village_a1, tree.village_a2], closed_day.year,
                                  closed_day.month, actor=township_admin, reason="系统故障")
    assert {r.org for r in done} == {tree.village_a1, tree.village_a2}
    assert not locks.month_is_locked(tree.village_a2, closed_day.year, closed_day.month)


def test_reopen_several_is_all_or_nothing_across_townships(tree, closed_day, township_admin):
    with pytest.raises(PermissionDenied):
        locks.do_reopen_months([tree.village_a1, tree.village_b1], closed_day.year,
                               closed_day.month, actor=township_admin, reason="系统故障")
    assert not MonthReopening.objects.exists()


def test_request_grant_opens_the_month(tree, theme, closed_day, village_secretary,
                                       township_admin):
    activity = make(tree.village_a1, closed_day, theme, status=ActivityStatus.RETURNED)
    request = locks.do_request_reopen(tree.village_a1, closed_day.year, closed_day.month,
                                      actor=village_secretary, reason="补充照片",
                                      activity=activity)
    assert request.status == ReopenRequestStatus.PENDING
    with pytest.raises(ValidationError) as caught:
        locks.do_request_reopen(tree.village_a1, closed_day.year, closed_day.month,
                                actor=village_secretary, reason="再申请")
    assert caught.value.code == "duplicate"
    with pytest.raises(PermissionDenied):
        locks.do_grant_reopen_request(request, actor=village_secretary)
    granted = locks.do_grant_reopen_request(request, actor=township_admin)
    assert granted.status == ReopenRequestStatus.GRANTED
    assert granted.reopening.org == tree.village_a1
    assert granted.handled_by == township_admin
    assert not locks.month_is_locked(tree.village_a1, closed_day.year, closed_day.month)
    with pytest.raises(ValidationError):
        locks.do_grant_reopen_request(request, actor=township_admin)


def test_grant_rolls_back_when_the_reopen_service_refuses(tree, today, village_secretary,
                                                          township_admin, settings):
    day = today.replace(day=1) - datetime.timedelta(days=70)
    request = locks.do_request_reopen(tree.village_a1, day.year, day.month,
                                      actor=village_secretary, reason="补录")
    settings.LEDGER_CLOSE_DAY = 31  # the month closes later: nothing to reopen any more
    ReopenRequest.objects.filter(pk=request.pk).update(year=today.year, month=today.month)
    with pytest.raises(ValidationError):
        locks.do_grant_reopen_request(request, actor=township_admin)
    request.refresh_from_db()
    assert request.status == ReopenRequestStatus.PENDING
    assert not MonthReopening.objects.exists()


def test_refuse_needs_a_note(tree, closed_day, village_secretary, township_admin):
    request = locks.do_request_reopen(tree.village_a1, closed_day.year, closed_day.month,
                                      actor=village_secretary, reason="补录")
    with pytest.raises(ValidationError):
        locks.do_refuse_reopen_request(request, actor=township_admin, note="")
    refused = locks.do_refuse_reopen_request(request, actor=township_admin, note="已超期太久")
    assert (refused.status, refused.note) == (ReopenRequestStatus.REFUSED, "已超期太久")
    assert locks.month_is_locked(tree.village_a1, closed_day.year, closed_day.month)


def test_request_refused_for_an_open_month_or_another_village(tree, today, village_secretary):
    with pytest.raises(ValidationError) as caught:
        locks.do_request_reopen(tree.village_a1, today.year, today.month,
                                actor=village_secretary, reason="补录")
    assert caught.value.code == "state"
    with pytest.raises(PermissionDenied):
        locks.do_request_reopen(tree.village_b1, today.year, today.month,
                                actor=village_secretary, reason="补录")


def test_file_several_reports(tree, county_admin):
    reports = [TownshipReport.objects.create(township=t, year=2025, half=2,
                                             status=ReportStatus.SUBMITTED,
                                             submitted_at=timezone.now())
               for t in (tree.town_a, tree.town_b)]
    done = do_file_reports(reports, actor=county_admin)
    assert {r.status for r in done} == {ReportStatus.FILED}
    draft = TownshipReport.objects.create(township=tree.town_a, year=2025, half=1)
    with pytest.raises(ValidationError):
        do_file_reports([draft], actor=county_admin)
