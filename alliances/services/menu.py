"""The alliance's service menu (联盟活动服务清单, 003 二.7) in its three-way mode "党员群众选、
部门结对送、党建联盟定".

- `propose_item`: a member organization's secretary or contact proposes an item for their
  organization (党员群众选; a unit may offer one it delivers itself, 部门结对送), or the
  owner's staff (alliance.manage) put one on the menu (党员群众选 or 党建联盟定).
- `vote` / `unvote`: the members' people (users acting for a current member organization)
  vote once per item; `vote_count` moves with an F() update in the vote's transaction.
- `commit_item`: a member organization of kind unit commits to deliver an open item.
- `schedule_item`: the owner's staff set the date and the organization that holds it, which
  plans a draft activity in the ledger through `alliances.hooks` (alliances may not import
  the ledger); without a registered planner scheduling is refused.
- `mark_done`, `withdraw_item` (with a reason, kept on the item and in the audit row; a
  scheduled item's draft activity goes too).

Permission first (PermissionDenied), then state (ValidationError with a `code`); one
transaction each, the item row locked, and an audit row.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from alliances import hooks
from alliances.membership import member_orgs_of
from alliances.models import Membership, ServiceMenuItem, ServiceVote
from alliances.models.menu import MenuChannel, MenuStatus
from portal import audit
from portal.models.orgs import OrgKind
from portal.scope import has_capability

MANAGE = "alliance.manage"
TITLE_MAX = 100
DESCRIPTION_MAX = 1000
REASON_MAX = ServiceMenuItem._meta.get_field("withdraw_reason").max_length
VOTABLE = (MenuStatus.OPEN, MenuStatus.COMMITTED)
SCHEDULABLE = (MenuStatus.OPEN, MenuStatus.COMMITTED)
WITHDRAWABLE = (MenuStatus.OPEN, MenuStatus.COMMITTED, MenuStatus.SCHEDULED)
MEMBER_CHANNELS = (MenuChannel.CHOSEN, MenuChannel.DELIVERED)
MANAGER_CHANNELS = (MenuChannel.CHOSEN, MenuChannel.DECIDED)

NOT_MEMBER = "只有联盟成员组织的书记或联络员可以参与联盟服务清单。"
NOT_MANAGER = "只有联盟所属乡镇（县）的管理员可以排期和管理联盟服务清单。"


def _refused(field, message, code):
    return ValidationError({field: ValidationError(message, code=code)})


def can_manage(user, alliance) -> bool:
    return has_capability(user, MANAGE, alliance.owner)


def _require_manager(actor, alliance):
    if not can_manage(actor, alliance):
        raise PermissionDenied(NOT_MANAGER)


def _require_open_alliance(alliance):
    if not alliance.is_open:
        raise ValidationError("该联盟已结束，服务清单不再变动。", code="closed")


def _locked(item):
    return (ServiceMenuItem.objects.select_for_update(of=("self",))
            .select_related("alliance__owner", "provider", "proposed_by_org").get(pk=item.pk))


def _require_status(item, allowed, message):
    if item.status not in allowed:
        raise ValidationError(message, code="state")


def _record(action, verb, item, actor, **data):
    audit.record(action, f"{verb}：{item.alliance.name}“{item.title}”", actor=actor,
                 alliance=item.alliance_id, menu_item=item.pk, status=item.status, **data)


def _text(value, field, label, maximum, required=True):
    value = (value or "").strip()
    if required and not value:
        raise _refused(field, f"请填写{label}。", "required")
    if len(value) > maximum:
        raise _refused(field, f"{label}不超过 {maximum} 字。", "length")
    return value


@transaction.atomic
def propose_item(alliance, *, actor, title, description="", channel=MenuChannel.CHOSEN,
                 org=None):
    """Put an item on the menu. A member proposes for one of its organizations (`org`, or its
    only one); a unit proposing 部门结对送 becomes its provider at once (committed). The
    owner's staff propose without an organization."""
    managing = can_manage(actor, alliance)
    orgs = list(member_orgs_of(actor, alliance))
    if not managing and not orgs:
        raise PermissionDenied(NOT_MEMBER)
    _require_open_alliance(alliance)
    title = _text(title, "title", "服务项目", TITLE_MAX)
    description = _text(description, "description", "服务内容", DESCRIPTION_MAX, required=False)
    if org is None and not managing and len(orgs) == 1:
        org = orgs[0]
    if org is not None and org.pk not in {o.pk for o in orgs}:
        raise _refused("org", "只能以您所在的联盟成员组织提出。", "org")
    if org is None and not managing:
        raise _refused("org", "请选择提出项目的成员组织。", "org")
    allowed = MEMBER_CHANNELS if org is not None else MANAGER_CHANNELS
    if managing and org is not None:
        allowed = tuple({*MEMBER_CHANNELS, *MANAGER_CHANNELS})
    if channel not in allowed:
        raise _refused("channel", "该来源方式不适用：部门结对送由成员单位提出，党建联盟定由联盟"
                       "所属乡镇（县）管理员确定。", "channel")
    item = ServiceMenuItem(alliance=alliance, title=title, description=description,
                           channel=channel, proposed_by_org=org, created_by=actor)
    if channel == MenuChannel.DELIVERED:
        if org is None or org.kind != OrgKind.UNIT:
            raise _refused("channel", "部门结对送的项目须由成员中的县直单位提出。", "channel")
        item.provider, item.status = org, MenuStatus.COMMITTED
    item.save()
    _record(audit.AuditAction.CREATE, "提出联盟服务项目", item, actor,
            channel=channel, org=getattr(org, "pk", None))
    return item


