"""The township half-year report: compiled figures, the write → submit → file/return workflow,
scope in the services, and figures frozen once filed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    Participation,
    ReportStatus,
    ResidentRequest,
    TownshipReport,
)
from ledger.services import reports as services
from ledger.summaries import report_overview, township_report_figures
from pairing.models import Claim, ClaimStatus, JointMeeting, Need, Pairing
from portal.models import AuditEvent

TEXT = {"summary": "上半年共开展活动两次。", "problems": "个别村活动偏少。",
        "next_steps": "加强调度。"}


def activity(org, day, code="serve_masses", status=ActivityStatus.SUBMITTED, people=(),
             **fields):
    row = Activity.objects.create(org=org, date=day, theme=ActivityTheme.objects.get(code=code),
                                  title="活动", content="内容", status=status, **fields)
    for person in people:
        Participation.objects.create(activity=row, person=person)
    return row


@pytest.fixture
def period(today):
    """Last year's second half: a finished period, whatever today is."""
    return today.year - 1, 2


@pytest.fixture
def ledger_data(tree, people, period, township_admin):
    year, _ = period
    aug, sep = datetime.date(year, 8, 10), datetime.date(year, 9, 3)
    activity(tree.village_a1, aug, people=[people.a1, people.unit], funds=1500, beneficiaries=30)
    activity(tree.village_a1, sep, code="branch_cobuild", people=[people.a1])
    activity(tree.village_a2, sep, status=ActivityStatus.CONFIRMED, people=[people.unit])
    activity(tree.village_a2, aug, status=ActivityStatus.DRAFT, people=[people.a2])  # not counted
    activity(tree.village_a2, aug, status=ActivityStatus.RETURNED)  # not counted
    activity(tree.village_b1, aug, people=[people.b1])  # another township
    activity(tree.village_a1, datetime.date(year, 5, 1))  # first half
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(year, 1, 1))
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a2,
                           since=datetime.date(year, 1, 1))
    JointMeeting.objects.create(pairing=pairing, year=year, half=2, date=sep, place="村部",
                                attendees="双方", topics="年度计划")
    for title, claim_status in (("培训", ClaimStatus.CONFIRMED), ("修路", ClaimStatus.CLAIMED),
                                ("义诊", None)):
        need = Need.objects.create(village_org=tree.village_a1, title=title, description="-",
                                   deadline=sep, places=2)
        if claim_status:
            Claim.objects.create(need=need, claimant=township_admin, status=claim_status)
    Need.objects.update(created_at=datetime.datetime(year, 8, 1, 12, tzinfo=datetime.UTC))
    ResidentRequest.objects.create(village_org=tree.village_a2, date=aug, category="other",
                                   content="x", status="resolved")


def test_figures_are_compiled_from_the_ledger(tree, period, ledger_data, today):
    figures = township_report_figures(tree.town_a, *period, today=today)
    assert figures["villages"] == 2
    assert figures["activities"] == 3  # drafts, returned, other township, other half excluded
    assert figures["by_theme"] == [{"theme": "支部共建", "count": 1},
                                   {"theme": "服务群众", "count": 2}]
    assert figures["participations"] == 4 and figures["people"] == 2
    assert figures["talents_active"] == 1
    assert figures["funds"] == "1500.00" and figures["beneficiaries"] == 30
    silent = {row["month"]: row for row in figures["silent_by_month"]}
    assert list(silent) == [7, 8, 9, 10, 11, 12]
    assert silent[8]["villages"] == ["石桥村"] and silent[9]["count"] == 0
    assert silent[7]["villages"] == ["青山村", "石桥村"] and not silent[7]["future"]
    assert figures["needs"] == {"published": 3, "claimed": 2, "confirmed": 1}
    assert figures["pairings"] == 2 and figures["meetings_held"] == 1
    assert figures["pairings_met"] == 1
    assert figures["requests"] == {"received": 1, "published": 0, "resolved": 1}
    overview = dict(report_overview(figures))
    assert overview["开展活动"] == "3次" and overview["投入资金"] == "¥1,500.00"


def test_months_not_yet_begun_are_not_silent(tree, today):
    year, half = services.current_half(today)
    figures = township_report_figures(tree.town_a, year, half, today=today)
    for row in figures["silent_by_month"]:
        assert row["future"] == (row["month"] > today.month)
        if row["future"]:
            assert row["villages"] == []


