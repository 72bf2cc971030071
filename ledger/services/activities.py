"""Activities: save with participants, submit, confirm or return. Every write checks the
period lock here, in the service, so no view, import or task can bypass it; permission comes
before state (`Activity.workflow.check`), and every change writes its audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliances.services.structure import open_alliances_of
from ledger.models import Activity, ActivityStatus, Participation
from ledger.services.locks import require_open_month
from pairing.models import Pairing, PairingStatus
from portal import audit
from portal.batch import apply_to_each
from portal.models import Organization, Person
from portal.scope import require


def eligible_orgs(org):
    """Ids of the organizations whose people may take part in an activity of `org`: its
    subtree and the organizations it is actively paired with (a village's paired units, a
    unit's paired villages). A union, each branch read by its own index: one condition
    OR-ing the pairings scanned every organization and every pairing."""
    active = Pairing.objects.filter(status=PairingStatus.ACTIVE)
    return sorted(pk for pk, in (
        Organization.objects.filter(path__startswith=org.path).values_list("pk").order_by()
        .union(active.filter(village_org=org).values_list("city_org_id").order_by(),
               active.filter(city_org=org).values_list("village_org_id").order_by())))


def eligible_participants(org, org_ids=None):
    """People who may take part in an activity of `org`: its own people and those of the
    organizations it is actively paired with (`org_ids`: eligible_orgs(org), when the caller
    has them)."""
    # The organizations first (a few dozen), then their people by the home organization
    # index: the same condition across the person-organization join (or as a subquery, whose
    # OR PostgreSQL cannot estimate) read all 154,000 people of a city for every activity
    # form (31 ms).
    return Person.objects.filter(
        is_active=True, home_org_id__in=eligible_orgs(org) if org_ids is None else org_ids)


def _locked_activity(activity):
    return Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)


@transaction.atomic
def do_save_activity(activity, participants=(), *, actor) -> Activity:
    """Create or update an activity and replace its participants.

    `participants` is a sequence of (person, hours, role)."""
    require(actor, "ledger.log", activity.org)
    created = not activity.pk
    if created:
        activity.created_by = actor
    else:
        before = _locked_activity(activity)
        Activity.workflow.check(before, "edit", actor)
        require_open_month(before.org, before.date)
    if activity.date:
        require_open_month(activity.org, activity.date)
    if activity.alliance_id and (created or activity.alliance_id != before.alliance_id):
        _require_alliance_member(activity)
    activity.full_clean(exclude=["created_by"])
    activity.save()
    _replace_participants(activity, participants)
    audit.record(audit.AuditAction.CREATE if created else audit.AuditAction.UPDATE,
                 f"{'登记' if created else '修改'}活动“{activity.title}”（{activity.org.name}）",
                 actor=actor, activity=activity.pk, org=activity.org_id)
    return activity


def _require_alliance_member(activity):
    """An activity is linked only to an open alliance its organization currently belongs to
    (a link made earlier stays when the organization later leaves)."""
    if not open_alliances_of([activity.org]).filter(pk=activity.alliance_id).exists():
        raise ValidationError({"alliance": ValidationError(
            "该组织不是所选党建联盟的现有成员。", code="alliance")})


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
    Activity.workflow.check(activity, "delete", actor)
    require_open_month(activity.org, activity.date)
    audit.record(audit.AuditAction.DELETE,
                 f"删除活动草稿“{activity.title}”（{activity.org.name}）", actor=actor,
                 activity=activity.pk, org=activity.org_id)
    activity.delete()


@transaction.atomic
def do_submit_activity(activity, *, actor) -> Activity:
    activity = _locked_activity(activity)
    Activity.workflow.check(activity, "submit", actor)
    require_open_month(activity.org, activity.date)
    activity.status, activity.submitted_at, activity.return_reason = (
        ActivityStatus.SUBMITTED, timezone.now(), "")
    activity.save(update_fields=["status", "submitted_at", "return_reason"])
    _audit_transition(activity, "提交", actor)
    return activity


def _audit_transition(activity, verb, actor, **data):
    audit.record(audit.AuditAction.TRANSITION,
                 f"{verb}活动“{activity.title}”（{activity.org.name}）", actor=actor,
                 activity=activity.pk, org=activity.org_id, status=activity.status, **data)


@transaction.atomic
def do_confirm_activity(activity, *, actor) -> Activity:
    """The township (or county) confirms a submitted entry; checking may finish after close."""
    activity = _locked_activity(activity)
    Activity.workflow.check(activity, "confirm", actor)
    activity.status, activity.confirmed_at, activity.confirmed_by = (
        ActivityStatus.CONFIRMED, timezone.now(), actor)
    activity.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    _audit_transition(activity, "确认", actor)
    return activity


@transaction.atomic
def do_return_activity(activity, *, actor, reason) -> Activity:
    activity = _locked_activity(activity)
    Activity.workflow.check(activity, "return", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    activity.status, activity.return_reason = ActivityStatus.RETURNED, reason[:300]
    activity.save(update_fields=["status", "return_reason"])
    _audit_transition(activity, "退回", actor, reason=activity.return_reason)
    return activity


def activity_label(activity):
    return f"{activity.org.name} {activity.title}"


def do_confirm_activities(activities, *, actor) -> list[Activity]:
    """批量确认: each through do_confirm_activity (its checks and audit row), all or none."""
    return apply_to_each(activities, do_confirm_activity, actor=actor, label=activity_label)


def do_return_activities(activities, *, actor, reason) -> list[Activity]:
    """批量退回 with one reason: each through do_return_activity, all or none."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "退回时请填写原因。"})
    return apply_to_each(activities, do_return_activity, actor=actor, reason=reason,
                         label=activity_label)
