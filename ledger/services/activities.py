"""Activities: save with participants, submit, confirm or return. Every write checks the
period lock here, in the service, so no view, import or task can bypass it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, Participation
from ledger.services.locks import require_open_month
from pairing.models import Pairing, PairingStatus
from portal.models import Person
from portal.scope import require


def eligible_participants(org):
    """People who may take part in an activity of `org`: its own people and those of the
    organizations it is actively paired with (a village's paired units' talents, and back)."""
    paired = Pairing.objects.filter(status=PairingStatus.ACTIVE).filter(
        Q(village_org=org) | Q(city_org=org))
    return Person.objects.filter(is_active=True).filter(
        Q(home_org__path__startswith=org.path)
        | Q(home_org__in=paired.values("city_org"))
        | Q(home_org__in=paired.values("village_org")))


def _locked_activity(activity):
    return Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)


@transaction.atomic
def do_save_activity(activity, participants=(), *, actor) -> Activity:
    """Create or update an activity and replace its participants.

    `participants` is a sequence of (person, hours, role)."""
    require(actor, "ledger.log", activity.org)
    if activity.pk:
        before = _locked_activity(activity)
        require(actor, "ledger.log", before.org)
        if not before.is_editable:
            raise ValidationError("已提交或已确认的活动不能修改。")
        require_open_month(before.org, before.date)
    else:
        activity.created_by = actor
    if activity.date:
        require_open_month(activity.org, activity.date)
    activity.full_clean(exclude=["created_by"])
    activity.save()
    _replace_participants(activity, participants)
    return activity


def _replace_participants(activity, participants):
    by_person = {}
    for person, hours, role in participants:
        if person.pk in by_person:
            raise ValidationError(f"参与人员“{person.name}”重复。")
        by_person[person.pk] = (hours, role)
    allowed = set(eligible_participants(activity.org).filter(pk__in=by_person)
                  .values_list("pk", flat=True))
    outside = set(by_person) - allowed
    if outside:
        # Counted, not named: the ids may point at people the actor may not see.
        raise ValidationError(f"有 {len(outside)} 名参与人员不属于本组织或结对单位。")
    Participation.objects.filter(activity=activity).exclude(person_id__in=by_person).delete()
    existing = {p.person_id: p for p in Participation.objects.filter(activity=activity)}
    for person_id, (hours, role) in by_person.items():
        row = existing.get(person_id) or Participation(activity=activity, person_id=person_id)
        row.hours, row.role = hours, role
        row.full_clean(exclude=["activity", "person"])
        row.save()


@transaction.atomic
def do_delete_activity(activity, *, actor):
    activity = _locked_activity(activity)
    require(actor, "ledger.log", activity.org)
    if activity.status != ActivityStatus.DRAFT:
        raise ValidationError("只有草稿可以删除；已提交的活动请联系乡镇退回。")
    require_open_month(activity.org, activity.date)
    activity.delete()


@transaction.atomic
def do_submit_activity(activity, *, actor) -> Activity:
    activity = _locked_activity(activity)
    require(actor, "ledger.log", activity.org)
    if not activity.is_editable:
        raise ValidationError("该活动已提交。")
    require_open_month(activity.org, activity.date)
    activity.status, activity.submitted_at, activity.return_reason = (
        ActivityStatus.SUBMITTED, timezone.now(), "")
    activity.save(update_fields=["status", "submitted_at", "return_reason"])
    return activity


@transaction.atomic
def do_confirm_activity(activity, *, actor) -> Activity:
    """The township (or county) confirms a submitted entry; checking may finish after close."""
    activity = _locked_activity(activity)
    require(actor, "ledger.confirm", activity.org)
    if activity.status != ActivityStatus.SUBMITTED:
        raise ValidationError("只有待确认的活动可以确认。")
    activity.status, activity.confirmed_at, activity.confirmed_by = (
        ActivityStatus.CONFIRMED, timezone.now(), actor)
    activity.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return activity


@transaction.atomic
def do_return_activity(activity, *, actor, reason) -> Activity:
    activity = _locked_activity(activity)
    require(actor, "ledger.confirm", activity.org)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    if activity.status != ActivityStatus.SUBMITTED:
        raise ValidationError("只有待确认的活动可以退回。")
    activity.status, activity.return_reason = ActivityStatus.RETURNED, reason[:300]
    activity.save(update_fields=["status", "return_reason"])
    return activity


@transaction.atomic
def do_save_and_submit_activity(activity, participants=(), *, actor) -> Activity:
    """Save and submit in one step (the form's 保存并提交): both happen, or neither."""
    activity = do_save_activity(activity, participants, actor=actor)
    return do_submit_activity(activity, actor=actor)
