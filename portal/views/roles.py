"""Role management for county admins: assign, revoke, history."""

from django.core.exceptions import PermissionDenied

from portal import services
from portal.filters import RoleAssignmentFilter
from portal.forms import RoleAssignForm
from portal.models import RoleAssignment
from portal.scope import has_capability
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView

DENIED = "只有组织部管理员可以管理角色。"


class RoleListView(FilteredListView):
    queryset = RoleAssignment.objects.select_related("user", "org", "created_by", "revoked_by")
    visible_action = "manage"
    list_capability = "role.manage"
    denied_message = DENIED
    filterset_class = RoleAssignmentFilter
    template_name = "portal/roles/list.html"
    table_template = "portal/roles/_table.html"


class RoleAssignView(ServiceFormView):
    capability = "role.manage"
    denied_message = DENIED
    form_class = RoleAssignForm
    form_takes_user = True
    service = services.do_grant_role
    title = "授予角色"
    submit_label = "授予"
    success_message = "已授予 {result.user.username} 角色。"
    success_url = "portal:role_list"

    def get_cancel_url(self, obj):
        return RoleAssignment().get_absolute_url()


class RoleRevokeView(ObjectActionView):
    queryset = RoleAssignment.objects.select_related("user", "org")
    visible_action = "manage"
    transition = "revoke"
    service = services.do_revoke_role
    success_url = "portal:role_list"

    def get_object(self):
        # 403 before the lookup for a user who manages no roles, not a 404 that would depend on
        # whose grant the URL names.
        if not has_capability(self.request.user, "role.manage"):
            raise PermissionDenied(DENIED)
        return super().get_object()

    def get_success_message(self, obj, result):
        return f"已撤销 {obj.user.username} 的{obj.get_role_display()}角色。"
