"""Write audit rows; call inside the transaction of the action being audited."""

from portal.models.audit import AuditAction, AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action: str, summary: str, *, actor=None, request=None, **data) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    name = getattr(actor, "username", "") or data.pop("username", "")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, actor_name=name, action=action,
        summary=summary[:300], ip_address=client_ip(request), data=data,
    )


__all__ = ["AuditAction", "record"]
