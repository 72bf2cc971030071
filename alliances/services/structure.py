"""The x+x+x structure (003 三.(一)): create and edit alliances, members joining and leaving,
closing a task alliance, and the formation warnings (地域相邻、规模适当) the pages show.

Rules, checked here so that no view, import or seed can bypass them (permission first, then
state; every refusal carries a `code`):
- a core alliance (核心联盟) has no parent, and an owner has at most one open core alliance;
- an area alliance (片区联盟)'s parent is the open core alliance of the same owner;
- a task alliance (任务型联盟) has a purpose and no parent; its current members are either none
  or at least `settings.ALLIANCE_TASK_MIN_MEMBERS` — checked on creation with members, when
  members are added and when one leaves (so it is never left with one or two);
- members of a core or area alliance lie in the owner's subtree; a task alliance takes any
  organization the actor may see ("不限领域、不限地域、不限层级");
- membership keeps its history: leaving closes the row, joining again opens a new one.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alliances.models import Alliance, AllianceKind, Membership
from portal import audit
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import ensure_still_visible, require

MANAGE = "alliance.manage"
OWNER_KINDS = (OrgKind.TOWNSHIP, OrgKind.COUNTY)
EDITABLE_FIELDS = ("name", "type", "parent", "lead_org", "leader", "founded", "goals",
                   "purpose", "principles")


def task_min_members():
    return getattr(settings, "ALLIANCE_TASK_MIN_MEMBERS", 3)


def max_members():
    return getattr(settings, "ALLIANCE_MAX_MEMBERS", 30)


def manageable_owners(user):
    """Townships (and the county) whose alliances the user may create and manage."""
    return (Organization.objects.visible_to(user, MANAGE).filter(kind__in=OWNER_KINDS)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


def member_candidates(alliance, user):
    """Organizations that may join `alliance`: the owner's subtree (core, area) or any
    organization the user sees (task), never the county, the owner itself or a current member."""
    if alliance.kind == AllianceKind.TASK:
        orgs = Organization.objects.visible_to(user, "org.view")
    else:
        orgs = Organization.objects.filter(path__startswith=alliance.owner.path)
    current = Membership.objects.current().filter(alliance=alliance).values("org")
    return (orgs.exclude(kind=OrgKind.COUNTY).exclude(pk=alliance.owner_id)
            .exclude(pk__in=current).filter(is_active=True))


def _refuse(message, code, field=None):
    error = ValidationError(message, code=code)
    raise ValidationError({field: error}) if field else error


def _lock_owner(owner):
    """Serialise structure changes of one owner (one open core alliance, member counts)."""
    return Organization.objects.select_for_update().get(pk=owner.pk)


def _check_owner(owner):
    if owner.kind not in OWNER_KINDS:
        _refuse("联盟只能由乡镇（街道）或县组建。", "owner", "owner")


def _check_parent(alliance):
    if alliance.kind == AllianceKind.AREA:
        parent = alliance.parent
        if parent is None:
            _refuse("片区联盟须隶属于本乡镇的核心联盟。", "parent", "parent")
        if (parent.kind != AllianceKind.CORE or parent.owner_id != alliance.owner_id
                or not parent.is_open):
            _refuse("片区联盟的上级须是同一乡镇的核心联盟。", "parent", "parent")
    elif alliance.parent_id is not None:
        _refuse("只有片区联盟设上级联盟。", "parent", "parent")


def _check_single_core(alliance):
    if alliance.kind != AllianceKind.CORE or not alliance.is_open:
        return
    others = Alliance.objects.open().filter(owner=alliance.owner, kind=AllianceKind.CORE)
    if alliance.pk:
        others = others.exclude(pk=alliance.pk)
    if others.exists():
        _refuse(f"{alliance.owner.name}已有核心联盟，每个乡镇只设一个。", "core_exists", "kind")


def _check_purpose(alliance):
    if alliance.kind == AllianceKind.TASK and not alliance.purpose.strip():
        _refuse("任务型联盟须写明要解决的重大问题或重点工作。", "purpose", "purpose")


def _check_people(alliance, actor):
    if alliance.lead_org_id and alliance.lead_org_id not in _allowed_org_ids(
            alliance, [alliance.lead_org], actor):
        _refuse("牵头组织不在本联盟可吸纳的范围内。", "member_scope", "lead_org")
    if alliance.leader_id and not Person.objects.visible_to(actor, "person.view").filter(
            pk=alliance.leader_id).exists():
        _refuse("负责人不在您的管理范围内。", "leader", "leader")


def _allowed_org_ids(alliance, orgs, actor):
    ids = [org.pk for org in orgs]
    if alliance.kind == AllianceKind.TASK:
        allowed = Organization.objects.visible_to(actor, "org.view")
    else:
        allowed = Organization.objects.filter(path__startswith=alliance.owner.path)
    return set(allowed.exclude(kind=OrgKind.COUNTY).exclude(pk=alliance.owner_id)
               .filter(pk__in=ids).values_list("pk", flat=True))


def _check_closed(alliance):
    if not alliance.is_open:
        _refuse("该联盟已结束，不能再修改。", "closed")


def _day(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _audit(action, summary, alliance, actor, **data):
    audit.record(action, summary, actor=actor, alliance=alliance.pk,
                 owner=alliance.owner_id, **data)


@transaction.atomic
def do_create_alliance(*, actor, name, kind, type, owner, founded, parent=None, lead_org=None,
                       leader=None, goals="", purpose="", principles=None, members=(),
                       joined_on=None) -> Alliance:
    """Found an alliance; `members` (organizations) join on `joined_on` (the founding date by
    default) in the same transaction."""
    require(actor, MANAGE, owner)
    _check_owner(owner)
    _lock_owner(owner)
    alliance = Alliance(name=name, kind=kind, type=type, owner=owner, parent=parent,
                        lead_org=lead_org, leader=leader, founded=founded, goals=goals,
                        purpose=purpose, created_by=actor)
    if principles is not None:
        alliance.principles = principles
    _check_parent(alliance)
    _check_single_core(alliance)
    _check_purpose(alliance)
    _check_people(alliance, actor)
    alliance.full_clean(exclude=["created_by"])
    alliance.save()
    _audit(audit.AuditAction.CREATE,
           f"组建{alliance.get_kind_display()}“{alliance.name}”（{owner.name}）", alliance, actor)
    if members:
        _add_members(alliance, list(members), joined_on or founded, actor)
    ensure_still_visible(alliance, actor, MANAGE)
    return alliance


@transaction.atomic
def do_update_alliance(alliance, *, actor, **fields) -> Alliance:
    """Edit an open alliance's fields (`EDITABLE_FIELDS`); its kind and owner stay."""
    require(actor, MANAGE, alliance.owner)
    _lock_owner(alliance.owner)
    alliance = Alliance.objects.select_related("owner").get(pk=alliance.pk)
    _check_closed(alliance)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(alliance, name, value)
    _check_parent(alliance)
    _check_purpose(alliance)
    _check_people(alliance, actor)
    if alliance.founded and alliance.memberships.filter(joined_on__lt=alliance.founded).exists():
        _refuse("成立日期不能晚于成员的加入日期。", "date", "founded")
    alliance.full_clean(exclude=["created_by"])
    alliance.save()
    _audit(audit.AuditAction.UPDATE, f"修改联盟“{alliance.name}”", alliance, actor,
           fields=sorted(fields))
    return alliance


