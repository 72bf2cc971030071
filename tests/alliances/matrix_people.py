"""Permission-matrix cases of people across the alliance: 联盟党员, 导师传帮带, 本土专家服务团 and
党员发展指标.

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's core alliance with
青山村 (village_a1) and 石桥村 (village_a2) among its members; 白水乡's core alliance with 白水村.
Pages of an alliance are read within its scope (404 outside, the unit is no member); the pairs
and the roster are written by alliance.manage on the owner (county and township admins, 403
for the leader and the member's secretary); the quota by the county only (403 for the
township); the member's secretary recommends and acts for the candidates of its own branch,
only a manager grants a place. Empty POSTs are refused by the form: a form page re-renders
(200), an action goes back with a message (302).
"""

import datetime

from tests.permission_matrix import Case


def _world(env):
    from tests.alliances.conftest import build_alliances_world

    return build_alliances_world(env.tree)


def with_world(env):
    _world(env)
    return []


def alliance(name):
    return lambda env: [getattr(_world(env), name).pk]


def pair(env):
    from alliances.models import MentorPair

    core = _world(env).core
    return [MentorPair.objects.create(alliance=core, mentor=env.people.a1, mentee=env.people.a2,
                                      started_on=datetime.date(2025, 4, 1)).pk]


def expert(env):
    from alliances.models import Expert

    core = _world(env).core
    return [Expert.objects.create(alliance=core, person=env.people.a1,
                                  specialties="茶叶种植").pk]


def candidate(stage):
    def build(env):
        from alliances.models import DevelopmentCandidate

        core = _world(env).core
        person = env.people.a1
        return [DevelopmentCandidate.objects.create(
            alliance=core, person=person, branch=person.home_org,
            recommended_by=person.home_org, year=2025, stage=stage, reason="表现突出",
            recommended_on=datetime.date(2025, 3, 1),
            training_since=datetime.date(2025, 4, 1) if stage != "recommended" else None).pk]
    return build


IN_CORE = (302, 200, 200, 200, 200, 404, 404, 404, 404)
IN_OTHER = (302, 200, 200, 404, 404, 200, 404, 404, 404)
MANAGE_CORE = (302, 200, 403, 200, 403, 404, 404, 404, 404)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)
BRANCH_ACTION = (302, 302, 403, 302, 302, 404, 404, 404, 404)
MANAGER_ACTION = (302, 302, 403, 302, 403, 404, 404, 404, 404)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("alliances:alliance_people", "青山镇 core", IN_CORE, alliance("core")),
    Case("alliances:alliance_people", "白水乡 core", IN_OTHER, alliance("other_core")),
    Case("alliances:mentor_list", "青山镇 core", IN_CORE, alliance("core")),
    Case("alliances:mentor_list", "白水乡 core", IN_OTHER, alliance("other_core")),
    Case("alliances:mentor_add", "青山镇 core", MANAGE_CORE, alliance("core")),
    Case("alliances:mentor_add", "青山镇 core", MANAGE_CORE, alliance("core"), method="post"),
    Case("alliances:mentor_add", "白水乡 core", (302, 200, 403, 404, 404, 403, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:mentor_end", "青山镇 pair", POST_ONLY, pair),
    Case("alliances:mentor_end", "青山镇 pair", MANAGER_ACTION, pair, method="post"),
    Case("alliances:expert_list", "青山镇 core", IN_CORE, alliance("core")),
    Case("alliances:expert_list", "白水乡 core", IN_OTHER, alliance("other_core")),
    Case("alliances:expert_add", "青山镇 core", MANAGE_CORE, alliance("core")),
    Case("alliances:expert_add", "青山镇 core", MANAGE_CORE, alliance("core"), method="post"),
    Case("alliances:expert_edit", "青山镇 expert", MANAGE_CORE, expert),
    Case("alliances:expert_edit", "青山镇 expert", MANAGE_CORE, expert, method="post"),
    Case("alliances:expert_deactivate", "青山镇 expert", POST_ONLY, expert),
    # Deactivating needs no form: the managers' POST succeeds and goes back to the roster.
    Case("alliances:expert_deactivate", "青山镇 expert", MANAGER_ACTION, expert, method="post"),
    # The overview is scoped, refused only without alliance.view anywhere.
    Case("alliances:development_overview", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:development_overview", "world",
         (302, 200, 200, 200, 200, 200, 200, 403, 403), with_world),
    Case("alliances:development", "青山镇 core", IN_CORE, alliance("core")),
    Case("alliances:development", "白水乡 core", IN_OTHER, alliance("other_core")),
    # The county alone sets a quota; the township admin gets 403.
    Case("alliances:quota_set", "青山镇 core", (302, 200, 403, 403, 403, 404, 404, 404, 404),
         alliance("core")),
    Case("alliances:quota_set", "青山镇 core", (302, 200, 403, 403, 403, 404, 404, 404, 404),
         alliance("core"), method="post"),
    # Managers and the member's own secretary recommend.
    Case("alliances:candidate_recommend", "青山镇 core", IN_CORE[:2] + (403,) + IN_CORE[3:],
         alliance("core")),
    Case("alliances:candidate_recommend", "青山镇 core", IN_CORE[:2] + (403,) + IN_CORE[3:],
         alliance("core"), method="post"),
    Case("alliances:candidate_recommend", "白水乡 core",
         (302, 200, 403, 404, 404, 200, 404, 404, 404), alliance("other_core")),
    Case("alliances:candidate_training", "青山村 candidate", POST_ONLY, candidate("recommended")),
    Case("alliances:candidate_training", "青山村 candidate", BRANCH_ACTION,
         candidate("recommended"), method="post"),
    Case("alliances:candidate_grant", "青山村 candidate", POST_ONLY, candidate("training")),
    Case("alliances:candidate_grant", "青山村 candidate", MANAGER_ACTION, candidate("training"),
         method="post"),
    Case("alliances:candidate_admit", "青山村 candidate", POST_ONLY, candidate("quota_granted")),
    Case("alliances:candidate_admit", "青山村 candidate", BRANCH_ACTION,
         candidate("quota_granted"), method="post"),
    Case("alliances:candidate_withdraw", "青山村 candidate", POST_ONLY, candidate("training")),
    Case("alliances:candidate_withdraw", "青山村 candidate", BRANCH_ACTION,
         candidate("training"), method="post"),
]
