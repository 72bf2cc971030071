"""三清单一协议 workflow: draft → submitted (village and unit both confirm) → filed by the
county, or returned with a reason. A filed agreement is read-only; a new version replaces it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pairing.models import (
    AgreementStatus,
    AnnualAgreement,
    Need,
    NeedItem,
    NeedKind,
    PairingStatus,
    ProjectItem,
    ResourceItem,
)
from portal import audit
from portal.batch import apply_to_each
from portal.scope import has_capability, require_any
from portal.uploads import DOCUMENT_FORMATS, MB, safe_name, validate_upload

SCAN_MAX_BYTES = 10 * MB

DEFAULT_TERMS = (
    "双方本着“地域相邻、产业相近、优势互补、便于活动”的原则开展结对共建。"
    "结对单位每月至少联系村党组织一次，每半年召开一次联席会议，"
    "按照本协议所附资源清单、需求清单和项目清单推进各项工作，年底共同总结。"
)


def _locked(agreement):
    return AnnualAgreement.objects.select_for_update().select_related(
        "pairing__village_org", "pairing__city_org").get(pk=agreement.pk)


READ_ONLY_MESSAGE = "协议已提交或已备案，不能修改；如需变更请新建版本。"
SIDES = ("sign_village", "sign_unit")


def _require_editable(agreement, actor):
    workflow = AnnualAgreement.workflow
    if not workflow.permitted(agreement, "edit", actor):
        raise PermissionDenied(workflow["edit"].denied)
    if not workflow.in_state(agreement, "edit"):
        raise ValidationError(READ_ONLY_MESSAGE, code="locked")


@transaction.atomic
def do_create_agreement(pairing, year, *, actor) -> AnnualAgreement:
    require_any(actor, "pairing.plan", (pairing.village_org, pairing.city_org))
    if pairing.status != PairingStatus.ACTIVE:
        raise ValidationError("结对关系已结束，不能签订新协议。")
    if not 2000 <= int(year) <= 2100:
        raise ValidationError("年度不正确。")
    if AnnualAgreement.objects.filter(pairing=pairing, year=year).exists():
        raise ValidationError(f"{year}年的三清单一协议已存在。")
    try:
        with transaction.atomic():
            agreement = AnnualAgreement.objects.create(pairing=pairing, year=year,
                                                       terms=DEFAULT_TERMS)
    except IntegrityError as exc:
        raise ValidationError(f"{year}年的三清单一协议已存在。") from exc
    audit.record(audit.AuditAction.CREATE, f"新建三清单一协议：{agreement}", actor=actor,
                 agreement=agreement.pk, pairing=pairing.pk)
    return agreement


@transaction.atomic
def do_update_terms(agreement, *, actor, terms) -> AnnualAgreement:
    agreement = _locked(agreement)
    _require_editable(agreement, actor)
    agreement.terms = terms
    agreement.save(update_fields=["terms"])
    _void_confirmations(agreement)
    audit.record(audit.AuditAction.UPDATE, f"修改协议条款：{agreement}", actor=actor,
                 agreement=agreement.pk)
    return agreement


@transaction.atomic
def do_save_item(agreement, item, *, actor):
    """Add or change one list entry (ResourceItem, NeedItem or ProjectItem) of a draft."""
    agreement = _locked(agreement)
    _require_editable(agreement, actor)
    if item.agreement_id != agreement.pk:
        raise ValidationError("清单条目不属于该协议。")
    created = item.pk is None
    item.full_clean()
    item.save()
    _void_confirmations(agreement)
    verb = "添加" if created else "修改"
    audit.record(audit.AuditAction.CREATE if created else audit.AuditAction.UPDATE,
                 f"{verb}{item._meta.verbose_name}条目“{item}”：{agreement}", actor=actor,
                 agreement=agreement.pk, item=item.pk, kind=item._meta.model_name)
    return item


@transaction.atomic
def do_save_project(agreement, project, *, actor, needs=(), resources=()):
    """Save a project entry with its linked needs and resources (same agreement only)."""
    if any(linked.agreement_id != agreement.pk for linked in (*needs, *resources)):
        raise ValidationError("项目只能关联本协议清单中的需求和资源。")
    project = do_save_item(agreement, project, actor=actor)
    project.needs.set(needs)
    project.resources.set(resources)
    return project


@transaction.atomic
def do_delete_item(agreement, item, *, actor):
    agreement = _locked(agreement)
    _require_editable(agreement, actor)
    if item.agreement_id != agreement.pk:
        raise ValidationError("清单条目不属于该协议。")
    item_pk, label = item.pk, f"删除{item._meta.verbose_name}条目“{item}”：{agreement}"
    item.delete()
    _void_confirmations(agreement)
    audit.record(audit.AuditAction.DELETE, label, actor=actor, agreement=agreement.pk,
                 item=item_pk, kind=item._meta.model_name)


def _void_confirmations(agreement):
    """A change after one side confirmed voids the confirmation: both sides confirm the
    final content, not an earlier one."""
    if agreement.village_submitted_at or agreement.unit_submitted_at:
        agreement.village_submitted_at = agreement.unit_submitted_at = None
        agreement.village_submitted_by = agreement.unit_submitted_by = None
        agreement.save(update_fields=["village_submitted_at", "unit_submitted_at",
                                      "village_submitted_by", "unit_submitted_by"])


@transaction.atomic
def do_submit_agreement(agreement, *, actor) -> AnnualAgreement:
    """Confirm for the actor's side; when both sides have confirmed the agreement is submitted."""
    agreement = _locked(agreement)
    workflow = AnnualAgreement.workflow
    sides = [side for side in SIDES if workflow.permitted(agreement, side, actor)]
    if not sides:
        raise PermissionDenied(workflow["sign_village"].denied)
    if agreement.status not in workflow["sign_village"].sources:
        raise ValidationError(workflow["sign_village"].state_error, code="state")
    as_village, as_unit = "sign_village" in sides, "sign_unit" in sides
    if not (agreement.resources.exists() and agreement.needs.exists()
            and agreement.projects.exists()):
        raise ValidationError("资源清单、需求清单和项目清单都至少需要一项才能提交。")
    now = timezone.now()
    fields = []
    if as_village:
        agreement.village_submitted_at, agreement.village_submitted_by = now, actor
        fields += ["village_submitted_at", "village_submitted_by"]
    if as_unit:
        agreement.unit_submitted_at, agreement.unit_submitted_by = now, actor
        fields += ["unit_submitted_at", "unit_submitted_by"]
    if agreement.village_submitted_at and agreement.unit_submitted_at:
        agreement.status, agreement.return_reason = AgreementStatus.SUBMITTED, ""
        fields += ["status", "return_reason"]
    agreement.save(update_fields=fields)
    side = "、".join(workflow[s].label for s in sides)
    audit.record(audit.AuditAction.TRANSITION, f"{side}：{agreement}", actor=actor,
                 agreement=agreement.pk, status=agreement.status)
    return agreement


