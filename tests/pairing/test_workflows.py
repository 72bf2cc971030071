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


def _plan(pairing, status):
    from pairing.models import Pairing

    Pairing.objects.filter(pk=pairing.pk).update(
        plan_status=status, plan_goals="目标", plan_tasks="任务", plan_measures="措施")
    pairing.refresh_from_db()
    return pairing


@pytest.mark.parametrize("status", ["draft", "filed"])
def test_plan_file_and_return_are_403_for_a_role_without_the_capability(
        client, pairing, village_secretary, township_admin, status):
    """Filing a draft plan is a state error for the county, but a 403 for anyone else."""
    from pairing.services import pairings

    _plan(pairing, status)
    for user in (village_secretary, township_admin):
        with pytest.raises(PermissionDenied):
            pairings.do_file_plan(pairing, actor=user)
        with pytest.raises(PermissionDenied):
            pairings.do_return_plan(pairing, actor=user, reason="不行")
        client.force_login(user)
        for name, data in (("plan_file", {}), ("plan_return", {"reason": "x"})):
            url = reverse(f"pairing:{name}", args=[pairing.pk])
            assert client.post(url, data).status_code == 403, (user, name)


def test_plan_submit_and_edit_are_403_for_the_county_in_any_state(client, pairing,
                                                                  county_admin):
    from pairing.services import pairings

    client.force_login(county_admin)
    for status in ("draft", "submitted", "filed"):
        _plan(pairing, status)
        assert client.post(reverse("pairing:plan_submit", args=[pairing.pk])).status_code == 403
        assert client.get(reverse("pairing:plan_edit", args=[pairing.pk])).status_code == 403
        with pytest.raises(PermissionDenied):
            pairings.do_submit_plan(pairing, actor=county_admin)
        with pytest.raises(PermissionDenied):
            pairings.do_update_plan(pairing, actor=county_admin, goals="", tasks="",
                                    measures="")


def test_plan_state_errors_carry_the_state_code(pairing, county_admin, village_secretary):
    from django.core.exceptions import ValidationError

    from pairing.services import pairings

    _plan(pairing, "filed")
    with pytest.raises(ValidationError) as caught:
        pairings.do_file_plan(pairing, actor=county_admin)
    assert caught.value.code == "state"
    with pytest.raises(ValidationError) as caught:
        pairings.do_submit_plan(pairing, actor=village_secretary)
    assert caught.value.code == "state"


def test_plan_workflow_and_pairing_changes_write_audit_rows(pairing, village_secretary,
                                                            unit_contact, county_admin):
    from pairing.services import pairings

    pairings.do_update_plan(pairing, actor=unit_contact, goals="目标", tasks="任务",
                            measures="措施")
    pairings.do_submit_plan(pairing, actor=village_secretary)
    pairings.do_return_plan(pairing, actor=county_admin, reason="措施不具体")
    pairings.do_update_plan(pairing, actor=village_secretary, goals="目标", tasks="任务",
                            measures="每月走访", submit=True)
    pairings.do_file_plan(pairing, actor=county_admin)
    pairings.do_update_pairing(pairing, actor=county_admin, principles=["near"])
    pairings.do_end_pairing(pairing, actor=county_admin)
    rows = list(AuditEvent.objects.filter(data__pairing=pairing.pk).order_by("id")
                .values_list("action", "actor__username", "data__plan_status"))
    assert rows == [
        (AuditAction.UPDATE, "unit_contact", "draft"),
        (AuditAction.TRANSITION, "village_secretary", "submitted"),
        (AuditAction.TRANSITION, "county_admin", "returned"),
        (AuditAction.UPDATE, "village_secretary", "returned"),
        (AuditAction.TRANSITION, "village_secretary", "submitted"),
        (AuditAction.TRANSITION, "county_admin", "filed"),
        (AuditAction.UPDATE, "county_admin", None),
        (AuditAction.TRANSITION, "county_admin", None),
    ]
    assert AuditEvent.objects.filter(summary__startswith="退回共建方案",
                                     data__reason="措施不具体").exists()


def test_a_failed_submit_keeps_nothing_of_the_save(pairing, village_secretary):
    from django.core.exceptions import ValidationError

    from pairing.services import pairings

    with pytest.raises(ValidationError, match="请填写共建目标、任务和措施"):
        pairings.do_update_plan(pairing, actor=village_secretary, goals="目标", tasks="",
                                measures="", submit=True)
    pairing.refresh_from_db()
    assert pairing.plan_goals == "" and not AuditEvent.objects.filter(
        data__pairing=pairing.pk).exists()


def test_plan_buttons_follow_available_actions(client, pairing, village_secretary,
                                               township_admin, county_admin):
    from pairing.services import pairings

    def page(user):
        client.force_login(user)
        return client.get(pairing.get_absolute_url()).content.decode()

    submit = reverse("pairing:plan_submit", args=[pairing.pk])
    edit = reverse("pairing:plan_edit", args=[pairing.pk])
    assert submit in page(village_secretary) and edit in page(village_secretary)
    assert submit not in page(county_admin) and edit not in page(county_admin)
    _plan(pairing, "submitted")
    file, back = (reverse(f"pairing:{name}", args=[pairing.pk])
                  for name in ("plan_file", "plan_return"))
    html = page(county_admin)
    assert file in html and back in html and 'name="reason"' in html
    for user in (township_admin, village_secretary):
        assert file not in page(user) and back not in page(user)
    assert submit not in page(village_secretary)
    # An ended pairing's plan is not edited any more.
    _plan(pairing, "draft")
    pairings.do_end_pairing(pairing, actor=county_admin)
    pairing.refresh_from_db()
    assert submit not in page(village_secretary) and edit not in page(village_secretary)
    client.force_login(village_secretary)
    assert client.get(edit).status_code == 302
