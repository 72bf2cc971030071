"""Alliance capabilities per role, and the scope membership opens.

An alliance belongs to its owner organization (the township for a core or area alliance; the
township or the county for a task alliance): the township and county see and manage it. A
member organization's secretary or contact sees the alliances of the townships where their
organization is a member (so the village sees its alliance's page, venues and inspections).
"""

from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    active_roles,
    declare_capabilities,
    register_capabilities,
    register_scope_extender,
    role_grants,
    under_any_path,
)

declare_capabilities({
    "alliance.view": "查看党建联盟", "alliance.manage": "组建和管理党建联盟",
    "venue.book": "预约联盟阵地", "inspection.manage": "组织联盟交叉检查",
})

register_capabilities(COUNTY_ADMIN, {"alliance.view", "alliance.manage", "venue.book",
                                     "inspection.manage"})
register_capabilities(LEADER, {"alliance.view"})
register_capabilities(ASSESSOR, {"alliance.view"})
register_capabilities(TOWNSHIP_ADMIN, {"alliance.view", "alliance.manage", "venue.book",
                                       "inspection.manage"})
register_capabilities(VILLAGE_SECRETARY, {"alliance.view", "venue.book"})
register_capabilities(UNIT_CONTACT, {"alliance.view", "venue.book"})

MEMBER_ROLES = (VILLAGE_SECRETARY, UNIT_CONTACT)
MEMBER_CAPABILITIES = {"alliance.view", "venue.book"}


def member_paths(user, capability):
    """Paths of the user's own organizations whose memberships open alliances to them."""
    if capability not in MEMBER_CAPABILITIES:
        return []
    return [path for role, path, _ in active_roles(user)
            if role in MEMBER_ROLES and role_grants(role, capability)]


@register_scope_extender
def member_alliances(user, capability):
    """Township paths of the alliances the user's organizations currently belong to. A task
    alliance owned by the county opens nothing here (its owner path is the whole county):
    `AllianceQuerySet.visible_to` shows it to its members by membership instead."""
    paths = member_paths(user, capability)
    if not paths:
        return []
    cache = user.__dict__.setdefault("_portal_alliance_owner_paths", {})
    key = tuple(paths)
    if key not in cache:
        from alliances.models import Membership

        cache[key] = list(Membership.objects.current().filter(under_any_path("org__path", paths))
                          .filter(alliance__owner__depth__gt=1)
                          .values_list("alliance__owner__path", flat=True).distinct())
    return cache[key]
