"""Permission-matrix cases of dynamic stars (动态评星) and demonstration sites (示范点).

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's alliances, 青山村
(village_a1) a member; 白水乡's core alliance with 白水村 (village_b1). The board needs
alliance.view somewhere (403 for the talent and the outsider); an alliance's history is read
within its scope (404 outside); setting stars needs alliance.manage on the owner (county and
township admins); naming or revoking a 示范点 needs alliance.manage on the county, so the
township admin gets 403 there.
"""

from tests.permission_matrix import Case


def _world(env):
    from tests.alliances.conftest import build_alliances_world

    return build_alliances_world(env.tree)


def with_world(env):
    _world(env)
    return []


def alliance(name):
    return lambda env: [getattr(_world(env), name).pk]


def demonstration_core(env):
    """青山镇's core alliance, already a 示范点 (for the revoke action)."""
    core = _world(env).core
    type(core).objects.filter(pk=core.pk).update(is_demonstration=True)
    return [core.pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The board is scoped, refused only without alliance.view anywhere.
    Case("alliances:star_board", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:star_board", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:star_history", "青山镇 core", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         alliance("core")),
    Case("alliances:star_history", "白水乡 core", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:star_set", "青山镇 core", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         alliance("core")),
    # An empty form re-renders with its errors.
    Case("alliances:star_set", "青山镇 core", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         alliance("core"), method="post"),
    Case("alliances:star_set", "白水乡 core", (302, 200, 403, 404, 404, 403, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:demonstration_designate", "青山镇 core",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), alliance("core")),
    # An empty reason is sent back to the history with a message; county only.
    Case("alliances:demonstration_designate", "青山镇 core",
         (302, 302, 403, 403, 403, 404, 404, 404, 404), alliance("core"), method="post"),
    Case("alliances:demonstration_revoke", "青山镇 core",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), demonstration_core),
    Case("alliances:demonstration_revoke", "青山镇 core",
         (302, 302, 403, 403, 403, 404, 404, 404, 404), demonstration_core, method="post"),
]
