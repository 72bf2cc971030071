"""Role helpers for pages: the user's primary role and home organization."""

from portal.models.roles import ROLE_PRECEDENCE, Role
from portal.scope import active_roles


def primary_role(user):
    """(role value, label, org_id) of the user's highest-precedence active role, or None."""
    roles = active_roles(user)
    if not roles:
        return None
    role, _, org_id = min(roles, key=lambda r: ROLE_PRECEDENCE.index(r[0]))
    return {"role": role, "label": Role(role).label, "org_id": org_id}


def role_org_ids(user, *roles):
    return [org_id for role, _, org_id in active_roles(user) if role in roles]
