"""Permission-matrix cases of 季度晾晒 (the board, its A3 poster, an alliance's page with its
定期分析).

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's alliances, 青山村
(village_a1) a member; 白水乡's core alliance with 白水村 (village_b1). The board and the
poster job need alliance.view somewhere (403 for the talent and the outsider); an alliance's page
is read within its scope (404 outside).
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


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("alliances:showcase_board", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:showcase_board", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    # The poster is a background job started by a POST (405 on GET); without a township and a
    # quarter the start is refused with a message back on the board (302).
    Case("alliances:showcase_poster", "world", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         with_world),
    Case("alliances:showcase_poster", "world", (302, 302, 302, 302, 302, 302, 302, 403, 403),
         with_world, method="post"),
    Case("alliances:showcase_alliance", "青山镇 core",
         (302, 200, 200, 200, 200, 404, 404, 404, 404), alliance("core")),
    Case("alliances:showcase_alliance", "白水乡 core",
         (302, 200, 200, 404, 404, 200, 404, 404, 404), alliance("other_core")),
]