def has_voted(item, user) -> bool:
    return ServiceVote.objects.filter(item=item, voter=user).exists()


@transaction.atomic
def vote(item, *, actor):
    """党员群众选: one vote per person and item, counted in the same transaction."""
    if not member_orgs_of(actor, item.alliance).exists():
        raise PermissionDenied(NOT_MEMBER)
    locked = _locked(item)
    _require_open_alliance(locked.alliance)
    _require_status(locked, VOTABLE, "该项目已排期或已结束，不能再投票。")
    try:
        with transaction.atomic():
            ServiceVote.objects.create(item=locked, voter=actor)
    except IntegrityError as exc:
        raise ValidationError("您已为该项目投过票。", code="voted") from exc
    ServiceMenuItem.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") + 1)
    locked.refresh_from_db(fields=["vote_count"])
    _record(audit.AuditAction.OTHER, "为联盟服务项目投票", locked, actor,
            vote_count=locked.vote_count)
    return locked


@transaction.atomic
def unvote(item, *, actor):
    """Take one's vote back while voting is open."""
    if not member_orgs_of(actor, item.alliance).exists():
        raise PermissionDenied(NOT_MEMBER)
    locked = _locked(item)
    _require_status(locked, VOTABLE, "该项目已排期或已结束，不能再撤回投票。")
    deleted, _ = ServiceVote.objects.filter(item=locked, voter=actor).delete()
    if not deleted:
        raise ValidationError("您还没有为该项目投票。", code="not_voted")
    ServiceMenuItem.objects.filter(pk=locked.pk, vote_count__gt=0).update(
        vote_count=F("vote_count") - 1)
    locked.refresh_from_db(fields=["vote_count"])
    _record(audit.AuditAction.OTHER, "撤回联盟服务项目投票", locked, actor,
            vote_count=locked.vote_count)
    return locked


def committing_orgs(user, alliance):
    """The member units the user may commit for (部门结对送)."""
    return member_orgs_of(user, alliance).filter(kind=OrgKind.UNIT)


@transaction.atomic
def commit_item(item, *, actor, org=None):
    """部门结对送: a member unit commits to deliver an open item and becomes its provider."""
    units = list(committing_orgs(actor, item.alliance))
    if not units:
        raise PermissionDenied("只有联盟成员中的县直单位可以认领承办服务项目。")
    if org is None and len(units) == 1:
        org = units[0]
    if org is None or org.pk not in {unit.pk for unit in units}:
        raise _refused("org", "请选择您所在的联盟成员单位。", "org")
    locked = _locked(item)
    _require_open_alliance(locked.alliance)
    _require_status(locked, (MenuStatus.OPEN,), "只有征集中的项目可以认领承办。")
    locked.provider, locked.status = org, MenuStatus.COMMITTED
    locked.save(update_fields=["provider", "status"])
    _record(audit.AuditAction.TRANSITION, f"认领承办联盟服务项目（{org.name}）", locked, actor,
            provider=org.pk)
    return locked