@transaction.atomic
def do_file_agreement(agreement, *, actor) -> AnnualAgreement:
    """备案 by the county; the needs list is published on the village's needs board."""
    agreement = _locked(agreement)
    AnnualAgreement.workflow.check(agreement, "file", actor)
    agreement.status, agreement.filed_at, agreement.filed_by = (
        AgreementStatus.FILED, timezone.now(), actor)
    agreement.save(update_fields=["status", "filed_at", "filed_by"])
    _publish_needs_list(agreement, actor)
    audit.record(audit.AuditAction.TRANSITION, f"三清单一协议备案：{agreement}", actor=actor,
                 agreement=agreement.pk, status=agreement.status)
    return agreement


def do_file_agreements(agreements, *, actor) -> list[AnnualAgreement]:
    """批量备案: each agreement through do_file_agreement (its checks, the needs list on the
    board, the audit row), all or none."""
    return apply_to_each(agreements, do_file_agreement, actor=actor, label=str)


def _publish_needs_list(agreement, actor):
    """Each needs-list entry appears once on the board (a new version does not repeat it)."""
    already = set(Need.objects.filter(source_item__agreement__pairing=agreement.pairing,
                                      source_item__agreement__year=agreement.year)
                  .values_list("source_item__title", flat=True))
    deadline = datetime.date(agreement.year, 12, 31)
    Need.objects.bulk_create([
        Need(village_org=agreement.pairing.village_org, kind=NeedKind.NEED, title=item.title,
             description=item.description or item.title, deadline=deadline, places=1,
             source_item=item, created_by=actor)
        for item in agreement.needs.all() if item.title not in already
    ])


