"""Enrolment in the service actions (报名), exemptions (特殊情况) and replacements (更换人员).

Every county-unit party cadre is enrolled in the universal action ("全员") and in principle in
one of the others ("原则上选择1项", 004 六.3). An exempt enrolment leaves the cohort (N); a
replacement ends one enrolment on a date and starts the successor's from it (004 六.2).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from assessment.models import Action, Enrolment, EnrolmentStatus
from portal import audit
from portal.models import Person
from portal.models.audit import AuditAction
from portal.models.orgs import CITY_KINDS
from portal.scope import require, under_any_path

ENROL = "assessment.enrol"


CADRE = Q(is_cadre=True) | Q(is_city_talent=True)  # 城市人才 are 县直单位党员干部 too


def is_cadre(person) -> bool:
    return person.is_active and person.is_party_member and (person.is_cadre
                                                            or person.is_city_talent)


def _cadres():
    return Person.objects.filter(CADRE, home_org__kind__in=CITY_KINDS, is_active=True,
                                 is_party_member=True)


def cadres_of(org):
    """Party cadres (在册党员干部, city talents included) of a county unit and the units
    under it."""
    return cadres_under([org.path])


def cadres_under(paths):
    """The same cadres, of the units at any of `paths` and the units under them."""
    return _cadres().filter(under_any_path("home_org__path", paths))


def cadres_at(orgs):
    """The same cadres, of exactly the organizations `orgs` (ids or a queryset), none under
    them."""
    return _cadres().filter(home_org__in=orgs)


def missing_enrolment(year, *, universal_only=False):
    """Condition on a cadre: no enrolment for `year` in the universal action, or (with
    universal_only False) in none of the others — "未报名"."""
    universal = Enrolment.objects.filter(person=OuterRef("pk"), year=year,
                                         action__is_universal=True)
    other = Enrolment.objects.filter(person=OuterRef("pk"), year=year,
                                     action__is_universal=False)
    missing = ~Exists(universal)
    if not universal_only:
        missing |= ~Exists(other)
    return missing


def not_enrolled(org, year, *, universal_only=False):
    """The unit's cadres missing an enrolment for `year` (`missing_enrolment`): the "未报名"
    list."""
    return cadres_of(org).filter(missing_enrolment(year, universal_only=universal_only))


def enrol_unit(org, action, year, *, actor, start_date) -> int:
    """Enrol every cadre of `org` not yet in `action` for `year`; returns how many."""
    require(actor, ENROL, org)
    if not action.is_active:
        raise ValidationError("该行动已停用。", code="inactive")
    with transaction.atomic():
        taken = Enrolment.objects.filter(action=action, year=year, person=OuterRef("pk"))
        people = list(cadres_of(org).filter(~Exists(taken)).values_list("pk", "home_org_id"))
        Enrolment.objects.bulk_create([
            Enrolment(action=action, year=year, person_id=pk, org_id=home, start_date=start_date,
                      changed_by=actor) for pk, home in people], batch_size=1000)
        audit.record(AuditAction.CREATE, f"批量报名：{org} {year}年{action}（{len(people)} 人）",
                     actor=actor, action_code=action.code, year=year, count=len(people))
    return len(people)


def enrol(person, action, year, *, actor, start_date) -> Enrolment:
    require(actor, ENROL, person.home_org)
    with transaction.atomic():
        if Enrolment.objects.filter(action=action, year=year, person=person).exists():
            raise ValidationError(f"{person.name} 已报名{year}年{action}。", code="duplicate")
        enrolment = Enrolment.objects.create(action=action, year=year, person=person,
                                             org=person.home_org, start_date=start_date,
                                             changed_by=actor)
        audit.record(AuditAction.CREATE, f"报名：{person.name} {year}年{action}", actor=actor,
                     enrolment=enrolment.pk)
    return enrolment


def exempt(enrolment, *, actor, reason) -> Enrolment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写特殊情况说明。"})
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        require(actor, ENROL, enrolment.org)
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise ValidationError("只有参加中的报名可以按特殊情况免参加。", code="state")
        enrolment.status, enrolment.exempt_reason = EnrolmentStatus.EXEMPT, reason[:300]
        enrolment.changed_by = actor
        enrolment.save(update_fields=["status", "exempt_reason", "changed_by"])
        audit.record(AuditAction.UPDATE, f"特殊情况免参加：{enrolment}（{reason[:100]}）",
                     actor=actor, enrolment=enrolment.pk)
    return enrolment


def replace(enrolment, successor, *, actor, reason, on: datetime.date) -> Enrolment:
    """End `enrolment` the day before `on` and enrol `successor` from `on`."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写更换原因。"})
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("action").get(
            pk=enrolment.pk)
        require(actor, ENROL, enrolment.org)
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise ValidationError("只有参加中的报名可以更换人员。", code="state")
        if not enrolment.start_date < on <= datetime.date(enrolment.year, 12, 31):
            raise ValidationError({"on": "更换日期应在原报名日期之后、当年之内。"})
        if successor.pk == enrolment.person_id:
            raise ValidationError({"successor": "接替人员不能是原人员。"})
        if Enrolment.objects.filter(action=enrolment.action, year=enrolment.year,
                                    person=successor).exists():
            raise ValidationError({"successor": f"{successor.name} 已报名该行动。"})
        require(actor, ENROL, successor.home_org)
        new = Enrolment.objects.create(action=enrolment.action, year=enrolment.year,
                                       person=successor, org=successor.home_org, start_date=on,
                                       changed_by=actor)
        enrolment.status, enrolment.end_date = EnrolmentStatus.REPLACED, \
            on - datetime.timedelta(days=1)
        enrolment.replaced_by, enrolment.replacement_reason = new, reason[:300]
        enrolment.changed_by = actor
        enrolment.save(update_fields=["status", "end_date", "replaced_by", "replacement_reason",
                                      "changed_by"])
        audit.record(AuditAction.UPDATE,
                     f"更换人员：{enrolment.action} {enrolment.person} → {successor}"
                     f"（{on:%Y-%m-%d} 起，{reason[:100]}）", actor=actor, enrolment=enrolment.pk,
                     successor=new.pk)
    return new


__all__ = ["Action", "enrol", "enrol_unit", "exempt", "not_enrolled",
           "replace"]
