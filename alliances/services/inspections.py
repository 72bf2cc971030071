"""Cross-inspection (交叉检查, issue 10 §6): create a round and its assignment, record an
inspection's findings and score, add rectification items and close them.

Every action needs inspection.manage on the round's owner (the township, or the county for its
own alliances), checked before any state rule, and writes its audit row in the same
transaction. Closing a rectification is kept with inspection.manage for now: the inspected
alliance's members report their progress to the township, which closes the item.
"""

import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliances.assignment import assign_inspections
from alliances.models import Alliance, Inspection, InspectionRound, Rectification
from portal import audit
from portal.models.orgs import OrgKind
from portal.scope import ensure_still_visible, require

CAPABILITY = "inspection.manage"
OWNER_KINDS = (OrgKind.COUNTY, OrgKind.TOWNSHIP)
SEED_MAX = 2**31 - 1  # fits the PositiveIntegerField on every database


def new_seed() -> int:
    return random.SystemRandom().randint(1, SEED_MAX)


def _refused(field, message, code):
    """A refusal shown on `field` of the form, carrying its `code`."""
    return ValidationError({field: ValidationError(message, code=code)})


def _text(value):
    return (value or "").strip()


@transaction.atomic
def do_create_round(*, actor, owner, title, due, seed=None) -> InspectionRound:
    """A round among the owner's open alliances, each inspecting another (assignment.py); the
    seed (random unless given) is stored so the assignment can be reproduced."""
    require(actor, CAPABILITY, owner)
    if owner.kind not in OWNER_KINDS:
        raise _refused("owner", "交叉检查由乡镇或县组织。", "owner")
    title = _text(title)
    if not title:
        raise _refused("title", "请填写轮次名称。", "title")
    if due < timezone.localdate():
        raise _refused("due", "完成期限不能早于今天。", "due")
    seed = new_seed() if seed is None else seed
    if not 0 <= seed <= SEED_MAX:
        raise _refused("seed", f"分配种子应在 0 到 {SEED_MAX} 之间。", "seed")
    alliance_ids = list(Alliance.objects.open().filter(owner=owner).order_by("pk")
                        .values_list("pk", flat=True))
    if len(alliance_ids) < 2:
        raise ValidationError(f"{owner.name}的在册联盟不足两个，无法开展交叉检查。",
                              code="too_few")
    inspection_round = InspectionRound.objects.create(owner=owner, title=title, seed=seed,
                                                      due=due, created_by=actor)
    Inspection.objects.bulk_create(
        Inspection(round=inspection_round, inspector_id=inspector, inspected_id=inspected)
        for inspector, inspected in sorted(assign_inspections(alliance_ids, seed).items()))
    ensure_still_visible(inspection_round, actor, CAPABILITY)
    audit.record(audit.AuditAction.CREATE,
                 f"创建交叉检查轮次：{owner.name} {title}（{len(alliance_ids)}个联盟）",
                 actor=actor, inspection_round=inspection_round.pk, owner=owner.pk, seed=seed)
    return inspection_round


def _locked_inspection(inspection):
    return (Inspection.objects.select_for_update(of=("self",))
            .select_related("round__owner", "inspector", "inspected").get(pk=inspection.pk))


@transaction.atomic
def do_record_inspection(inspection, *, actor, inspected_on, score, findings="") -> Inspection:
    """检查结果: the date, findings and a score from 0 to 100 (may be corrected later)."""
    require(actor, CAPABILITY, inspection.round.owner)
    locked = _locked_inspection(inspection)
    if inspected_on > timezone.localdate():
        raise _refused("inspected_on", "检查日期不能晚于今天。", "date")
    if score is None or not 0 <= score <= 100:
        raise _refused("score", "评分应在 0 到 100 之间。", "score")
    locked.inspected_on, locked.score = inspected_on, score
    locked.findings, locked.recorded_by = _text(findings), actor
    locked.save(update_fields=["inspected_on", "score", "findings", "recorded_by"])
    audit.record(audit.AuditAction.UPDATE,
                 f"登记交叉检查结果：{locked.inspector.name}检查{locked.inspected.name}，"
                 f"{locked.score}分", actor=actor, inspection=locked.pk,
                 inspection_round=locked.round_id, score=str(locked.score))
    return locked


@transaction.atomic
def do_add_rectification(inspection, *, actor, item, deadline) -> Rectification:
    """整改事项: something the inspected alliance must put right by `deadline`."""
    require(actor, CAPABILITY, inspection.round.owner)
    locked = _locked_inspection(inspection)
    item = _text(item)
    if not item:
        raise _refused("item", "请填写整改事项。", "item")
    if deadline < (locked.inspected_on or timezone.localdate()):
        raise _refused("deadline", "整改期限不能早于检查日期（未检查时不能早于今天）。",
                       "deadline")
    rectification = Rectification.objects.create(inspection=locked, item=item,
                                                 deadline=deadline)
    audit.record(audit.AuditAction.CREATE,
                 f"添加整改事项：{locked.inspected.name} {item}", actor=actor,
                 rectification=rectification.pk, inspection=locked.pk,
                 deadline=deadline.isoformat())
    return rectification


@transaction.atomic
def do_close_rectification(rectification, *, actor, note) -> Rectification:
    """整改销号: the item was put right; what was done is recorded with the closure."""
    require(actor, CAPABILITY, rectification.inspection.round.owner)
    locked = (Rectification.objects.select_for_update(of=("self",))
              .select_related("inspection__inspected").get(pk=rectification.pk))
    if locked.closed_at is not None:
        raise ValidationError("该整改事项已销号。", code="closed")
    note = _text(note)
    if not note:
        raise _refused("note", "请填写整改情况。", "note")
    locked.closed_at, locked.closing_note, locked.closed_by = timezone.now(), note, actor
    locked.save(update_fields=["closed_at", "closing_note", "closed_by"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"整改销号：{locked.inspection.inspected.name} {locked.item}", actor=actor,
                 rectification=locked.pk, inspection=locked.inspection_id)
    return locked
