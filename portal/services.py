"""Business actions of the core. Each runs in one transaction, checks the rules and scope,
writes its audit row and returns the result."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from treebeard.exceptions import InvalidMoveToDescendant

from portal import audit
from portal.models import Organization, Person, RoleAssignment
from portal.models.orgs import placement_problem
from portal.models.roles import ROLE_ORG_KINDS, Role
from portal.scope import ensure_still_visible, forget_roles, has_capability, require, role_grants

AuditAction = audit.AuditAction


@transaction.atomic
def do_create_org(parent, *, actor, **fields) -> Organization:
    require(actor, "org.change", parent)
    problem = placement_problem(fields["kind"], parent.kind)
    if problem:
        raise ValidationError({"kind": problem})
    org = Organization.objects.add_child(parent, fields)
    ensure_still_visible(org, actor)
    audit.record(AuditAction.CREATE, f"在“{parent.name}”下新建组织“{org.name}”", actor=actor,
                 org=org.pk, parent=parent.pk, kind=org.kind)
    return org


@transaction.atomic
def do_update_org(org, *, actor, **fields) -> Organization:
    require(actor, "org.change", org)
    changed = sorted(name for name, value in fields.items() if getattr(org, name) != value)
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean()
    org.save()
    audit.record(AuditAction.UPDATE, f"修改组织“{org.name}”", actor=actor, org=org.pk,
                 fields=changed)
    return org


@transaction.atomic
def do_move_org(org, new_parent, *, actor) -> Organization:
    """Move `org` with its subtree under `new_parent`; refuses cycles and invalid placements."""
    require(actor, "org.change", org)
    require(actor, "org.change", new_parent)
    if org.depth == 1:
        raise ValidationError("县（区）是顶级组织，不能移动。", code="top")
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise ValidationError("不能把组织移动到它自己或它的下级组织之下。", code="cycle")
    problem = placement_problem(org.kind, new_parent.kind)
    if problem:
        raise ValidationError(problem, code="placement")
    old_parent = Organization.objects.get_parent(org)
    try:
        Organization.objects.move(org, new_parent, pos="last-child")
    except InvalidMoveToDescendant as exc:
        raise ValidationError("不能把组织移动到它自己的下级组织之下。", code="cycle") from exc
    org.refresh_from_db()
    audit.record(AuditAction.ORG_MOVE,
                 f"将“{org.name}”从“{old_parent}”移至“{new_parent.name}”",
                 actor=actor, org=org.pk, old_parent=old_parent.pk, new_parent=new_parent.pk)
    return org


@transaction.atomic
def do_save_person(person, *, actor) -> Person:
    """Create or update a person; the home org must be one the actor may change."""
    require(actor, "person.change", person.home_org)
    creating = person.pk is None
    if not creating:
        before = Person.objects.select_related("home_org").get(pk=person.pk)
        require(actor, "person.change", before.home_org)
    person.full_clean()
    person.save()
    ensure_still_visible(person, actor)
    # No ID number in the audit row: the log is readable by more people than the number.
    if creating:
        audit.record(AuditAction.CREATE, f"新增人员“{person.name}”（{person.home_org.name}）",
                     actor=actor, person=person.pk, org=person.home_org_id)
    else:
        audit.record(AuditAction.UPDATE, f"修改人员“{person.name}”（{person.home_org.name}）",
                     actor=actor, person=person.pk, org=person.home_org_id,
                     old_org=before.home_org_id)
    return person


def role_assignment_problem(role, org):
    if org.kind not in ROLE_ORG_KINDS[Role(role)]:
        return f"“{Role(role).label}”不能授予在“{org.get_kind_display()}”类组织上。"
    return None


@transaction.atomic
def do_assign_role(user, org, role, *, actor, note="") -> RoleAssignment:
    require(actor, "role.manage", org)
    problem = role_assignment_problem(role, org)
    if problem:
        raise ValidationError(problem, code="placement")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, org=org, role=role, note=note, created_by=actor)
    except IntegrityError as exc:
        raise ValidationError("该用户在此组织上已有这个角色。", code="duplicate") from exc
    forget_roles(user)
    audit.record(AuditAction.ROLE_ASSIGN,
                 f"授予 {user.username} “{org.name}”的{Role(role).label}角色",
                 actor=actor, user=user.pk, org=org.pk, role=role, assignment=assignment.pk)
    return assignment


@transaction.atomic
def do_grant_role(username, org, role, *, actor, password="", full_name="",
                  note="") -> RoleAssignment:
    """Assign `role` to the account `username`, creating the account first when it is new."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = do_create_user(username, password, actor=actor, full_name=full_name)
    return do_assign_role(user, org, role, actor=actor, note=note)


def _managing_roles():
    return [role for role in Role if role_grants(role, "role.manage")]


def _revoke_problem(assignment, actor):
    """Why revoking would leave the county without a role manager or lock the actor out."""
    others = RoleAssignment.objects.active().exclude(pk=assignment.pk)
    if assignment.role == Role.COUNTY_ADMIN and not others.filter(
            role=Role.COUNTY_ADMIN).exists():
        return "这是最后一个组织部管理员授权，撤销后将无人能管理角色。请先将该角色授予他人。"
    if (assignment.user_id == actor.pk and assignment.role in _managing_roles()
            and not others.filter(user=actor, role__in=_managing_roles()).exists()):
        return "不能撤销您自己最后一个可以管理角色的授权。"
    return None


@transaction.atomic
def do_revoke_role(assignment, *, actor) -> RoleAssignment:
    # Lock this grant and every active managing grant, then decide on fresh rows: two admins
    # revoking each other at once must not leave the county with none.
    list(RoleAssignment.objects.select_for_update()
         .filter(Q(pk=assignment.pk) | Q(role__in=_managing_roles(), revoked_at__isnull=True))
         .order_by("pk").values_list("pk", flat=True))
    assignment.refresh_from_db(fields=["revoked_at", "revoked_by"])
    RoleAssignment.workflow.check(assignment, "revoke", actor)
    problem = _revoke_problem(assignment, actor)
    if problem:
        raise ValidationError(problem, code="last_admin")
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    forget_roles(assignment.user)
    audit.record(AuditAction.ROLE_REVOKE,
                 f"撤销 {assignment.user.username} “{assignment.org.name}”的"
                 f"{assignment.get_role_display()}角色",
                 actor=actor, assignment=assignment.pk, user=assignment.user_id,
                 org=assignment.org_id, role=assignment.role)
    return assignment


@transaction.atomic
def do_create_user(username, password, *, actor, full_name=""):
    """Create a login account for role assignment (county admins only)."""
    if not has_capability(actor, "role.manage"):
        raise PermissionDenied("您没有创建账号的权限。")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError("该用户名已存在。", code="duplicate")
    user = user_model(username=username, first_name=full_name[:150])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(AuditAction.CREATE, f"新建账号 {username}", actor=actor, user=user.pk)
    return user