def current_member_orgs(alliance):
    from portal.models import Organization

    current = Membership.objects.current().filter(alliance=alliance).values("org_id")
    return Organization.objects.filter(pk__in=current).order_by("path")


@transaction.atomic
def schedule_item(item, *, actor, planned_date, org, theme):
    """党建联盟定: set the date and the member organization that holds it; a draft activity
    is planned in that organization's ledger, linked to the alliance and the item."""
    _require_manager(actor, item.alliance)
    locked = _locked(item)
    _require_open_alliance(locked.alliance)
    _require_status(locked, SCHEDULABLE, "只有征集中或已认领承办的项目可以排期。")
    if hooks.activity_planner() is None:
        raise ValidationError(hooks.NO_PLANNER, code="no_planner")
    if planned_date is None or planned_date < timezone.localdate():
        raise _refused("planned_date", "计划日期不能早于今天。", "date")
    if org is None or not current_member_orgs(locked.alliance).filter(pk=org.pk).exists():
        raise _refused("org", "承办组织须是该联盟的现有成员。", "org")
    locked.planned_date, locked.provider, locked.status = planned_date, org, MenuStatus.SCHEDULED
    locked.save(update_fields=["planned_date", "provider", "status"])
    activity = hooks.plan_activity(locked, org=org, date=planned_date, theme=theme, actor=actor)
    _record(audit.AuditAction.TRANSITION,
            f"联盟服务项目排期（{planned_date:%Y-%m-%d}，{org.name}承办）", locked, actor,
            provider=org.pk, planned_date=planned_date.isoformat(),
            activity=getattr(activity, "pk", None))
    return locked


@transaction.atomic
def mark_done(item, *, actor):
    """A scheduled item whose date has come is marked done."""
    _require_manager(actor, item.alliance)
    locked = _locked(item)
    _require_status(locked, (MenuStatus.SCHEDULED,), "只有已排期的项目可以标记完成。")
    if locked.planned_date and locked.planned_date > timezone.localdate():
        raise ValidationError("计划日期未到，不能标记完成。", code="early")
    locked.status = MenuStatus.DONE
    locked.save(update_fields=["status"])
    _record(audit.AuditAction.TRANSITION, "联盟服务项目完成", locked, actor)
    return locked


def can_withdraw(user, item) -> bool:
    """The owner's staff, or — while it is still open — the proposing organization's people."""
    if can_manage(user, item.alliance):
        return True
    return (item.status == MenuStatus.OPEN and item.proposed_by_org_id is not None
            and member_orgs_of(user, item.alliance).filter(pk=item.proposed_by_org_id).exists())


@transaction.atomic
def withdraw_item(item, *, actor, reason):
    """撤下 with a reason (kept in `withdraw_reason` and audited); a scheduled item's planned
    draft activity is removed with it."""
    locked = _locked(item)
    if not can_withdraw(actor, locked):
        raise PermissionDenied("只有联盟所属乡镇（县）管理员可以撤下该项目；征集中的项目，"
                               "提出组织的书记或联络员也可以撤下。")
    reason = _text(reason, "reason", "撤下原因", REASON_MAX)
    _require_status(locked, WITHDRAWABLE, "已完成或已撤下的项目不能撤下。")
    was_scheduled = locked.status == MenuStatus.SCHEDULED
    locked.status, locked.withdraw_reason = MenuStatus.WITHDRAWN, reason
    locked.save(update_fields=["status", "withdraw_reason"])
    removed = 0
    if was_scheduled:
        removed = hooks.cancel_planned_activities(locked, actor=actor, reason=reason)
    _record(audit.AuditAction.TRANSITION, f"撤下联盟服务项目：{reason}", locked, actor,
            reason=reason, planned_activities_removed=removed)
    return locked
