"""Role management for county admins: assign, revoke, history."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal import services
from portal.forms import RoleAssignForm
from portal.models import RoleAssignment
from portal.models.roles import Role
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page


def _require_role_manager(user):
    if not has_capability(user, "role.manage"):
        raise PermissionDenied("只有组织部管理员可以管理角色。")


@login_required
def role_list(request):
    _require_role_manager(request.user)
    assignments = (RoleAssignment.objects.visible_to(request.user, "manage")
                   .select_related("user", "org", "created_by", "revoked_by"))
    state = request.GET.get("state", "active")
    if state == "active":
        assignments = assignments.filter(revoked_at__isnull=True)
    elif state == "revoked":
        assignments = assignments.filter(revoked_at__isnull=False)
    role = request.GET.get("role", "")
    if role in Role.values:
        assignments = assignments.filter(role=role)
    query = request.GET.get("q", "").strip()
    if query:
        assignments = assignments.filter(user__username__icontains=query) | assignments.filter(
            org__name__icontains=query)
    return render(request, "portal/roles/list.html", {
        "page": paginate(request, assignments), "state": state, "role": role, "query": query,
        "roles": Role.choices, "query_string": query_without_page(request),
    })


@login_required
def role_assign(request):
    _require_role_manager(request.user)
    form = RoleAssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = get_user_model().objects.filter(username=data["username"]).first()
                if user is None:
                    user = services.do_create_user(data["username"], data["password"],
                                                   actor=request.user, full_name=data["full_name"])
                services.do_assign_role(user, data["org"], data["role"], actor=request.user,
                                        note=data["note"], request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已授予 {data['username']} 角色。")
            return redirect("portal:role_list")
    return render(request, "portal/roles/assign.html", {"form": form})


@login_required
@require_POST
def role_revoke(request, pk):
    _require_role_manager(request.user)
    assignment = get_object_or_404(
        RoleAssignment.objects.visible_to(request.user, "manage").select_related("user", "org"),
        pk=pk)
    try:
        services.do_revoke_role(assignment, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"已撤销 {assignment.user.username} 的"
                                  f"{assignment.get_role_display()}角色。")
    return redirect("portal:role_list")
