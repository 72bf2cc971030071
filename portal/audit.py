"""Write audit rows; call inside the transaction of the action being audited.

Services take the actor, never the request: the client's IP address and user agent reach the
audit row through `AuditContextMiddleware`, which keeps them in a context variable for the
duration of the request (Celery tasks and commands run without one and record neither).
"""

from contextvars import ContextVar
from dataclasses import dataclass

from portal.models.audit import AuditAction, AuditEvent


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None = None
    user_agent: str = ""


NO_CLIENT = ClientInfo()
_client: ContextVar[ClientInfo | None] = ContextVar("portal_audit_client", default=None)


def client_info_of(request) -> ClientInfo:
    return ClientInfo(ip_address=request.META.get("REMOTE_ADDR") or None,
                      user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def current_client() -> ClientInfo:
    return _client.get() or NO_CLIENT


class AuditContextMiddleware:
    """Makes the request's client (IP, user agent) known to `record` without passing it along."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client.set(client_info_of(request))
        try:
            return self.get_response(request)
        finally:
            _client.reset(token)


def record(action: str, summary: str, *, actor=None, **data) -> AuditEvent:
    client = current_client()
    name = getattr(actor, "username", "") or data.pop("username", "")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, actor_name=name, action=action,
        summary=summary[:300], ip_address=client.ip_address, user_agent=client.user_agent,
        data=data,
    )


__all__ = ["AuditAction", "AuditContextMiddleware", "record"]
