"""Permission-matrix cases of cross-inspection (交叉检查).

Every builder gives 青山镇 (town_a) three open alliances, 青山村 (village_a1) a member of the
first: the township and county manage the round (inspection.manage); the leader and the member
village's secretary read it (alliance.view, the latter through membership) but may not change
it (403); 白水村, the unit (not a member), its talent and the outsider do not see it (404).
"""

from django.utils import timezone

from tests.permission_matrix import Case


def _round(env):
    from tests.alliances.test_inspections import build_round

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
