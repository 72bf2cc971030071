"""Project lists (项目清单, 003 二.2 / 四.1): the alliance's common list (共性化, member empty)
and each member's individual list (个性化), their quarterly progress updates and 书记领办.

Who edits: the alliance's managers (alliance.manage on its owner) edit every list; a member
organization's own secretary or contact (village_secretary / unit_contact holding alliance.view
on that organization) edits that organization's individual list. A quarterly update may also be
recorded by the project's leading secretary (书记领办) from the task list.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from alliances.models import Alliance, Membership, Project, ProjectStatus, ProjectUpdate
from alliances.scope import member_paths
from portal import audit
from portal.models.audit import AuditAction
from portal.scope import has_capability, under_any_path
from portal.uploads import DOCUMENT_FORMATS, MB, safe_name, validate_upload

EVIDENCE_MAX_BYTES = 10 * MB
FINISHED = (ProjectStatus.DONE, ProjectStatus.STOPPED)


def visible_projects(user):
    """Projects the user may see: those in scope by owner or member path, and every project of
    an alliance the user sees (a member of a county task alliance sees its common list)."""
    alliances = Alliance.objects.visible_to(user, "alliance.view").values("pk")
    # One OR of index-served subqueries on the row itself: wrapped in a pk IN (...), the scope
    # was a scan of every project of the city (6,600 at city scale) for a secretary's few.
    return (Project.objects.visible_to(user, "alliance.view")
            | Project.objects.filter(alliance__in=alliances))


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, quarter * 3 + 1, 1) - datetime.timedelta(days=1)


def is_late(project, today: datetime.date) -> bool:
    return project.end_date < today and project.status not in FINISHED


def manages(user, alliance) -> bool:
    return has_capability(user, "alliance.manage", alliance.owner)


def acts_for_member(user, org) -> bool:
    """The user is the member organization's own secretary or contact."""
    return org is not None and any(org.path.startswith(p)
                                   for p in member_paths(user, "alliance.view"))


def may_edit_list(user, alliance, member) -> bool:
    """Whether the user may add to or edit the list (member None: the common list)."""
    if manages(user, alliance):
        return True
    return member is not None and acts_for_member(user, member)


def editable_members(user, alliance):
    """Current member organizations whose individual lists the user may edit."""
    from portal.models import Organization

    orgs = Organization.objects.filter(alliance_memberships__alliance=alliance,
                                       alliance_memberships__left_on__isnull=True)
    if manages(user, alliance):
        return orgs
    paths = member_paths(user, "alliance.view")
    return orgs.filter(under_any_path("path", paths))


def may_record_update(user, project) -> bool:
    # RelatedObjectDoesNotExist is an AttributeError: a user without a person gets None.
    person = getattr(user, "person", None) if user.is_authenticated else None
    return (may_edit_list(user, project.alliance, project.member)
            or (person is not None and project.secretary_led
                and project.secretary_id == person.pk))


def _require_visible_alliance(alliance, actor):
    if not Alliance.objects.visible_to(actor, "alliance.view").filter(pk=alliance.pk).exists():
        raise PermissionDenied("您没有查看该联盟的权限。")


def _belongs(person, org) -> bool:
    return person is not None and org is not None and person.home_org.path.startswith(org.path)


def _check_fields(alliance, member, fields):
    errors = {}
    if not fields["name"]:
        errors["name"] = ValidationError("请填写项目名称。", code="required")
    if not fields["goal"]:
        errors["goal"] = ValidationError("请填写项目目标。", code="required")
    if fields["end_date"] < fields["start_date"]:
        errors["end_date"] = ValidationError("计划完成日期不能早于开始日期。", code="order")
    if fields["budget"] < 0:
        errors["budget"] = ValidationError("预算不能为负数。", code="budget")
    owner = fields["owner"]
    home = member or alliance.lead_org
    if owner is not None and member is not None and not _belongs(owner, member):
        errors["owner"] = ValidationError(f"负责人应为“{member.name}”的人员。", code="owner")
    if fields["secretary_led"]:
        secretary = fields["secretary"]
        if secretary is None:
            errors["secretary"] = ValidationError("书记领办项目须指定领办书记。",
                                                  code="secretary")
        elif home is None:
            errors["secretary"] = ValidationError(
                "联盟尚未指定牵头组织，共性化项目不能书记领办。", code="secretary")
        elif not _belongs(secretary, home):
            errors["secretary"] = ValidationError(
                f"领办书记应为“{home.name}”的人员。", code="secretary")
    else:
        fields["secretary"] = None
    if errors:
        raise ValidationError(errors)


def _clean(fields):
    fields["name"] = (fields.get("name") or "").strip()
    fields["goal"] = (fields.get("goal") or "").strip()
    return fields


def create_project(alliance, *, actor, member=None, name, goal, start_date, end_date,
                   owner=None, budget=0, secretary_led=False, secretary=None) -> Project:
    """Add a project to the common list (member None) or to a member's individual list."""
    fields = _clean({"name": name, "goal": goal, "start_date": start_date,
                     "end_date": end_date, "owner": owner, "budget": budget,
                     "secretary_led": secretary_led, "secretary": secretary})
    with transaction.atomic():
        _require_visible_alliance(alliance, actor)
        if not may_edit_list(actor, alliance, member):
            raise PermissionDenied("您没有编制该项目清单的权限。")
        alliance = (Alliance.objects.select_for_update(of=("self",))
                    .select_related("owner", "lead_org").get(pk=alliance.pk))
        if not alliance.is_open:
            raise ValidationError("该联盟已结束，不能再添加项目。", code="closed")
        if member is not None and not Membership.objects.current().filter(
                alliance=alliance, org=member).exists():
            raise ValidationError({"member": ValidationError(
                f"{member.name}不是“{alliance.name}”的现有成员。", code="member")})
        _check_fields(alliance, member, fields)
        project = Project.objects.create(alliance=alliance, member=member, created_by=actor,
                                         **fields)
        audit.record(AuditAction.CREATE, f"新建联盟项目：{alliance} · {project}", actor=actor,
                     project=project.pk, alliance=alliance.pk,
                     member=member.pk if member else None)
    return project


