"""Pairing capabilities per role, and the scope a pairing opens.

A county unit's contact and talents see their paired villages read-only: the villages' needs
(to claim them) and the village organizations themselves, never the villagers' personal data.
"""

from django.db.models import Q

from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TALENT,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    active_roles,
    register_capabilities,
    register_scope_extender,
    role_grants,
)

register_capabilities(COUNTY_ADMIN, {
    "pairing.view", "pairing.change", "pairing.file", "pairing.import", "pairing.statistics",
    "need.view",
    "aid.view", "aid.change", "meeting.view", "meeting.change",
})
register_capabilities(LEADER, {"pairing.view", "pairing.statistics", "need.view", "aid.view",
                               "meeting.view"})
register_capabilities(TOWNSHIP_ADMIN, {"pairing.view", "pairing.statistics", "need.view",
                                       "aid.view", "aid.change", "meeting.view"})
register_capabilities(VILLAGE_SECRETARY, {
    "pairing.view", "pairing.plan", "pairing.sign_village", "need.view", "need.publish",
    "need.confirm", "aid.view", "aid.change", "meeting.view", "meeting.change",
})
register_capabilities(UNIT_CONTACT, {
    "pairing.view", "pairing.plan", "pairing.sign_unit", "need.view", "need.claim",
    "meeting.view", "meeting.change",
})
register_capabilities(TALENT, {"pairing.view", "need.view", "need.claim"})
register_capabilities(ASSESSOR, {"pairing.view", "need.view", "meeting.view"})

# Capabilities a city org's roles also hold on the villages it is paired with.
PAIRED_VILLAGE_CAPABILITIES = {"org.view", "need.view", "need.claim", "meeting.view",
                               "meeting.change"}
CITY_ROLES = (UNIT_CONTACT, TALENT)


@register_scope_extender
def paired_villages(user, capability):
    """Paths of villages actively paired with the city orgs where the user holds `capability`."""
    if capability not in PAIRED_VILLAGE_CAPABILITIES:
        return []
    city_paths = [path for role, path, _ in active_roles(user)
                  if role in CITY_ROLES and role_grants(role, capability)]
    if not city_paths:
        return []
    cache = user.__dict__.setdefault("_portal_paired_village_paths", {})
    key = tuple(city_paths)
    if key not in cache:
        from pairing.models import Pairing, PairingStatus

        city_q = Q()
        for path in city_paths:
            city_q |= Q(city_org__path__startswith=path)
        cache[key] = list(Pairing.objects.filter(city_q, status=PairingStatus.ACTIVE)
                          .values_list("village_org__path", flat=True).distinct())
    return cache[key]