def test_workflow_save_submit_return_resubmit_file(tree, people, period, ledger_data,
                                                   township_admin, county_admin):
    report = services.do_save_report(tree.town_a, *period, actor=township_admin,
                                     summary="草稿")
    assert report.status == ReportStatus.DRAFT and report.figures["activities"] == 3
    with pytest.raises(ValidationError) as exc:  # all three texts are required to submit
        services.do_submit_report(tree.town_a, *period, actor=township_admin)
    assert set(exc.value.error_dict) == {"problems", "next_steps"}

    # A new counted activity shows up on the next save: figures stay live until filed.
    activity(tree.village_a2, datetime.date(period[0], 10, 9))
    report = services.do_submit_report(tree.town_a, *period, actor=township_admin, **TEXT)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at
    assert report.figures["activities"] == 4
    with pytest.raises(ValidationError):
        services.do_save_report(tree.town_a, *period, actor=township_admin, summary="改")

    with pytest.raises(ValidationError, match="原因"):
        services.do_return_report(report, actor=county_admin, reason=" ")
    report = services.do_return_report(report, actor=county_admin, reason="数据说明不足")
    assert report.status == ReportStatus.RETURNED and report.return_reason == "数据说明不足"
    report = services.do_submit_report(tree.town_a, *period, actor=township_admin,
                                       summary="补充说明")
    assert report.status == ReportStatus.SUBMITTED and report.return_reason == ""

    filed = services.do_file_report(report, actor=county_admin)
    assert filed.status == ReportStatus.FILED and filed.filed_by == county_admin
    assert AuditEvent.objects.filter(summary__contains="备案青山镇").exists()
    assert TownshipReport.objects.count() == 1


def test_filed_is_read_only_and_figures_frozen(tree, period, ledger_data, township_admin,
                                               county_admin):
    services.do_submit_report(tree.town_a, *period, actor=township_admin, **TEXT)
    report = services.do_file_report(TownshipReport.objects.get(), actor=county_admin)
    frozen = report.figures
    activity(tree.village_a2, datetime.date(period[0], 11, 2))
    for action in (services.do_save_report, services.do_submit_report):
        with pytest.raises(ValidationError, match="已备案"):
            action(tree.town_a, *period, actor=township_admin, **TEXT)
    with pytest.raises(ValidationError):
        services.do_file_report(report, actor=county_admin)
    with pytest.raises(ValidationError):
        services.do_return_report(report, actor=county_admin, reason="再改")
    report.refresh_from_db()
    assert report.figures == frozen and report.figures["activities"] == 3
    assert report.status == ReportStatus.FILED and report.summary == TEXT["summary"]


def test_scope_in_the_services(tree, period, township_admin, county_admin, leader):
    for actor, township in ((township_admin, tree.town_b), (county_admin, tree.town_a),
                            (leader, tree.town_a)):
        with pytest.raises(PermissionDenied):
            services.do_save_report(township, *period, actor=actor, **TEXT)
    report = services.do_submit_report(tree.town_a, *period, actor=township_admin, **TEXT)
    for actor in (township_admin, leader):
        with pytest.raises(PermissionDenied):
            services.do_file_report(report, actor=actor)
        with pytest.raises(PermissionDenied):
            services.do_return_report(report, actor=actor, reason="x")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_no_report_for_a_half_not_begun_or_a_village(tree, today, township_admin):
    year, half = services.current_half(today)
    future = (year + 1, 1) if half == 2 else (year, 2)
    with pytest.raises(ValidationError, match="尚未开始"):
        services.do_save_report(tree.town_a, *future, actor=township_admin)
    with pytest.raises(ValidationError):
        services.do_save_report(tree.town_a, year, 3, actor=township_admin)
    with pytest.raises(ValidationError, match="乡镇"):
        services.do_save_report(tree.village_a1, year, half, actor=township_admin)
    assert not TownshipReport.objects.exists()


def test_failed_first_submit_creates_nothing(tree, period, township_admin):
    with pytest.raises(ValidationError):
        services.do_submit_report(tree.town_a, *period, actor=township_admin, summary="只有概况")
    assert not TownshipReport.objects.exists()
