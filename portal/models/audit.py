"""The audit log: logins, imports, exports, role changes and other sensitive actions."""

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "下载"
    ROLE_ASSIGN = "role_assign", "授予角色"
    ROLE_REVOKE = "role_revoke", "撤销角色"
    ORG_MOVE = "org_move", "调整组织隶属"
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    TRANSITION = "transition", "状态变更"
    OTHER = "other", "其他"


class AuditEvent(models.Model):
    """One audited action (审计日志), written in the same transaction as the action."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=32, choices=AuditAction.choices, db_index=True)
    summary = models.CharField("摘要", max_length=300)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"
