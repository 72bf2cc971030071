"""Permission-matrix cases of 结果运用 (assessment.view reads; 组织部 — assessment.file —
decides nominations and exceptions; the assessing body nominates 表现特别突出)."""

from tests.permission_matrix import Case


def _filed(env):
    from tests.assessment.results_world import build_filed

    return build_filed(env.tree, env.people, env.user("county_admin"))


def grade_of(name):
    return lambda env: [_filed(env).grades[name].pk]


def nomination(env):
    from assessment.services.consequences import nominate

    world = _filed(env)
    return [nominate("outstanding", env.people.unit, year=2025, reason="事迹突出",
                     actor=world.assessor, body=world.body).pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("assessment:results", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("assessment:results_export", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    # An empty form is sent back with a message; without assessment.view it is refused.
    Case("assessment:results_export", "", (302, 302, 302, 302, 403, 403, 403, 403, 403),
         method="post"),
    Case("assessment:grade_nominate", "陈农业 优秀", (302, 200, 403, 404, 404, 404, 404, 404, 404),
         grade_of("陈农业")),
    Case("assessment:grade_nominate", "陈农业 优秀", (302, 200, 403, 404, 404, 404, 404, 404, 404),
         grade_of("陈农业"), method="post"),
    Case("assessment:grade_override", "吴二 差", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         grade_of("吴二")),
    Case("assessment:grade_override", "吴二 差", (302, 302, 403, 404, 404, 404, 404, 404, 404),
         grade_of("吴二"), method="post"),
    Case("assessment:nomination_confirm", "", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         nomination),
    Case("assessment:nomination_confirm", "", (302, 302, 403, 404, 404, 404, 404, 404, 404),
         nomination, method="post"),
    Case("assessment:nomination_reject", "", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         nomination),
    Case("assessment:nomination_reject", "no decision",
         (302, 302, 403, 404, 404, 404, 404, 404, 404), nomination, method="post"),
]
