"""The pairing workflows as declared on the models: permission is checked before state (a role
without the capability gets 403 whatever the state), every transition writes its audit row,
and the pages' buttons come from `available_actions`."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from pairing.models import AgreementStatus, AnnualAgreement, NeedItem, ProjectItem, ResourceItem
from pairing.services import agreements
from portal.models.audit import AuditAction, AuditEvent
from portal.workflow import available_actions


@pytest.fixture
def agreement(pairing):
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=2026, terms="条款")
    resource = ResourceItem.objects.create(agreement=agreement, category="funds",
                                           description="党建经费")
    need = NeedItem.objects.create(agreement=agreement, title="修缮活动场所")
    project = ProjectItem.objects.create(agreement=agreement, name="改造", budget=1)
    project.needs.add(need)
    project.resources.add(resource)
    return agreement


@pytest.mark.parametrize("status", ["draft", "filed"])
def test_agreement_file_and_return_are_403_for_a_role_without_the_capability(
        client, agreement, village_secretary, leader, status):
    """Filing a draft is a state error for the county, but a 403 for anyone else."""
    AnnualAgreement.objects.filter(pk=agreement.pk).update(status=status)
    with pytest.raises(PermissionDenied):
        agreements.do_file_agreement(agreement, actor=village_secretary)
    with pytest.raises(PermissionDenied):
        agreements.do_return_agreement(agreement, actor=leader, reason="不行")
    for user in (village_secretary, leader):
        client.force_login(user)
        for name, data in (("agreement_file", {}), ("agreement_return", {"reason": "x"})):
            url = reverse(f"pairing:{name}", args=[agreement.pk])
            assert client.post(url, data).status_code == 403, (user, name)


def test_agreement_submit_and_new_version_are_403_for_the_county_in_any_state(
        client, agreement, county_admin):
    client.force_login(county_admin)
    for status in ("draft", "submitted", "filed"):
        AnnualAgreement.objects.filter(pk=agreement.pk).update(status=status)
        for name in ("agreement_submit", "agreement_new_version"):
            url = reverse(f"pairing:{name}", args=[agreement.pk])
            assert client.post(url).status_code == 403, (status, name)
    with pytest.raises(PermissionDenied):
        agreements.do_submit_agreement(agreement, actor=county_admin)
    with pytest.raises(PermissionDenied):
        agreements.do_update_terms(agreement, actor=county_admin, terms="改")


def test_agreement_workflow_writes_audit_rows(agreement, village_secretary, unit_contact,
                                              county_admin):
    agreements.do_update_terms(agreement, actor=village_secretary, terms="新条款")
    agreements.do_submit_agreement(agreement, actor=village_secretary)
    agreements.do_submit_agreement(agreement, actor=unit_contact)
    agreements.do_return_agreement(agreement, actor=county_admin, reason="预算不清")
    agreements.do_submit_agreement(agreement, actor=village_secretary)
    agreements.do_submit_agreement(agreement, actor=unit_contact)
    agreements.do_file_agreement(agreement, actor=county_admin)
    draft = agreements.do_new_version(agreement, actor=unit_contact)
    events = list(AuditEvent.objects.filter(data__agreement__in=[agreement.pk, draft.pk])
                  .order_by("id").values_list("action", "actor__username"))
    assert events == [
        (AuditAction.UPDATE, "village_secretary"),
        (AuditAction.TRANSITION, "village_secretary"),
        (AuditAction.TRANSITION, "unit_contact"),
        (AuditAction.TRANSITION, "county_admin"),
        (AuditAction.TRANSITION, "village_secretary"),
        (AuditAction.TRANSITION, "unit_contact"),
        (AuditAction.TRANSITION, "county_admin"),
        (AuditAction.CREATE, "unit_contact"),
    ]
    assert AuditEvent.objects.filter(summary__startswith="退回三清单一协议",
                                     data__reason="预算不清").exists()


def test_agreement_buttons_follow_available_actions(client, agreement, village_secretary,
                                                    unit_contact, township_admin, county_admin):
    def page(user):
        client.force_login(user)
        return client.get(agreement.get_absolute_url()).content.decode()

    submit = reverse("pairing:agreement_submit", args=[agreement.pk])
    assert [t.name for t in available_actions(agreement, village_secretary)] == [
        "edit", "sign_village"]
    assert "村党组织确认提交" in page(village_secretary) and submit in page(village_secretary)
    assert "结对单位确认提交" in page(unit_contact)
    assert submit not in page(township_admin)
    agreements.do_submit_agreement(agreement, actor=village_secretary)
    agreement.refresh_from_db()
    assert submit not in page(village_secretary)  # this side has confirmed
    agreements.do_submit_agreement(agreement, actor=unit_contact)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    html = page(county_admin)
    assert reverse("pairing:agreement_file", args=[agreement.pk]) in html
    assert 'name="reason"' in html and "退回原因" in html
    assert reverse("pairing:agreement_file", args=[agreement.pk]) not in page(township_admin)


@pytest.fixture
def need(tree, village_secretary, soon):
    from pairing.services import needs

    return needs.do_publish_need(tree.village_a1, actor=village_secretary, title="电商培训",
                                 description="培训", deadline=soon, places=2)


def test_claim_confirm_and_send_back_are_403_for_a_role_without_the_capability_in_any_state(
        client, pairing, need, talent, township_admin):
    from pairing.models import Claim
    from pairing.services import needs

    claim = needs.do_claim_need(need, actor=talent)  # claimed: confirming is a state error
    for name, data in (("claim_confirm", {"rating": "5"}), ("claim_send_back", {"reason": "x"})):
        client.force_login(township_admin)
        assert client.post(reverse(f"pairing:{name}", args=[claim.pk]), data).status_code == 403
    with pytest.raises(PermissionDenied):
        needs.do_confirm_claim(claim, actor=township_admin, rating=5)
    with pytest.raises(PermissionDenied):
        needs.do_close_need(need, actor=township_admin)
    # Someone else's claim: 403 for withdrawing, whatever its state.
    Claim.objects.filter(pk=claim.pk).update(status="confirmed")
    client.force_login(township_admin)
    assert client.post(reverse("pairing:claim_withdraw", args=[claim.pk])).status_code == 403


def test_claim_lifecycle_writes_audit_rows_and_keeps_claim_events(pairing, need, talent,
                                                                  village_secretary):
    from pairing.services import needs

    claim = needs.do_claim_need(need, actor=talent)
    needs.do_report_done(claim, actor=talent, result="已完成")
    needs.do_send_back_claim(claim, actor=village_secretary, reason="缺照片")
    needs.do_report_done(claim, actor=talent, result="补充了照片")
    needs.do_confirm_claim(claim, actor=village_secretary, rating=5)
    needs.do_close_need(need, actor=village_secretary)
    rows = list(AuditEvent.objects.filter(data__need=need.pk).order_by("id")
                .values_list("action", "actor__username", "data__status"))
    assert rows == [
        (AuditAction.CREATE, "village_secretary", None),
        (AuditAction.TRANSITION, "talent", "claimed"),
        (AuditAction.TRANSITION, "talent", "done"),
        (AuditAction.TRANSITION, "village_secretary", "claimed"),
        (AuditAction.TRANSITION, "talent", "done"),
        (AuditAction.TRANSITION, "village_secretary", "confirmed"),
        (AuditAction.TRANSITION, "village_secretary", "closed"),
    ]
    assert claim.events.count() == 5


def test_need_page_buttons_come_from_the_workflow(client, pairing, need, talent,
                                                  village_secretary, township_admin):
    from pairing.services import needs

    close = reverse("pairing:need_close", args=[need.pk])
    client.force_login(village_secretary)
    assert close in client.get(need.get_absolute_url()).content.decode()
    client.force_login(township_admin)
    assert close not in client.get(need.get_absolute_url()).content.decode()
    claim = needs.do_claim_need(need, actor=talent)
    withdraw = reverse("pairing:claim_withdraw", args=[claim.pk])
    client.force_login(talent)
    assert withdraw in client.get(need.get_absolute_url()).content.decode()
    needs.do_report_done(claim, actor=talent, result="完成")
    assert withdraw not in client.get(need.get_absolute_url()).content.decode()
    confirm = reverse("pairing:claim_confirm", args=[claim.pk])
    assert confirm not in client.get(need.get_absolute_url()).content.decode()
    client.force_login(village_secretary)
    assert confirm in client.get(need.get_absolute_url()).content.decode()