def _add_members(alliance, orgs, joined_on, actor):
    if not orgs:
        _refuse("请选择要加入的组织。", "empty", "orgs")
    if joined_on < alliance.founded:
        _refuse("加入日期不能早于联盟成立日期。", "date", "joined_on")
    if joined_on > timezone.localdate() + datetime.timedelta(days=366):
        _refuse("加入日期不能晚于一年以后。", "date", "joined_on")
    unique = list({org.pk: org for org in orgs}.values())
    allowed = _allowed_org_ids(alliance, unique, actor)
    outside = [org for org in unique if org.pk not in allowed]
    if outside:
        # Counted, not named: the ids may point at organizations the actor may not see.
        _refuse(f"有 {len(outside)} 个组织不在本联盟可吸纳的范围内（核心、片区联盟限本乡镇）。",
                "member_scope", "orgs")
    current = Membership.objects.current().filter(alliance=alliance)
    already = list(current.filter(org__in=unique).values_list("org__name", flat=True))
    if already:
        _refuse(f"{'、'.join(already)}已是本联盟成员。", "already_member", "orgs")
    count = current.count() + len(unique)
    if alliance.kind == AllianceKind.TASK and count < task_min_members():
        _refuse(f"任务型联盟至少需要 {task_min_members()} 个成员组织，请一次选齐。",
                "too_few", "orgs")
    rows = Membership.objects.bulk_create([
        Membership(alliance=alliance, org=org, joined_on=joined_on, added_by=actor)
        for org in unique])
    _audit(audit.AuditAction.CREATE,
           f"{'、'.join(o.name for o in unique[:10])}{'等' if len(unique) > 10 else ''}"
           f"加入“{alliance.name}”", alliance, actor, orgs=[o.pk for o in unique],
           joined_on=joined_on.isoformat())
    return rows


@transaction.atomic
def do_add_members(alliance, *, actor, orgs, joined_on) -> list[Membership]:
    """Several organizations join at once, on `joined_on`."""
    require(actor, MANAGE, alliance.owner)
    _lock_owner(alliance.owner)
    _check_closed(Alliance.objects.get(pk=alliance.pk))
    return _add_members(alliance, list(orgs), joined_on, actor)


