"""Permission-matrix cases of the service menu (三向互动), micro-wishes / 联盟需求 and 一月一公益.

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's alliances with 青山村
(village_a1, the village secretary) a member of the core alliance; 白水乡's core alliance with
白水村 (the other village secretary). Reading follows the alliance's scope (404 outside it, the
talent and the outsider hold no alliance.view); voting is for the members' people (403 for
staff), scheduling and marking done for the owner's staff (alliance.manage), committing for a
member unit (县农业农村局 joins the core alliance in the "unit member" cases); a claim made
through the alliance is withdrawn or reported by its claimant only.
"""

import datetime

from django.utils import timezone

from tests.permission_matrix import Case


def _world(env):
    from tests.alliances.conftest import build_alliances_world

    return build_alliances_world(env.tree)


def alliance(name):
    return lambda env: [getattr(_world(env), name).pk]


def _item(env, proposed_by=None, unit_member=False):
    from alliances.models import Membership, ServiceMenuItem

    world = _world(env)
    if unit_member:
        Membership.objects.create(alliance=world.core, org=env.tree.unit,
                                  joined_on=datetime.date(2025, 3, 1))
    return ServiceMenuItem.objects.create(
        alliance=world.core, title="义诊进村",
        proposed_by_org=getattr(env.tree, proposed_by) if proposed_by else None)


def item(proposed_by=None, unit_member=False):
    return lambda env: [_item(env, proposed_by, unit_member).pk]


def wish(env):
    """A micro-wish of 石桥村 (village_a2), a fellow member of 青山村 in the core alliance."""
    from pairing.models import Need, NeedKind

    _world(env)
    return [Need.objects.create(village_org=env.tree.village_a2, title="书包", description="-",
                                kind=NeedKind.MICRO_WISH,
                                deadline=timezone.localdate() + datetime.timedelta(days=9)).pk]


def wish_claim(env):
    """青山村's secretary's claim, through the alliance, on 石桥村's micro-wish."""
    from alliances.services.wishes import claim_wish
    from pairing.models import Need

    need = Need.objects.get(pk=wish(env)[0])
    return [claim_wish(need, actor=env.user("village_secretary")).pk]


def with_world(env):
    _world(env)
    return []


CORE = (302, 200, 200, 200, 200, 404, 404, 404, 404)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("alliances:alliance_menu", "青山镇 core", CORE, alliance("core")),
    Case("alliances:alliance_menu", "白水乡 core", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         alliance("other_core")),
    # Staff or a member propose; the leader only reads.
    Case("alliances:menu_item_propose", "青山镇 core",
         (302, 200, 403, 200, 200, 404, 404, 404, 404), alliance("core")),
    # An empty form re-renders with its errors.
    Case("alliances:menu_item_propose", "青山镇 core",
         (302, 200, 403, 200, 200, 404, 404, 404, 404), alliance("core"), method="post"),
    Case("alliances:menu_item_detail", "青山镇 item", CORE, item()),
    Case("alliances:menu_item_vote", "青山镇 item", POST_ONLY, item()),
    Case("alliances:menu_item_vote", "青山镇 item",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), item(), method="post"),
    Case("alliances:menu_item_unvote", "青山镇 item", POST_ONLY, item()),
    # Nothing to take back: refused with a message.
    Case("alliances:menu_item_unvote", "青山镇 item",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), item(), method="post"),
    # No member unit: nobody commits.
    Case("alliances:menu_item_commit", "青山镇 item",
         (302, 403, 403, 403, 403, 404, 404, 404, 404), item()),
    # 县农业农村局 a member: its contact commits (the talent holds no alliance.view).
    Case("alliances:menu_item_commit", "unit member",
         (302, 403, 403, 403, 403, 404, 200, 404, 404), item(unit_member=True)),
    # An empty form re-renders with its errors.
    Case("alliances:menu_item_commit", "unit member",
         (302, 403, 403, 403, 403, 404, 200, 404, 404), item(unit_member=True), method="post"),
    Case("alliances:menu_item_schedule", "青山镇 item",
         (302, 200, 403, 200, 403, 404, 404, 404, 404), item()),
    Case("alliances:menu_item_schedule", "青山镇 item",
         (302, 200, 403, 200, 403, 404, 404, 404, 404), item(), method="post"),
    Case("alliances:menu_item_done", "青山镇 item", POST_ONLY, item()),
    # Not scheduled: refused with a message.
    Case("alliances:menu_item_done", "青山镇 item",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), item(), method="post"),
    Case("alliances:menu_item_withdraw", "青山村's item", POST_ONLY, item("village_a1")),
    # An empty reason is sent back with a message; the proposer may withdraw an open item.
    Case("alliances:menu_item_withdraw", "青山村's item",
         (302, 302, 403, 302, 302, 404, 404, 404, 404), item("village_a1"), method="post"),
    Case("alliances:menu_item_withdraw", "the alliance's item",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), item(), method="post"),
    Case("alliances:charity_board", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:charity_board", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:alliance_wishes", "青山镇 core", CORE, alliance("core")),
    Case("alliances:alliance_wishes", "白水乡 core", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:my_alliance_needs", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:my_alliance_needs", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:wish_claim", "石桥村 wish", POST_ONLY, wish),
    # Only a fellow member finds it (the others are in no alliance with 石桥村).
    Case("alliances:wish_claim", "石桥村 wish", (302, 404, 404, 404, 302, 404, 404, 404, 404),
         wish, method="post"),
    # 我认领的微心愿: only the claimant finds their claim (pairing's scope would hide it).
    Case("alliances:wish_claim_withdraw", "青山村's claim", POST_ONLY, wish_claim),
    Case("alliances:wish_claim_withdraw", "青山村's claim",
         (302, 404, 404, 404, 302, 404, 404, 404, 404), wish_claim, method="post"),
    Case("alliances:wish_claim_report", "青山村's claim",
         (302, 404, 404, 404, 200, 404, 404, 404, 404), wish_claim),
    # An empty form re-renders with its errors.
    Case("alliances:wish_claim_report", "青山村's claim",
         (302, 404, 404, 404, 200, 404, 404, 404, 404), wish_claim, method="post"),
]
