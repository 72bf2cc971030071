"""Who takes part in an alliance as a member: the organizations a user acts for (the subtrees
of their village-secretary and unit-contact roles) that are current members of the alliance.
Member actions — voting on the service menu, claiming a micro-wish, a 述职 and the peer scores,
recommending an activist — are open to those organizations' people only; the owner's staff
manage through alliance.manage instead."""

from django.db.models import Q

from alliances.models import Membership
from alliances.scope import MEMBER_ROLES
from portal.models import Organization
from portal.scope import active_roles, under_any_path


def acting_orgs_q(user, path_field="path"):
    """Q of the organizations the user acts for as a member's secretary or contact."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return under_any_path(path_field, [path for role, path, _ in active_roles(user)
                                       if role in MEMBER_ROLES])


def member_orgs_of(user, alliance):
    """The current member organizations of `alliance` the user acts for (a queryset)."""
    current = Membership.objects.current().filter(alliance=alliance).values("org_id")
    return Organization.objects.filter(acting_orgs_q(user), pk__in=current).order_by("path")


def is_member_of(user, alliance) -> bool:
    return member_orgs_of(user, alliance).exists()