@transaction.atomic
def do_remove_member(membership, *, actor, left_on, reason) -> Membership:
    """The organization leaves on `left_on` for `reason`; its row stays as history."""
    alliance = membership.alliance
    require(actor, MANAGE, alliance.owner)
    _lock_owner(alliance.owner)
    membership = Membership.objects.select_related("org", "alliance").get(pk=membership.pk)
    _check_closed(membership.alliance)
    if membership.left_on is not None:
        _refuse(f"{membership.org.name}已于{_day(membership.left_on)}退出。", "state")
    reason = (reason or "").strip()
    if not reason:
        _refuse("请填写退出原因。", "reason", "reason")
    if left_on < membership.joined_on:
        _refuse("退出日期不能早于加入日期。", "date", "left_on")
    if alliance.kind == AllianceKind.TASK:
        remaining = Membership.objects.current().filter(alliance=alliance).count() - 1
        if 0 < remaining < task_min_members():
            _refuse(f"任务型联盟至少需要 {task_min_members()} 个成员组织；任务完成请结束联盟。",
                    "too_few")
    membership.left_on, membership.left_reason = left_on, reason[:200]
    membership.save(update_fields=["left_on", "left_reason"])
    _audit(audit.AuditAction.UPDATE, f"{membership.org.name}退出“{alliance.name}”", alliance,
           actor, org=membership.org_id, left_on=left_on.isoformat(), reason=reason[:200])
    return membership


@transaction.atomic
def do_close_alliance(alliance, *, actor, closed_at, note) -> Alliance:
    """A task alliance closes when its task is done; its roster stays as it was."""
    require(actor, MANAGE, alliance.owner)
    alliance = Alliance.objects.select_for_update().select_related("owner").get(pk=alliance.pk)
    if alliance.kind != AllianceKind.TASK:
        _refuse("只有任务型联盟在任务完成后结束。", "kind")
    _check_closed(alliance)
    note = (note or "").strip()
    if not note:
        _refuse("请填写结束说明（任务完成情况）。", "note", "note")
    if closed_at < alliance.founded:
        _refuse("结束日期不能早于成立日期。", "date", "closed_at")
    alliance.closed_at, alliance.close_note = closed_at, note[:300]
    alliance.save(update_fields=["closed_at", "close_note"])
    _audit(audit.AuditAction.TRANSITION, f"结束任务型联盟“{alliance.name}”", alliance, actor,
           closed_at=closed_at.isoformat(), note=note[:300])
    return alliance


def township_path(path):
    """The path of the depth-2 ancestor (a township, or a county unit) of an org path."""
    return path[: 2 * Organization.steplen]


def formation_warnings_for(alliances):
    """{alliance pk: [(code, message)]} for the alliances given, in two queries whatever their
    number: 地域相邻 (members of a core or area alliance spanning several townships; a task
    alliance is unrestricted by design) and 规模适当 (more current members than the county's
    `ALLIANCE_MAX_MEMBERS`). Warnings inform; nothing is refused for them."""
    alliances = list(alliances)
    if not alliances:
        return {}
    rows = list(Membership.objects.current().filter(alliance__in=alliances)
                .values_list("alliance_id", "org__path"))
    tops = {township_path(path) for _, path in rows if len(path) > Organization.steplen}
    townships = dict(Organization.objects.filter(path__in=tops, kind=OrgKind.TOWNSHIP)
                     .values_list("path", "name")) if tops else {}
    by_alliance = {}
    for alliance_id, path in rows:
        by_alliance.setdefault(alliance_id, []).append(path)
    limit = max_members()
    warnings = {}
    for alliance in alliances:
        paths = by_alliance.get(alliance.pk, [])
        found = []
        spanned = sorted({townships[township_path(p)] for p in paths
                          if township_path(p) in townships})
        if alliance.kind != AllianceKind.TASK and len(spanned) > 1:
            found.append(("span", f"成员分属{len(spanned)}个乡镇（{'、'.join(spanned)}），"
                                  "不符合“地域相邻”原则。"))
        if len(paths) > limit:
            found.append(("size", f"现有成员 {len(paths)} 个，超过县里规定的 {limit} 个，"
                                  "不符合“规模适当”原则。"))
        warnings[alliance.pk] = found
    return warnings


def formation_warnings(alliance):
    """[(code, message)] of one alliance (see `formation_warnings_for`)."""
    return formation_warnings_for([alliance])[alliance.pk]


def open_alliances_of(orgs):
    """Open alliances the organizations currently belong to (the ledger's activity form)."""
    member = Membership.objects.current().filter(org__in=orgs)
    return Alliance.objects.open().filter(Q(pk__in=member.values("alliance")))

