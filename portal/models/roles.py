"""Role assignments: a user holds a role on an organization and its subtree."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal import scope
from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow


class Role(models.TextChoices):
    COUNTY_ADMIN = scope.COUNTY_ADMIN, "组织部管理员"
    LEADER = scope.LEADER, "领导"
    TOWNSHIP_ADMIN = scope.TOWNSHIP_ADMIN, "乡镇管理员"
    VILLAGE_SECRETARY = scope.VILLAGE_SECRETARY, "村党组织书记"
    UNIT_CONTACT = scope.UNIT_CONTACT, "单位联络员/名誉村长"
    TALENT = scope.TALENT, "城市人才"
    ASSESSOR = scope.ASSESSOR, "考核单位"


# The org kinds each role may be assigned on.
ROLE_ORG_KINDS = {
    Role.COUNTY_ADMIN: {"county"},
    Role.LEADER: {"county"},
    Role.TOWNSHIP_ADMIN: {"township"},
    Role.VILLAGE_SECRETARY: {"village"},
    Role.UNIT_CONTACT: {"unit", "community", "enterprise", "park", "association"},
    Role.TALENT: {"unit", "community", "enterprise", "park", "association", "other"},
    Role.ASSESSOR: {"county", "township", "unit", "community", "park"},
}
# When a user holds several roles, the home page follows the first in this order.
ROLE_PRECEDENCE = list(Role.values)


class RoleAssignmentQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "org__path"

    def active(self):
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """A role (角色) a user holds on an organization; revoked rows are kept as history."""

    scope_domain = "role"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户",
                             on_delete=models.CASCADE, related_name="role_assignments")
    org = models.ForeignKey("portal.Organization", verbose_name="组织", on_delete=models.PROTECT,
                            related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="授权人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    objects = RoleAssignmentQuerySet.as_manager()

    # Active or revoked is all the state a grant has; revoking is its one transition.
    workflow = Workflow([
        Transition("revoke", "撤销", {"active"}, "role.manage", target="revoked",
                   url_name="portal:role_revoke", style="outline-danger",
                   confirm="确定撤销该角色授权吗？撤销后该用户立即失去相应权限。",
                   state_error="该授权已撤销。",
                   denied="只有组织部管理员可以管理角色。"),
    ], badges={"active": "success", "revoked": "secondary"})

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org", "role"], condition=models.Q(revoked_at__isnull=True),
                name="unique_active_role_assignment",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org}"

    def get_absolute_url(self):
        return reverse("portal:role_list")

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def status(self):
        return "active" if self.revoked_at is None else "revoked"

    def get_status_display(self):
        return "生效中" if self.revoked_at is None else "已撤销"