@transaction.atomic
def do_return_agreement(agreement, *, actor, reason) -> AnnualAgreement:
    agreement = _locked(agreement)
    AnnualAgreement.workflow.check(agreement, "return", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("退回时请填写原因。")
    agreement.status, agreement.return_reason = AgreementStatus.RETURNED, reason[:300]
    agreement.village_submitted_at = agreement.unit_submitted_at = None
    agreement.village_submitted_by = agreement.unit_submitted_by = None
    agreement.save(update_fields=["status", "return_reason", "village_submitted_at",
                                  "unit_submitted_at", "village_submitted_by",
                                  "unit_submitted_by"])
    audit.record(audit.AuditAction.TRANSITION, f"退回三清单一协议：{agreement}", actor=actor,
                 agreement=agreement.pk, status=agreement.status, reason=agreement.return_reason)
    return agreement


@transaction.atomic
def do_new_version(agreement, *, actor) -> AnnualAgreement:
    """Copy a filed agreement into a new draft version; the filed one stays as history."""
    agreement = _locked(agreement)
    AnnualAgreement.workflow.check(agreement, "new_version", actor)
    draft = AnnualAgreement.objects.create(pairing=agreement.pairing, year=agreement.year,
                                           version=agreement.version + 1, terms=agreement.terms,
                                           supersedes=agreement)
    resources = {old.pk: ResourceItem.objects.create(
        agreement=draft, category=old.category, description=old.description,
        estimated_amount=old.estimated_amount) for old in agreement.resources.all()}
    needs = {old.pk: NeedItem.objects.create(agreement=draft, title=old.title,
                                             description=old.description)
             for old in agreement.needs.all()}
    for old in agreement.projects.prefetch_related("needs", "resources"):
        project = ProjectItem.objects.create(
            agreement=draft, name=old.name, budget=old.budget, start_date=old.start_date,
            end_date=old.end_date, milestones=old.milestones, progress=old.progress,
            status=old.status)
        project.needs.set([needs[n.pk] for n in old.needs.all()])
        project.resources.set([resources[r.pk] for r in old.resources.all()])
    audit.record(audit.AuditAction.CREATE, f"新建协议版本：{draft}", actor=actor,
                 agreement=draft.pk, supersedes=agreement.pk)
    return draft


def can_upload_scan(user, agreement) -> bool:
    """Either side of the pairing (pairing.plan) or the county that files it."""
    pairing = agreement.pairing
    return (has_capability(user, "pairing.plan", pairing.village_org)
            or has_capability(user, "pairing.plan", pairing.city_org)
            or has_capability(user, "pairing.file", pairing.village_org))


@transaction.atomic
def do_upload_scan(agreement, scan, *, actor) -> AnnualAgreement:
    """Attach the signed paper (签字扫描件) of a submitted or filed agreement, replacing any
    earlier scan; the file is checked by content and stored under a name we choose."""
    agreement = _locked(agreement)
    if not can_upload_scan(actor, agreement):
        raise PermissionDenied("您没有上传该协议扫描件的权限。")
    if agreement.status not in (AgreementStatus.SUBMITTED, AgreementStatus.FILED):
        raise ValidationError("双方提交协议后才能上传签字扫描件。")
    if AnnualAgreement.objects.filter(supersedes=agreement).exists():
        raise ValidationError("该协议已有更新的版本，请在新版本上传扫描件。")
    try:
        detected = validate_upload(scan, formats=DOCUMENT_FORMATS, max_bytes=SCAN_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"scan": exc.messages}) from exc
    old_name = agreement.signed_scan.name
    storage = agreement.signed_scan.storage
    agreement.signed_scan.save(
        safe_name(detected, f"agreement-{agreement.pk}-v{agreement.version}"), scan,
        save=False)
    new_name = agreement.signed_scan.name
    try:
        agreement.save(update_fields=["signed_scan"])
        audit.record(audit.AuditAction.UPDATE, f"上传协议签字扫描件：{agreement}", actor=actor,
                     agreement=agreement.pk, file=new_name)
    except Exception:
        storage.delete(new_name)  # no row points at it
        raise
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return agreement
