"""ResidentRequest.workflow: permission before state, audit rows, the page's actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.models import RequestStatus, ResidentRequest
from ledger.services import requests as services
from portal.models import AuditEvent
from portal.models.audit import AuditAction


def resolved_request(tree):
    return ResidentRequest.objects.create(village_org=tree.village_a1, date=timezone.localdate(),
                                          category="livelihood", content="路灯坏了",
                                          status=RequestStatus.RESOLVED)


@pytest.mark.parametrize("service, kwargs", [
    (services.do_judge_request, {"judgement": "x"}),
    (services.do_resolve_request, {}),
    (services.do_publish_request_as_need, {"kind": "need", "title": "x", "description": "x",
                                           "deadline": None}),
])
def test_township_gets_403_whatever_the_state(service, kwargs, tree, township_admin):
    with pytest.raises(PermissionDenied):
        service(resolved_request(tree), actor=township_admin, **kwargs)


def test_resolved_is_a_state_error_for_the_village(tree, village_secretary):
    with pytest.raises(ValidationError) as refused:
        services.do_judge_request(resolved_request(tree), actor=village_secretary,
                                  judgement="x")
    assert refused.value.code == "state"


def test_record_judge_resolve_are_audited(tree, village_secretary):
    row = services.do_record_request(
        ResidentRequest(village_org=tree.village_a1, date=timezone.localdate(),
                        category="livelihood", content="路灯坏了"), actor=village_secretary)
    services.do_judge_request(row, actor=village_secretary, judgement="请电工维修")
    services.do_resolve_request(row, actor=village_secretary)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        AuditAction.CREATE, AuditAction.TRANSITION, AuditAction.TRANSITION]
    assert AuditEvent.objects.filter(data__resident_request=row.pk).count() == 3


def test_resolved_request_offers_no_actions(login, tree, village_secretary):
    row = resolved_request(tree)
    page = login(village_secretary).get(reverse("ledger:request_detail", args=[row.pk]))
    assert not (page.context["can_judge"] or page.context["can_publish"]
                or page.context["can_resolve"])
    assert reverse("ledger:request_resolve", args=[row.pk]) not in page.content.decode()
    response = login(village_secretary).get(reverse("ledger:request_publish", args=[row.pk]))
    assert response.status_code == 302
