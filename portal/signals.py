"""Audit logins, logouts and failed logins."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import audit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(audit.AuditAction.LOGIN, f"{user.username} 登录", actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.AuditAction.LOGOUT, f"{user.username} 退出", actor=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(audit.AuditAction.LOGIN_FAILED, f"{username} 登录失败",
                 username=username)
