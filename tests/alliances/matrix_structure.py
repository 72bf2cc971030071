"""Permission-matrix cases of the alliance structure (联盟架构).

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's core alliance with
two area alliances, members 青山村 (village_a1), 石桥村 and three 青山镇 organizations; 白水乡's
core alliance with 白水村 (village_b1) and 柳林村. So 青山村's secretary sees 青山镇's
alliances through membership and 白水村's secretary 白水乡's; the unit (no membership), the
talent and the outsider see none (404). The pages that list need alliance.view somewhere
(403 for the talent and the outsider); managing needs alliance.manage on the owner (county
and township admins; the leader and the secretaries get 403 where they see the alliance).
"""

from tests.permission_matrix import Case


def _world(env):
    from tests.alliances.conftest import build_alliances_world

    return build_alliances_world(env.tree)


def with_world(env):
    """No URL arguments: the page is requested once the world exists."""
    _world(env)
    return []


def alliance(name):
    return lambda env: [getattr(_world(env), name).pk]


def membership_of_village_a1(env):
    world = _world(env)
    return [world.core.memberships.get(org=env.tree.village_a1).pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("alliances:structure", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:structure", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:overview", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:alliance_list", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:alliance_create", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    Case("alliances:alliance_detail", "青山镇 core",
         (302, 200, 200, 200, 200, 404, 404, 404, 404), alliance("core")),
    Case("alliances:alliance_detail", "白水乡 core",
         (302, 200, 200, 404, 404, 200, 404, 404, 404), alliance("other_core")),
    Case("alliances:alliance_edit", "青山镇 area",
         (302, 200, 403, 200, 403, 404, 404, 404, 404), alliance("area_1")),
    Case("alliances:alliance_edit", "白水乡 core",
         (302, 200, 403, 404, 404, 403, 404, 404, 404), alliance("other_core")),
    Case("alliances:member_add", "青山镇 core",
         (302, 200, 403, 200, 403, 404, 404, 404, 404), alliance("core")),
    # A GET of a POST-only action is 405 for everyone signed in.
    Case("alliances:alliance_close", "青山镇 core",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), alliance("core")),
    # A core alliance does not close: refused with a message (302) for those who manage it.
    Case("alliances:alliance_close", "青山镇 core",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), alliance("core"), method="post"),
    Case("alliances:member_remove", "青山村 in the core",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), membership_of_village_a1),
    # An empty form is refused with a message (302) for those who manage the alliance.
    Case("alliances:member_remove", "青山村 in the core",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), membership_of_village_a1,
         method="post"),
]
