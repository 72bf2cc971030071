"""TownshipReport.workflow: permission before state, audit rows, buttons from
available_actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ledger.models import ReportStatus, TownshipReport
from ledger.services import reports as services
from portal.models import AuditEvent
from portal.models.audit import AuditAction
from portal.workflow import available_actions


@pytest.fixture
def period(today):
    return today.year - 1, 2


def report(tree, period, status):
    return TownshipReport.objects.create(township=tree.town_a, year=period[0], half=period[1],
                                         status=status, summary="a", problems="b",
                                         next_steps="c")


@pytest.mark.parametrize("service, kwargs", [(services.do_file_report, {}),
                                             (services.do_return_report, {"reason": "x"})])
def test_township_gets_403_filing_whatever_the_state(service, kwargs, tree, period,
                                                     township_admin):
    filed = report(tree, period, ReportStatus.FILED)
    with pytest.raises(PermissionDenied):
        service(filed, actor=township_admin, **kwargs)


def test_county_gets_403_writing_whatever_the_state(tree, period, county_admin):
    report(tree, period, ReportStatus.FILED)
    for write in (services.do_save_report, services.do_submit_report):
        with pytest.raises(PermissionDenied):
            write(tree.town_a, *period, actor=county_admin, summary="x")


def test_wrong_state_is_a_state_error(tree, period, county_admin, township_admin):
    draft = report(tree, period, ReportStatus.DRAFT)
    with pytest.raises(ValidationError) as refused:
        services.do_file_report(draft, actor=county_admin)
    assert refused.value.code == "state"
    draft.status = ReportStatus.FILED
    draft.save()
    with pytest.raises(ValidationError) as refused:
        services.do_save_report(tree.town_a, *period, actor=township_admin, summary="改")
    assert refused.value.code == "state"


def test_each_change_is_audited(tree, period, township_admin, county_admin):
    services.do_save_report(tree.town_a, *period, actor=township_admin, summary="a")
    saved = services.do_submit_report(tree.town_a, *period, actor=township_admin,
                                      problems="b", next_steps="c")
    services.do_return_report(saved, actor=county_admin, reason="补充数据")
    services.do_submit_report(tree.town_a, *period, actor=township_admin)
    services.do_file_report(saved, actor=county_admin)
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "actor"))
    assert rows == [(AuditAction.UPDATE, township_admin.pk),
                    (AuditAction.TRANSITION, township_admin.pk),
                    (AuditAction.TRANSITION, county_admin.pk),
                    (AuditAction.TRANSITION, township_admin.pk),
                    (AuditAction.TRANSITION, county_admin.pk)]
    assert AuditEvent.objects.filter(data__report=saved.pk, data__reason="补充数据").exists()


def test_file_buttons_for_the_county_only(login, tree, period, county_admin, township_admin,
                                          leader):
    submitted = report(tree, period, ReportStatus.SUBMITTED)
    assert [t.name for t in available_actions(submitted, county_admin)] == ["file", "return"]
    assert available_actions(submitted, township_admin) == []
    detail = reverse("ledger:report_detail", args=[submitted.pk])
    file_url = reverse("ledger:report_file", args=[submitted.pk])
    assert file_url in login(county_admin).get(detail).content.decode()
    assert file_url not in login(township_admin).get(detail).content.decode()
    assert login(leader).post(file_url).status_code == 403
