"""Business actions of the core. Each runs in one transaction, checks the rules and scope,
writes its audit row and returns the result."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from treebeard.exceptions import InvalidMoveToDescendant

from portal import audit
from portal.models import Organization, Person, RoleAssignment
from portal.models.orgs import placement_problem
from portal.models.roles import ROLE_ORG_KINDS, Role
from portal.scope import ensure_still_visible, forget_roles, has_capability, require


@transaction.atomic
def do_create_org(parent, *, actor, **fields) -> Organization:
    require(actor, "org.change", parent)
    problem = placement_problem(fields["kind"], parent.kind)
    if problem:
        raise ValidationError({"kind": problem})
    org = Organization.objects.add_child(parent, fields)
    ensure_still_visible(org, actor)
    return org


@transaction.atomic
def do_update_org(org, *, actor, **fields) -> Organization:
    require(actor, "org.change", org)
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def do_move_org(org, new_parent, *, actor, request=None) -> Organization:
    """Move `org` with its subtree under `new_parent`; refuses cycles and invalid placements."""
    require(actor, "org.change", org)
    require(actor, "org.change", new_parent)
    if org.depth == 1:
        raise ValidationError("县（区）是顶级组织，不能移动。")
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise ValidationError("不能把组织移动到它自己或它的下级组织之下。")
    problem = placement_problem(org.kind, new_parent.kind)
    if problem:
        raise ValidationError(problem)
    old_parent = Organization.objects.get_parent(org)
    try:
        Organization.objects.move(org, new_parent, pos="last-child")
    except InvalidMoveToDescendant as exc:
        raise ValidationError("不能把组织移动到它自己的下级组织之下。") from exc
    org.refresh_from_db()
    audit.record(audit.AuditAction.ORG_MOVE,
                 f"将“{org.name}”从“{old_parent}”移至“{new_parent.name}”",
                 actor=actor, request=request, org=org.pk, old_parent=old_parent.pk,
                 new_parent=new_parent.pk)
    return org


@transaction.atomic
def do_save_person(person, *, actor) -> Person:
    """Create or update a person; the home org must be one the actor may change."""
    require(actor, "person.change", person.home_org)
    if person.pk:
        before = Person.objects.select_related("home_org").get(pk=person.pk)
        require(actor, "person.change", before.home_org)
    person.full_clean()
    person.save()
    ensure_still_visible(person, actor)
    return person


def role_assignment_problem(role, org):
    if org.kind not in ROLE_ORG_KINDS[Role(role)]:
        return f"“{Role(role).label}”不能授予在“{org.get_kind_display()}”类组织上。"
    return None


@transaction.atomic
def do_assign_role(user, org, role, *, actor, note="", request=None) -> RoleAssignment:
    require(actor, "role.manage", org)
    problem = role_assignment_problem(role, org)
    if problem:
        raise ValidationError(problem)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, org=org, role=role, note=note, created_by=actor)
    except IntegrityError as exc:
        raise ValidationError("该用户在此组织上已有这个角色。") from exc
    forget_roles(user)
    audit.record(audit.AuditAction.ROLE_ASSIGN,
                 f"授予 {user.username} “{org.name}”的{Role(role).label}角色",
                 actor=actor, request=request, user=user.pk, org=org.pk, role=role)
    return assignment


@transaction.atomic
def do_revoke_role(assignment, *, actor, request=None) -> RoleAssignment:
    require(actor, "role.manage", assignment.org)
    if assignment.revoked_at:
        raise ValidationError("该授权已撤销。")
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    forget_roles(assignment.user)
    audit.record(audit.AuditAction.ROLE_REVOKE,
                 f"撤销 {assignment.user.username} “{assignment.org.name}”的"
                 f"{assignment.get_role_display()}角色",
                 actor=actor, request=request, assignment=assignment.pk)
    return assignment


@transaction.atomic
def do_create_user(username, password, *, actor, full_name="") -> object:
    """Create a login account for role assignment (county admins only)."""
    if not has_capability(actor, "role.manage"):
        raise PermissionDenied("您没有创建账号的权限。")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError("该用户名已存在。")
    user = user_model(username=username, first_name=full_name[:150])
    from django.contrib.auth.password_validation import validate_password

    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user
