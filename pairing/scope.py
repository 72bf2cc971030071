"""Pairing capabilities per role, and the scope a pairing opens.

A county unit's contact and talents see their paired villages read-only: the villages' needs
(to claim them) and the village organizations themselves, never the villagers' personal data.
"""


from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TALENT,
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
    "pairing.view": "查看结对共建", "pairing.change": "维护结对关系",
    "pairing.plan": "编制共建方案和三清单一协议", "pairing.sign_village": "村党组织确认协议",
    "pairing.sign_unit": "结对单位确认协议", "pairing.file": "备案共建方案和协议",
    "pairing.import": "导入结对关系", "pairing.statistics": "查看结对共建统计",
    "need.view": "查看需求看板", "need.publish": "发布需求", "need.confirm": "确认认领服务",
    "need.claim": "认领需求",
    "aid.view": "查看双结对双帮扶台账", "aid.change": "维护双结对双帮扶台账",
    "meeting.view": "查看联席会议", "meeting.change": "登记联席会议",
})

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

        cache[key] = list(Pairing.objects.filter(under_any_path("city_org__path", city_paths),
                                                 status=PairingStatus.ACTIVE)
                          .values_list("village_org__path", flat=True).distinct())
    return cache[key]

