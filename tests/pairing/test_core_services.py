"""Core pairing rules: scope of paired villages, agreement workflow, claiming."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pairing.models import AgreementStatus, ClaimStatus, Need, NeedItem, ProjectItem, ResourceItem
from pairing.services import agreements, needs, pairings
from portal.models import AuditEvent, Organization
from portal.scope import forget_roles
from tests.factories import UserFactory, grant


def test_talent_sees_paired_village_only(tree, pairing, talent):
    visible = set(Organization.objects.visible_to(talent).values_list("name", flat=True))
    assert visible == {"县农业农村局", "青山村"}


def test_pairing_rules(tree, county_admin, pairing):
    with pytest.raises(ValidationError, match="已有生效的结对关系"):
        pairings.do_create_pairing(tree.unit, tree.village_a1, actor=county_admin)
    with pytest.raises(ValidationError, match="结对对象应为村党组织"):
        pairings.do_create_pairing(tree.unit, tree.town_a, actor=county_admin)
    with pytest.raises(ValidationError, match="结对单位应为"):
        pairings.do_create_pairing(tree.village_a2, tree.village_a1, actor=county_admin)
    pairings.do_end_pairing(pairing, actor=county_admin)
    again = pairings.do_create_pairing(tree.unit, tree.village_a1, actor=county_admin)
    assert again.pk != pairing.pk


def test_township_admin_cannot_create_pairing(tree, township_admin):
    with pytest.raises(PermissionDenied):
        pairings.do_create_pairing(tree.unit, tree.village_a2, actor=township_admin)


def _fill(agreement):
    resource = ResourceItem.objects.create(agreement=agreement, category="funds",
                                           description="党建经费", estimated_amount=20000)
    need = NeedItem.objects.create(agreement=agreement, title="修缮村级活动场所")
    project = ProjectItem.objects.create(agreement=agreement, name="活动场所改造", budget=50000)
    project.needs.add(need)
    project.resources.add(resource)


def test_agreement_workflow(tree, pairing, village_secretary, unit_contact, county_admin):
    agreement = agreements.do_create_agreement(pairing, 2026, actor=village_secretary)
    with pytest.raises(ValidationError, match="至少需要一项"):
        agreements.do_submit_agreement(agreement, actor=village_secretary)
    _fill(agreement)
    agreement = agreements.do_submit_agreement(agreement, actor=village_secretary)
    assert agreement.status == AgreementStatus.DRAFT  # the unit has not confirmed yet
    agreement = agreements.do_submit_agreement(agreement, actor=unit_contact)
    assert agreement.status == AgreementStatus.SUBMITTED
    with pytest.raises(ValidationError):
        agreements.do_update_terms(agreement, actor=village_secretary, terms="改")
    with pytest.raises(PermissionDenied):
        agreements.do_file_agreement(agreement, actor=village_secretary)
    agreement = agreements.do_file_agreement(agreement, actor=county_admin)
    assert agreement.status == AgreementStatus.FILED
    assert list(Need.objects.values_list("title", flat=True)) == ["修缮村级活动场所"]
    with pytest.raises(ValidationError):
        agreements.do_save_item(agreement, NeedItem(agreement=agreement, title="新需求"),
                                actor=village_secretary)
    draft = agreements.do_new_version(agreement, actor=village_secretary)
    assert (draft.version, draft.status) == (2, AgreementStatus.DRAFT)
    assert draft.projects.get().needs.get().title == "修缮村级活动场所"
    _ = draft.projects.get().resources.get()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.FILED and agreement.superseded_by == draft


def test_return_needs_reason_and_resets_confirmations(pairing, village_secretary,
                                                       unit_contact, county_admin):
    agreement = agreements.do_create_agreement(pairing, 2026, actor=unit_contact)
    _fill(agreement)
    agreements.do_submit_agreement(agreement, actor=village_secretary)
    agreements.do_submit_agreement(agreement, actor=unit_contact)
    with pytest.raises(ValidationError):
        agreements.do_return_agreement(agreement, actor=county_admin, reason=" ")
    agreement = agreements.do_return_agreement(agreement, actor=county_admin, reason="预算不清")
    assert agreement.status == AgreementStatus.RETURNED
    assert agreement.village_submitted_at is None and agreement.is_editable


def test_claim_lifecycle(tree, pairing, village_secretary, talent, soon):
    need = needs.do_publish_need(tree.village_a1, actor=village_secretary, title="电商培训",
                                 description="教村民直播带货", deadline=soon, places=1)
    claim = needs.do_claim_need(need, actor=talent)
    need.refresh_from_db()
    assert need.taken_places == 1
    other = UserFactory(username="talent2")
    grant(other, tree.unit, "talent")
    with pytest.raises(ValidationError, match="名额已满"):
        needs.do_claim_need(need, actor=other)
    with pytest.raises(ValidationError):
        needs.do_confirm_claim(claim, actor=village_secretary, rating=5)
    claim = needs.do_report_done(claim, actor=talent, result="培训30人")
    with pytest.raises(ValidationError):
        needs.do_withdraw_claim(claim, actor=talent)
    claim = needs.do_send_back_claim(claim, actor=village_secretary, reason="缺照片")
    claim = needs.do_report_done(claim, actor=talent, result="培训30人，附照片")
    with pytest.raises(ValidationError):
        needs.do_confirm_claim(claim, actor=village_secretary, rating=6)
    claim = needs.do_confirm_claim(claim, actor=village_secretary, rating=5, comment="很好")
    assert claim.status == ClaimStatus.CONFIRMED
    assert [e.to_status for e in claim.events.all()] == [
        "claimed", "done", "claimed", "done", "confirmed"]


def test_withdraw_frees_the_place(tree, pairing, village_secretary, talent, soon):
    need = needs.do_publish_need(tree.village_a1, actor=village_secretary, title="义诊",
                                 description="健康义诊", deadline=soon, places=1)
    claim = needs.do_claim_need(need, actor=talent)
    needs.do_withdraw_claim(claim, actor=talent)
    need.refresh_from_db()
    assert need.taken_places == 0
    assert needs.do_claim_need(need, actor=talent).status == ClaimStatus.CLAIMED


def _claimed_by_an_authorised_actor(tree, village_secretary, soon, places=1):
    """A need of 青山村 claimed through the authorised-actor entry point by 白水村's secretary,
    who holds no need.claim on 青山村 (as an alliance member claiming a fellow's wish)."""
    need = needs.do_publish_need(tree.village_a1, actor=village_secretary, title="买书包",
                                 description="给留守儿童买书包", deadline=soon, places=places)
    claimant = _secretary(tree.village_b1)
    return need, claimant, needs.do_claim_need_for_authorised_actor(need, actor=claimant)


def test_an_authorised_actor_withdraws_through_the_same_path(tree, village_secretary, soon):
    need, claimant, claim = _claimed_by_an_authorised_actor(tree, village_secretary, soon)
    with pytest.raises(PermissionDenied):
        needs.do_withdraw_claim(claim, actor=claimant)  # no need.claim on 青山村
    claim = needs.do_withdraw_claim_for_authorised_actor(claim, actor=claimant, note="时间冲突")
    need.refresh_from_db()
    assert (claim.status, need.taken_places) == (ClaimStatus.WITHDRAWN, 0)
    assert [(e.from_status, e.to_status, e.note) for e in claim.events.all()] == [
        ("", "claimed", ""), ("claimed", "withdrawn", "时间冲突")]
    assert AuditEvent.objects.filter(data__claim=claim.pk, data__status="withdrawn",
                                     summary__startswith="撤回认领").exists()
    with pytest.raises(ValidationError) as exc:
        needs.do_withdraw_claim_for_authorised_actor(claim, actor=claimant)
    assert exc.value.code == "state"


def test_an_authorised_actor_reports_and_the_village_confirms(tree, village_secretary, soon):
    need, claimant, claim = _claimed_by_an_authorised_actor(tree, village_secretary, soon)
    with pytest.raises(PermissionDenied):
        needs.do_report_done(claim, actor=claimant, result="已买好")
    with pytest.raises(ValidationError) as exc:
        needs.do_report_done_for_authorised_actor(claim, actor=claimant, result=" ")
    assert "result" in exc.value.error_dict
    claim = needs.do_report_done_for_authorised_actor(claim, actor=claimant,
                                                      result=" 已送到10个书包 ")
    assert (claim.status, claim.result) == (ClaimStatus.DONE, "已送到10个书包")
    assert claim.done_at is not None
    assert AuditEvent.objects.filter(data__claim=claim.pk, data__status="done").exists()
    with pytest.raises(ValidationError) as exc:
        needs.do_withdraw_claim_for_authorised_actor(claim, actor=claimant)
    assert exc.value.code == "state"
    claim = needs.do_confirm_claim(claim, actor=village_secretary, rating=5)
    assert [e.to_status for e in claim.events.all()] == ["claimed", "done", "confirmed"]


def test_the_authorised_entry_points_still_move_only_ones_own_claim(tree, village_secretary,
                                                                    soon, talent):
    need, claimant, claim = _claimed_by_an_authorised_actor(tree, village_secretary, soon)
    for user in (village_secretary, talent):
        with pytest.raises(PermissionDenied):
            needs.do_withdraw_claim_for_authorised_actor(claim, actor=user)
        with pytest.raises(PermissionDenied):
            needs.do_report_done_for_authorised_actor(claim, actor=user, result="代报")
    claim.refresh_from_db()
    need.refresh_from_db()
    assert (claim.status, need.taken_places, claim.events.count()) == (ClaimStatus.CLAIMED, 1, 1)


def test_unpaired_talent_cannot_claim(tree, village_secretary, talent, soon):
    need = needs.do_publish_need(tree.village_b1, actor=_secretary(tree.village_b1), title="x",
                                 description="y", deadline=soon)
    with pytest.raises(PermissionDenied):
        needs.do_claim_need(need, actor=talent)


def _secretary(village):
    user = UserFactory(username=f"sec_{village.code}")
    grant(user, village, "village_secretary")
    forget_roles(user)
    return user


def test_agreement_page_survives_deleted_accounts(pairing, village_secretary, unit_contact,
                                                   county_admin, login):
    """Confirmations keep their time when the confirming account is deleted (SET_NULL)."""
    from django.urls import reverse

    agreement = agreements.do_create_agreement(pairing, 2026, actor=village_secretary)
    _fill(agreement)
    agreements.do_submit_agreement(agreement, actor=village_secretary)
    agreements.do_submit_agreement(agreement, actor=unit_contact)
    agreements.do_file_agreement(agreement, actor=county_admin)
    unit_contact.delete()
    page = login(county_admin).get(reverse("pairing:agreement_detail", args=[agreement.pk]))
    assert page.status_code == 200
    assert "—" in page.content.decode()
