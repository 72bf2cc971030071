"""Permission-matrix cases of the scoring pages: schemes and their scoring tables, quarterly
runs, the entries grid, annual grading and the county's grading overview.

The builders make the world of tests/assessment/conftest.py (县乡村振兴局 assessing the
universal action, its person scheme of 2025 with the first quarter scored). Schemes, runs and
gradings are scoped to the assessing body, under the county: the county admin and the leader
see them, the township admin and everyone below do not (404). The county admin holds
assessment.scheme and assessment.file, not assessment.score (403 on scoring, entries,
publishing, submitting); the leader only reads. The assessor is no persona here;
tests/assessment/test_scoring_views.py and test_grading_views.py cover it.
"""

from tests.permission_matrix import Case


def _world(env, *, publish=False):
    from assessment.services.scoring import publish_run
    from tests.assessment.conftest import build_assessed

    world = build_assessed(env.tree, env.people, county_admin=env.user("county_admin"))
    if publish:
        world.run = publish_run(world.run, actor=world.assessor)
    return world


def scheme(env):
    return [_world(env).scheme.pk]


def indicator(env):
    world = _world(env)
    return [world.scheme.pk, world.scheme.indicators.get(code="bonus").pk]


def run(env):
    return [_world(env).run.pk]


def entry_with_evidence(env):
    from django.core.files.base import ContentFile

    from assessment.models import ScoreEntry

    world = _world(env)
    entry = ScoreEntry(indicator=world.scheme.indicators.get(code="deduction"), quarter=1,
                       person=env.people.unit, points=1, reason="未履职")
    entry.evidence.save("entry.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    entry.save()
    return [entry.pk]


def grading_of(status):
    def build(env):
        from django.utils import timezone

        from assessment.models import Grading

        world = _world(env)
        return [Grading.objects.create(scheme=world.scheme, status=status, cohort_size=4,
                                       poor_quota=1, computed_at=timezone.now()).pk]
    return build


def grade(env):
    from assessment.models import AnnualGrade, Grading

    world = _world(env)
    grading = Grading.objects.create(scheme=world.scheme, cohort_size=1, poor_quota=1)
    return [AnnualGrade.objects.create(grading=grading, person=env.people.unit,
                                       computed_grade="poor", grade="poor",
                                       poor_reason="quota").pk]


# Columns:  anon county leader town  vs  other  unit talent outsider
SEEN_BY_COUNTY = (302, 200, 200, 404, 404, 404, 404, 404, 404)
CASES = [
    Case("assessment:scheme_list", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("assessment:scheme_create", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    # An empty form is shown again with its errors.
    Case("assessment:scheme_create", "", (302, 200, 403, 403, 403, 403, 403, 403, 403),
         method="post"),
    Case("assessment:scheme_detail", "person scheme", SEEN_BY_COUNTY, scheme),
    Case("assessment:scheme_edit", "unlocked", (302, 200, 403, 404, 404, 404, 404, 404, 404),
         scheme),
    Case("assessment:scheme_new_version", "unlocked",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), scheme),
    # An unlocked scheme is edited, not versioned: refused with a message.
    Case("assessment:scheme_new_version", "unlocked",
         (302, 302, 403, 404, 404, 404, 404, 404, 404), scheme, method="post"),
    Case("assessment:indicator_create", "unlocked",
         (302, 200, 403, 404, 404, 404, 404, 404, 404), scheme),
    Case("assessment:indicator_edit", "bonus", (302, 200, 403, 404, 404, 404, 404, 404, 404),
         indicator),
    Case("assessment:indicator_delete", "bonus", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         indicator),
    Case("assessment:indicator_delete", "bonus", (302, 302, 403, 404, 404, 404, 404, 404, 404),
         indicator, method="post"),
    Case("assessment:run_start", "", (302, 405, 405, 405, 405, 405, 405, 405, 405), scheme),
    Case("assessment:run_start", "", (302, 403, 403, 404, 404, 404, 404, 404, 404), scheme,
         method="post"),
    Case("assessment:entry_grid", "", (302, 403, 403, 404, 404, 404, 404, 404, 404), scheme),
    Case("assessment:entry_save", "", (302, 405, 405, 405, 405, 405, 405, 405, 405), scheme),
    Case("assessment:entry_save", "", (302, 403, 403, 404, 404, 404, 404, 404, 404), scheme,
         method="post"),
    # The entry is 陈农业's (县农业农村局): the unit's roles hold no assessment capability.
    Case("assessment:entry_evidence", "deduction", (302, 200, 403, 404, 404, 404, 404, 404, 404),
         entry_with_evidence),
    Case("assessment:grading_start", "", (302, 405, 405, 405, 405, 405, 405, 405, 405), scheme),
    Case("assessment:grading_start", "", (302, 403, 403, 404, 404, 404, 404, 404, 404), scheme,
         method="post"),
    Case("assessment:run_detail", "draft Q1", SEEN_BY_COUNTY, run),
    Case("assessment:run_publish", "draft Q1", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         run),
    Case("assessment:run_publish", "draft Q1", (302, 403, 403, 404, 404, 404, 404, 404, 404),
         run, method="post"),
    Case("assessment:grading_overview", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("assessment:grading_detail", "submitted", SEEN_BY_COUNTY, grading_of("submitted")),
    Case("assessment:grading_submit", "preview", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         grading_of("preview")),
    Case("assessment:grading_submit", "preview", (302, 403, 403, 404, 404, 404, 404, 404, 404),
         grading_of("preview"), method="post"),
    Case("assessment:grading_file", "submitted", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         grading_of("submitted")),
    Case("assessment:grading_file", "submitted", (302, 302, 403, 404, 404, 404, 404, 404, 404),
         grading_of("submitted"), method="post"),
    Case("assessment:grading_return", "submitted",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), grading_of("submitted")),
    # Without a reason the county is sent back with a message.
    Case("assessment:grading_return", "submitted",
         (302, 302, 403, 404, 404, 404, 404, 404, 404), grading_of("submitted"), method="post"),
    Case("assessment:grade_change", "poor", (302, 405, 405, 405, 405, 405, 405, 405, 405), grade),
    # Without grade and reason the county is sent back with a message.
    Case("assessment:grade_change", "poor", (302, 302, 403, 404, 404, 404, 404, 404, 404), grade,
         method="post"),
]