EDITABLE = ("name", "goal", "start_date", "end_date", "owner", "budget", "secretary_led",
            "secretary", "status")


def edit_project(project, *, actor, **changes) -> Project:
    """Change a project's details or status. `done` needs progress 100 (an update sets it)."""
    with transaction.atomic():
        project = (Project.objects.select_for_update(of=("self",))
                   .select_related("alliance__owner", "alliance__lead_org", "member")
                   .get(pk=project.pk))
        _require_visible_alliance(project.alliance, actor)
        if not may_edit_list(actor, project.alliance, project.member):
            raise PermissionDenied("您没有修改该项目的权限。")
        fields = _clean({key: changes.get(key, getattr(project, key)) for key in EDITABLE})
        if fields["status"] not in ProjectStatus.values:
            raise ValidationError({"status": ValidationError("状态无效。", code="state")})
        if fields["status"] == ProjectStatus.DONE and project.progress < 100:
            raise ValidationError({"status": ValidationError(
                "进度达到100%后才能标为已完成，请先填报季度进展。", code="state")})
        _check_fields(project.alliance, project.member, fields)
        changed = [key for key, value in fields.items() if getattr(project, key) != value]
        for key, value in fields.items():
            setattr(project, key, value)
        project.save()
        audit.record(AuditAction.UPDATE, f"修改联盟项目：{project}", actor=actor,
                     project=project.pk, changed=changed)
    return project


def record_update(project, *, actor, year, quarter, progress, note, evidence=None,
                  lowered=False, today=None) -> ProjectUpdate:
    """A quarter's progress (one per quarter). Progress may fall below the previous quarter's
    only when `lowered` confirms the note explains why. The latest quarter sets the project's
    progress and status (100 → done; otherwise a planned or done project is ongoing)."""
    today = today or datetime.date.today()
    note = (note or "").strip()
    with transaction.atomic():
        project = (Project.objects.select_for_update(of=("self",))
                   .select_related("alliance__owner", "member").get(pk=project.pk))
        _require_visible_alliance(project.alliance, actor)
        if not may_record_update(actor, project):
            raise PermissionDenied("您没有填报该项目进展的权限。")
        if project.status == ProjectStatus.STOPPED:
            raise ValidationError("该项目已终止，不能填报进展。", code="state")
        errors = {}
        if quarter not in (1, 2, 3, 4):
            errors["quarter"] = ValidationError("季度应为1至4。", code="quarter")
        elif (year, quarter) > quarter_of(today):
            errors["quarter"] = ValidationError("不能填报尚未开始的季度。", code="future")
        elif (year, quarter) < quarter_of(project.start_date):
            errors["quarter"] = ValidationError("该季度早于项目开始日期。", code="before_start")
        if not 0 <= progress <= 100:
            errors["progress"] = ValidationError("进度应在0到100之间。", code="progress")
        if not note:
            errors["note"] = ValidationError("请填写进展情况。", code="required")
        if errors:
            raise ValidationError(errors)
        updates = project.updates.all()
        if updates.filter(year=year, quarter=quarter).exists():
            raise ValidationError({"quarter": ValidationError(
                f"{year}年第{quarter}季度已填报进展，每季度只填报一次。", code="duplicate")})
        previous = (updates.filter(Q(year__lt=year) | Q(year=year, quarter__lt=quarter))
                    .order_by("-year", "-quarter").first())
        if previous is not None and progress < previous.progress and not lowered:
            raise ValidationError({"progress": ValidationError(
                f"进度低于上一季度（{previous.progress}%）。如确需下调，请在进展情况中说明原因"
                "并勾选“进度下调”。", code="regress")})
        update = ProjectUpdate(project=project, year=year, quarter=quarter, progress=progress,
                               note=note, recorded_by=actor)
        if evidence:
            try:
                detected = validate_upload(evidence, formats=DOCUMENT_FORMATS,
                                           max_bytes=EVIDENCE_MAX_BYTES)
            except ValidationError as exc:
                raise ValidationError({"evidence": exc.messages}) from exc
            update.evidence.save(safe_name(detected, f"project-{project.pk}-{year}q{quarter}"),
                                 evidence, save=False)
        try:
            with transaction.atomic():
                update.save()
        except IntegrityError as exc:  # a concurrent request recorded this quarter first
            if update.evidence:
                update.evidence.delete(save=False)
            raise ValidationError({"quarter": ValidationError(
                f"{year}年第{quarter}季度已填报进展。", code="duplicate")}) from exc
        later = updates.filter(Q(year__gt=year) | Q(year=year, quarter__gt=quarter)).exists()
        if not later:
            project.progress = progress
            if progress == 100:
                project.status = ProjectStatus.DONE
            elif project.status in (ProjectStatus.PLANNED, ProjectStatus.DONE):
                project.status = ProjectStatus.ONGOING
            project.save(update_fields=["progress", "status"])
        audit.record(AuditAction.CREATE,
                     f"填报项目进展：{project} {year}年第{quarter}季度 {progress}%", actor=actor,
                     project=project.pk, update=update.pk, lowered=bool(lowered))
    return update
