"""Use of the results (结果运用, 004 六.4): the grade on a person's record, nominations for
表现特别突出 and commendations with 组织部's approval, and the 差 eligibility list with its
reasoned exceptions. Only submitted or filed gradings count as results."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessment.grading import GRADE_LABELS, Grade
from assessment.models import (
    AnnualGrade,
    EligibilityOverride,
    GradingStatus,
    Nomination,
    NominationKind,
)
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import require

RESULT_STATUSES = (GradingStatus.SUBMITTED, GradingStatus.FILED)


def results_of_year(year):
    """Annual grades of the year's submitted or filed gradings, of people and organizations:
    an alliance's grade feeds its stars, not the cadre department's lists."""
    return AnnualGrade.objects.filter(grading__scheme__year=year,
                                      grading__status__in=RESULT_STATUSES,
                                      alliance__isnull=True)


def person_grades(person):
    """The person's results, newest year first, the action order within a year."""
    return list(AnnualGrade.objects.filter(person=person, grading__status__in=RESULT_STATUSES)
                .select_related("grading__scheme__action", "eligibility_override")
                .order_by("-grading__scheme__year", "grading__scheme__action__order",
                          "grading__scheme__action_id"))


def record_grades(grades):
    """{year: (grade on record, [the others shown beside it])}. A person in two actions gets
    one grade on record, by the county setting ASSESSMENT_RECORD_GRADE: "first" (the first
    action's grade; the default) or "lowest" (the lower of the two)."""
    by_year = {}
    for grade in grades:
        by_year.setdefault(grade.grading.scheme.year, []).append(grade)
    order = [Grade.POOR, Grade.GOOD, Grade.EXCELLENT]
    result = {}
    for year, year_grades in by_year.items():
        if getattr(settings, "ASSESSMENT_RECORD_GRADE", "first") == "lowest":
            chosen = min(year_grades, key=lambda g: order.index(g.grade))
        else:
            chosen = year_grades[0]
        result[year] = (chosen, [g for g in year_grades if g is not chosen])
    return result


def is_excluded(grade) -> bool:
    """差 on record without an exception: not to be promoted or commended (004 六.4)."""
    return grade.grade == Grade.POOR and not hasattr(grade, "eligibility_override")


def ineligible(year):
    """The 差 results of the year, each annotated `has_override`."""
    overridden = EligibilityOverride.objects.filter(grade=OuterRef("pk"))
    return (results_of_year(year).filter(grade=Grade.POOR)
            .annotate(has_override=Exists(overridden)))


def _recorded_grade(target, year):
    field = "person" if target._meta.model_name == "person" else "org"
    grades = list(results_of_year(year).filter(**{field: target})
                  .select_related("grading__scheme__action", "eligibility_override")
                  .order_by("grading__scheme__action__order", "grading__scheme__action_id"))
    if not grades:
        return None
    return record_grades(grades)[year][0]


def nominate(kind, target, *, year, reason, actor, body=None, poor_override="") -> Nomination:
    """Nominate `target` (a Person; an Organization for 先进党组织). 表现特别突出 comes from the
    assessing body (`body`) for a person graded 优秀; commendations from 组织部. A nominee
    graded 差 is refused unless `poor_override` says why."""
    reason, poor_override = (reason or "").strip(), (poor_override or "").strip()
    is_org = kind == NominationKind.ADVANCED_ORG
    if target._meta.model_name not in ("person", "organization"):
        raise ValidationError("只能推荐个人或党组织。", code="target")
    if is_org != (target._meta.model_name == "organization"):
        raise ValidationError("先进党组织推荐组织，其余推荐个人。", code="target")
    if body is not None:
        require(actor, "assessment.score", body)
    else:
        require(actor, "assessment.file", target if is_org else target.home_org)
    if not reason:
        raise ValidationError({"reason": "请填写推荐理由（主要事迹）。"})
    grade = _recorded_grade(target, year)
    if kind == NominationKind.OUTSTANDING and (grade is None or grade.grade != Grade.EXCELLENT):
        raise ValidationError("“表现特别突出”须为本年度“优秀”等次（004 六.4）。",
                              code="not_excellent")
    if grade is not None and is_excluded(grade) and not poor_override:
        raise ValidationError(
            f"{target} {year}年度考核为“差”，原则上不得作为评先评优对象；确需推荐请填写例外理由。",
            code="poor")
    key = {"org": target} if is_org else {"person": target}
    with transaction.atomic():
        if Nomination.objects.filter(kind=kind, year=year, **key).exists():
            raise ValidationError("已推荐过，不能重复推荐。", code="duplicate")
        nomination = Nomination.objects.create(
            kind=kind, year=year, body=body, reason=reason, poor_override=poor_override[:300],
            nominated_by=actor, **key)
        summary = f"推荐{year}年{nomination.get_kind_display()}：{target}"
        if poor_override:
            summary += f"（“差”等次例外：{poor_override[:80]}）"
        audit.record(AuditAction.CREATE, summary, actor=actor, nomination=nomination.pk)
    return nomination


def _decide(nomination, name, *, actor, decision=""):
    with transaction.atomic():
        nomination = Nomination.objects.select_for_update(of=("self",)).select_related(
            "person__home_org", "org").get(pk=nomination.pk)
        transition = Nomination.workflow.check(nomination, name, actor)
        nomination.status = transition.target
        nomination.decision = (decision or "").strip()[:300]
        nomination.decided_by, nomination.decided_at = actor, timezone.now()
        nomination.save(update_fields=["status", "decision", "decided_by", "decided_at"])
        audit.record(AuditAction.TRANSITION, f"{transition.label}推荐：{nomination}",
                     actor=actor, nomination=nomination.pk)
    return nomination


def confirm_nomination(nomination, *, actor):
    return _decide(nomination, "confirm", actor=actor)


def reject_nomination(nomination, *, actor, decision):
    if not (decision or "").strip():
        raise ValidationError({"decision": "请填写审核意见。"})
    return _decide(nomination, "reject", actor=actor, decision=decision)


def override_eligibility(grade, *, actor, reason) -> EligibilityOverride:
    """组织部 records a reasoned exception for one person graded 差 ("原则上")."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写例外理由。"})
    with transaction.atomic():
        grade = AnnualGrade.objects.select_for_update(of=("self",)).select_related(
            "grading__scheme", "person__home_org", "org", "alliance__owner").get(pk=grade.pk)
        target_org = (grade.person.home_org if grade.person_id
                      else grade.alliance.owner if grade.alliance_id else grade.org)
        require(actor, "assessment.file", target_org)
        if grade.alliance_id:
            raise ValidationError("党建联盟的等次不涉及评先评优资格。", code="target")
        if grade.grade != Grade.POOR or grade.grading.status != GradingStatus.FILED:
            raise ValidationError("只有已备案的“差”等次可以作例外处理。", code="state")
        if EligibilityOverride.objects.filter(grade=grade).exists():
            raise ValidationError("已作例外处理。", code="duplicate")
        override = EligibilityOverride.objects.create(grade=grade, reason=reason[:300],
                                                      decided_by=actor)
        audit.record(AuditAction.UPDATE,
                     f"“差”等次使用例外：{grade.target} {grade.grading.scheme.year}年"
                     f"（{reason[:100]}）", actor=actor, annual_grade=grade.pk)
    return override


def grade_label(grade) -> str:
    return GRADE_LABELS[Grade(grade)]

