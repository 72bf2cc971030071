"""Permission-matrix cases of 考核排名 and its downloads (see tests/permission_matrix.py for the
columns).

assessment.view: the county admin, the leader and the township admin (on their own scope) may
open the page; the township admin sees no cohort (the assessing body is a county unit), the
others below get 403. The downloads are POST-only: a run or grading outside the scope is 404
(the township admin's too), in scope the empty POST goes back to the page with a message (302).
The builders make the world of tests/assessment/conftest.py with the first quarter published
(and a submitted grading). The assessor is no persona here: test_rankings_views.py covers it.
"""

from tests.permission_matrix import Case


def _world(env):
    from assessment.services.scoring import publish_run
    from tests.assessment.conftest import build_assessed

    world = build_assessed(env.tree, env.people, county_admin=env.user("county_admin"))
    world.run = publish_run(world.run, actor=world.assessor)
    return world


def published_run(env):
    return [_world(env).run.pk]


def submitted_grading(env):
    from assessment.models import Grading, GradingStatus

    world = _world(env)
    grading = Grading.objects.create(scheme=world.scheme, status=GradingStatus.SUBMITTED,
                                     cohort_size=4, poor_quota=1)
    return [grading.pk]


# Columns:         anon county leader town  vs  other unit talent outsider
PAGE = (302, 200, 200, 200, 403, 403, 403, 403, 403)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)
DOWNLOAD = (302, 302, 302, 404, 404, 404, 404, 404, 404)

CASES = [
    Case("assessment:rankings", "", PAGE),
    Case("assessment:ranking_export", "published run", POST_ONLY, published_run),
    Case("assessment:ranking_export", "published run", DOWNLOAD, published_run, method="post"),
    Case("assessment:grades_export", "submitted grading", POST_ONLY, submitted_grading),
    Case("assessment:grades_export", "submitted grading", DOWNLOAD, submitted_grading,
         method="post"),
]
