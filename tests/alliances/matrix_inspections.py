"""Permission-matrix cases of cross-inspection (交叉检查).

Every builder gives 青山镇 (town_a) three open alliances, 青山村 (village_a1) a member of the
first: the township and county manage the round (inspection.manage); the leader and the member
village's secretary read it (alliance.view, the latter through membership) but may not change
it (403); 白水村, the unit (not a member), its talent and the outsider do not see it (404).
"""

import datetime

from django.utils import timezone

from tests.permission_matrix import Case

TYPES = ("red", "green", "blue")


def build_alliances(owner, count=3, members=(), name_prefix=None):
    """`count` open alliances owned by `owner`; `members` orgs join the first one."""
    from alliances.models import Alliance, AllianceType, Membership

    types = list(AllianceType.objects.filter(code__in=TYPES).order_by("order"))
    prefix = name_prefix or owner.name
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"{prefix}联盟{i + 1:02d}", kind="area" if i else "core",
                 type=types[i % len(types)], owner=owner, founded=datetime.date(2026, 1, 1))
        for i in range(count))
    Membership.objects.bulk_create(
        Membership(alliance=alliances[0], org=org, joined_on=datetime.date(2026, 1, 1))
        for org in members)
    return alliances


def build_round(tree, actor, count=3, seed=7):
    """A round in 青山镇 over `count` alliances, 青山村 a member of the first."""
    from alliances.services.inspections import do_create_round

    build_alliances(tree.town_a, count, members=[tree.village_a1])
    return do_create_round(actor=actor, owner=tree.town_a, title="2026年上半年交叉检查",
                           due=timezone.localdate() + datetime.timedelta(days=30), seed=seed)


def _round(env):
    return build_round(env.tree, env.user("county_admin"))


def round_pk(env):
    return [_round(env).pk]


def inspection_pk(env):
    return [_round(env).inspections.order_by("pk").first().pk]


def rectification_pk(env):
    from alliances.models import Rectification

    inspection = _round(env).inspections.order_by("pk").first()
    return [Rectification.objects.create(inspection=inspection, item="党员活动记录不全",
                                         deadline=timezone.localdate()).pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The list is scoped, refused only without alliance.view anywhere (talent, outsider).
    Case("alliances:round_list", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:round_create", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    # An empty form re-renders with its errors.
    Case("alliances:round_create", "", (302, 200, 403, 200, 403, 403, 403, 403, 403),
         method="post"),
    Case("alliances:round_detail", "青山镇", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         round_pk),
    Case("alliances:inspection_detail", "青山镇", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         inspection_pk),
    Case("alliances:inspection_record", "青山镇", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         inspection_pk),
    Case("alliances:inspection_record", "青山镇", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         inspection_pk, method="post"),
    Case("alliances:rectification_add", "青山镇", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         inspection_pk),
    # An empty form is sent back to the inspection with a message.
    Case("alliances:rectification_add", "青山镇", (302, 302, 403, 302, 403, 404, 404, 404, 404),
         inspection_pk, method="post"),
    Case("alliances:rectification_close", "青山镇",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), rectification_pk),
    Case("alliances:rectification_close", "青山镇",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), rectification_pk, method="post"),
]
