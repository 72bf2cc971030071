"""Permission-matrix cases of the pages of the people assessed: 我的考核, scores and grades,
appeals, enrolment (行动报名) and the villages' ratings of talents (人才评价).

The builders make the world of tests/assessment/conftest.py (县乡村振兴局 assessing the
universal action, four enrolled cadres of 县农业农村局 with 陈农业 among them, the first
quarter scored) and link the `talent` persona to 陈农业. A talent holds no assessment
capability: they reach their own published scores and submitted grades through their person,
nothing else. The assessing body's assessor is no persona here; tests/assessment/test_*_views
cover it.
"""

from tests.permission_matrix import Case


def _world(env, *, publish=True, link_talent=True):
    from assessment.services.scoring import publish_run
    from tests.assessment.conftest import build_assessed

    world = build_assessed(env.tree, env.people, county_admin=env.user("county_admin"))
    if publish:
        world.run = publish_run(world.run, actor=world.assessor)
    if link_talent:
        env.people.unit.user = env.user("talent")
        env.people.unit.save(update_fields=["user"])
    return world


def score_of(key="unit", *, publish=True):
    """陈农业's (key "unit") or a cadre's (c1, c2, c3) first-quarter score."""
    def build(env):
        from assessment.models import QuarterScore

        world = _world(env, publish=publish)
        person = env.people.unit if key == "unit" else world.cadres[key]
        return [QuarterScore.objects.get(run=world.run, person=person).pk]
    return build


def grade_of(*, submit=True):
    def build(env):
        from assessment.services.grading import grade_year, submit_grading
        from assessment.services.scoring import publish_run, score_quarter

        world = _world(env)
        for quarter in (2, 3, 4):
            publish_run(score_quarter(world.scheme, quarter), actor=world.assessor)
        grading = grade_year(world.scheme, actor=world.assessor)
        if submit:
            submit_grading(grading, actor=world.assessor)
        return [grading.grades.get(person=env.people.unit).pk]
    return build


def appeal_of_talent(env):
    from assessment.models import QuarterScore
    from assessment.services.appeals import file_appeal

    world = _world(env)
    score = QuarterScore.objects.get(run=world.run, person=env.people.unit)
    return [file_appeal(score, actor=env.user("talent"), reason="2月活动未计入").pk]


def enrolment_of(key):
    def build(env):
        from assessment.models import Enrolment

        world = _world(env, publish=False, link_talent=False)
        return [Enrolment.objects.get(person=world.cadres[key]).pk]
    return build


def talent_linked(env):
    _world(env)
    return []


def unit(env):
    _world(env, publish=False, link_talent=False)
    return [env.tree.unit.pk]


ALL_SIGNED_IN = (302, 200, 200, 200, 200, 200, 200, 200, 200)
NOBODY = (302, 403, 403, 403, 403, 403, 403, 403, 403)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # Everyone signed in may open it; without a linked person it says so.
    Case("assessment:my_assessment", "", ALL_SIGNED_IN),
    Case("assessment:my_assessment", "talent linked to 陈农业", ALL_SIGNED_IN, talent_linked),
    # The person's own published score, and assessment.view holders in scope (the county);
    # the township holds assessment.view on 青山镇 only.
    Case("assessment:score_detail", "陈农业 published",
         (302, 200, 200, 404, 404, 404, 404, 200, 404), score_of("unit")),
    Case("assessment:score_detail", "陈农业 draft",
         (302, 200, 200, 404, 404, 404, 404, 404, 404), score_of("unit", publish=False)),
    Case("assessment:score_detail", "周一 published",
         (302, 200, 200, 404, 404, 404, 404, 404, 404), score_of("c1")),
    # Only the person appeals; the county sees the score but may not appeal it (403).
    Case("assessment:score_appeal", "陈农业 published",
         (302, 403, 403, 404, 404, 404, 404, 200, 404), score_of("unit")),
    # An empty reason re-renders the form with its error.
    Case("assessment:score_appeal", "陈农业 published",
         (302, 403, 403, 404, 404, 404, 404, 200, 404), score_of("unit"), method="post"),
    Case("assessment:score_appeal", "周一 published",
         (302, 403, 403, 404, 404, 404, 404, 404, 404), score_of("c1"), method="post"),
    Case("assessment:grade_detail", "陈农业 submitted",
         (302, 200, 200, 404, 404, 404, 404, 200, 404), grade_of()),
    Case("assessment:grade_detail", "陈农业 preview",
         (302, 200, 200, 404, 404, 404, 404, 404, 404), grade_of(submit=False)),
    # Read by assessment.view holders (the assessing body decides on the detail page).
    Case("assessment:appeal_list", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("assessment:appeal_detail", "陈农业's appeal",
         (302, 200, 200, 404, 404, 404, 404, 200, 404), appeal_of_talent),
    Case("assessment:appeal_accept", "陈农业's appeal", POST_ONLY, appeal_of_talent),
    Case("assessment:appeal_accept", "陈农业's appeal",
         (302, 403, 403, 404, 404, 404, 404, 404, 404), appeal_of_talent, method="post"),
    Case("assessment:appeal_reject", "陈农业's appeal", POST_ONLY, appeal_of_talent),
    Case("assessment:appeal_reject", "陈农业's appeal",
         (302, 403, 403, 404, 404, 404, 404, 404, 404), appeal_of_talent, method="post"),
    # 行动报名: county admins (assessment.enrol). The unit is visible to its own contact and
    # talents (org.view) and to the leader, who lack the capability (403).
    Case("assessment:enrolment_units", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("assessment:enrolment_unit", "unit",
         (302, 200, 403, 404, 404, 404, 403, 403, 404), unit),
    Case("assessment:enrolment_enrol_unit", "unit", POST_ONLY, unit),
    # An empty form sends the county admin back to the unit with a message.
    Case("assessment:enrolment_enrol_unit", "unit",
         (302, 302, 403, 404, 404, 404, 403, 403, 404), unit, method="post"),
    Case("assessment:enrolment_exempt", "郑三",
         (302, 200, 403, 404, 404, 404, 404, 404, 404), enrolment_of("c3")),
    Case("assessment:enrolment_exempt", "郑三",
         (302, 200, 403, 404, 404, 404, 404, 404, 404), enrolment_of("c3"), method="post"),
    Case("assessment:enrolment_replace", "吴二",
         (302, 200, 403, 404, 404, 404, 404, 404, 404), enrolment_of("c2")),
    Case("assessment:enrolment_replace", "吴二",
         (302, 200, 403, 404, 404, 404, 404, 404, 404), enrolment_of("c2"), method="post"),
    # 人才评价: village secretaries (assessment.evaluate).
    Case("assessment:evaluation_list", "", (302, 403, 403, 403, 200, 200, 403, 403, 403)),
    Case("assessment:evaluation_rate", "", POST_ONLY),
    # An empty form sends the village back with a message.
    Case("assessment:evaluation_rate", "", (302, 403, 403, 403, 302, 302, 403, 403, 403),
         method="post"),
]
