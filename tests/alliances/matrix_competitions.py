"""Permission-matrix cases of the 擂台赛.

The round (tests/alliances/test_competitions.py `build_competition` on the alliances world):
青山镇's area alliances 青山片区 (青山村 a member) and 石桥片区 compete; the judges are the
township admin, 青山村's secretary and the talent (who has no alliance scope: a seat opens the
round to them). The county and township manage it (alliance.manage); the leader and 青山村's
secretary see it; 白水村, the unit (no membership) and the outsider do not (404). The score sheet
is for seated judges (403 for the rest who see the round), and 青山村's secretary gets 403 on
青山片区's sheet: a judge cannot score an alliance they belong to.
"""

from tests.permission_matrix import Case


def _round(env, publish=False):
    from alliances.models import CompetitionStatus
    from tests.alliances.conftest import build_alliances_world
    from tests.alliances.test_competitions import build_competition

    world = build_alliances_world(env.tree)
    competition = build_competition(
        env.tree, env.user("county_admin"),
        [env.user("township_admin"), env.user("village_secretary"), env.user("talent")],
        alliances=[world.area_1, world.area_2], world=world)
    if publish:  # the scores themselves do not matter to who may download
        competition.status = CompetitionStatus.PUBLISHED
        competition.save(update_fields=["status"])
    return competition, world


def with_round(env):
    """No URL arguments: the list is requested once the round (and the talent's seat) exists."""
    _round(env)
    return []


def competition_pk(env):
    return [_round(env)[0].pk]


def published_pk(env):
    return [_round(env, publish=True)[0].pk]


def sheet_of_area_1(env):
    competition, world = _round(env)
    return [competition.pk, competition.entrants.get(alliance=world.area_1).pk]


def sheet_of_area_2(env):
    competition, world = _round(env)
    return [competition.pk, competition.entrants.get(alliance=world.area_2).pk]


POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)
EXPORT = (302, 302, 302, 302, 302, 404, 404, 302, 404)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The list needs alliance.view somewhere, or a seat as judge.
    Case("alliances:competition_list", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:competition_list", "judge", (302, 200, 200, 200, 200, 200, 200, 200, 403),
         with_round),
    Case("alliances:competition_create", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    # An empty form re-renders with its errors.
    Case("alliances:competition_create", "", (302, 200, 403, 200, 403, 403, 403, 403, 403),
         method="post"),
    Case("alliances:competition_detail", "青山镇", (302, 200, 200, 200, 200, 404, 404, 200, 404),
         competition_pk),
    # 青山村's secretary belongs to 青山片区: 403 on its sheet, 200 on 石桥片区's.
    Case("alliances:score_sheet", "青山片区", (302, 403, 403, 200, 403, 404, 404, 200, 404),
         sheet_of_area_1),
    Case("alliances:score_sheet", "石桥片区", (302, 403, 403, 200, 200, 404, 404, 200, 404),
         sheet_of_area_2),
    # An empty sheet re-renders with its errors.
    Case("alliances:score_sheet", "青山片区", (302, 403, 403, 200, 403, 404, 404, 200, 404),
         sheet_of_area_1, method="post"),
    Case("alliances:competition_publish", "青山镇",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), competition_pk),
    # Refused (sheets missing) with a message, back to the round; a judge outside the scope
    # does not find it to publish.
    Case("alliances:competition_publish", "青山镇",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), competition_pk, method="post"),
    # The downloads are background jobs started by a POST (405 on GET): whoever sees the round
    # (its scope or a judge's seat, the talent) goes to the job's page; before publication back
    # to the round with a message.
    Case("alliances:competition_xlsx", "已公布", POST_ONLY, published_pk),
    Case("alliances:competition_xlsx", "已公布", EXPORT, published_pk, method="post"),
    Case("alliances:competition_xlsx", "评分中", EXPORT, competition_pk, method="post"),
    Case("alliances:competition_pdf", "已公布", POST_ONLY, published_pk),
    Case("alliances:competition_pdf", "已公布", EXPORT, published_pk, method="post"),
]
