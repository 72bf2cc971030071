"""grade_year and the grading workflow on the database: the hand-worked boundaries through the
service (ties at both ends, vetoes, N = 1, 10, 11), the part-year rule, tie-break keys, the
refusals (no 优秀 rule, quarters unpublished, after submission), and audited changes held to
the 10% floor."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessment.models import (
    AnnualGrade,
    Enrolment,
    GradingStatus,
    Indicator,
    QuarterScore,
    ScoreItem,
    ScoringRun,
)
from assessment.services.grading import (
    change_grade,
    file_grading,
    grade_year,
    return_grading,
    submit_grading,
)
from portal.models import AuditEvent
from tests.factories import bulk_people

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def q4_scheme(assessed):
    """The fixture's scheme narrowed to Q4 (one quarter to publish), its cohort emptied."""
    scheme = assessed.scheme
    scheme.start_date = datetime.date(YEAR, 10, 1)
    scheme.save()
    Enrolment.objects.all().delete()
    ScoringRun.objects.all().delete()
    return scheme


def cohort(scheme, tree, totals, *, vetoed=(), months=None, ties=None):
    """N people with these Q4 totals in a published run: [(name, person)]."""
    names = {f"p{i:03d}": {"name": f"人员{i:03d}", "home_org": tree.unit}
             for i in range(len(totals))}
    people = list(bulk_people(**names).values())
    Enrolment.objects.bulk_create([
        Enrolment(action=scheme.action, year=YEAR, person=p, org=tree.unit,
                  start_date=datetime.date(YEAR, 1, 1)) for p in people])
    run = ScoringRun.objects.create(scheme=scheme, quarter=4, status="published",
                                    computed_at=timezone.now(), published_at=timezone.now())
    scores = QuarterScore.objects.bulk_create([
        QuarterScore(run=run, person=p, total=Decimal(str(t)), vetoed=i in vetoed,
                     active_months=(months or {}).get(i, 3))
        for i, (p, t) in enumerate(zip(people, totals, strict=True))])
    if ties:
        indicator = Indicator.objects.get(scheme=scheme, code="months_served")
        ScoreItem.objects.bulk_create([
            ScoreItem(score=s, indicator=indicator, value=ties[i], points=0)
            for i, s in enumerate(scores)])
    return people


def grades_of(grading):
    return {g.person.name: (g.grade, g.poor_reason)
            for g in AnnualGrade.objects.filter(grading=grading).select_related("person")}


def poor(grading):
    return sorted(n for n, (g, _) in grades_of(grading).items() if g == "poor")


def test_ten_distinct_scores_give_one_poor_and_two_excellent(q4_scheme, tree):
    cohort(q4_scheme, tree, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    grading = grade_year(q4_scheme)
    grades = grades_of(grading)
    assert poor(grading) == ["人员000"] and grades["人员000"] == ("poor", "quota")
    assert sorted(n for n, (g, _) in grades.items() if g == "excellent") == ["人员008", "人员009"]
    assert (grading.cohort_size, grading.poor_quota, grading.excellent_cap) == (10, 1, 2)


def test_eleven_need_two_poor(q4_scheme, tree):
    cohort(q4_scheme, tree, list(range(10, 120, 10)))
    assert poor(grade_year(q4_scheme)) == ["人员000", "人员001"]


def test_one_person_is_poor(q4_scheme, tree):
    cohort(q4_scheme, tree, [95])
    grading = grade_year(q4_scheme)
    assert grades_of(grading) == {"人员000": ("poor", "quota")}


def test_tie_at_the_poor_boundary_goes_wholly_to_poor_and_says_so(q4_scheme, tree):
    cohort(q4_scheme, tree, [10, 10, 30, 40, 50, 60, 70, 80, 90, 100])
    grading = grade_year(q4_scheme)
    assert poor(grading) == ["人员000", "人员001"]
    assert {grades_of(grading)[n][1] for n in poor(grading)} == {"tie"}
    assert grading.over_quota == 1


def test_tie_break_keys_split_what_the_total_does_not(q4_scheme, tree):
    # Equal totals at the boundary, but 人员001 served more months: only 人员000 is 差.
    cohort(q4_scheme, tree, [10, 10, 30, 40, 50, 60, 70, 80, 90, 100],
           ties=[1, 2, 3, 3, 3, 3, 3, 3, 3, 3])
    grading = grade_year(q4_scheme)
    assert poor(grading) == ["人员000"] and grading.over_quota == 0


def test_tie_straddling_the_excellent_cap_stays_out(q4_scheme, tree):
    cohort(q4_scheme, tree, [10, 20, 30, 40, 50, 60, 70, 90, 90, 90])
    grading = grade_year(q4_scheme)
    assert not [n for n, (g, _) in grades_of(grading).items() if g == "excellent"]


def test_veto_is_poor_and_counts_toward_the_quota(q4_scheme, tree):
    cohort(q4_scheme, tree, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], vetoed={9})
    grading = grade_year(q4_scheme)
    assert poor(grading) == ["人员009"]
    assert grades_of(grading)["人员009"] == ("poor", "veto")


def test_per_active_month_rule_scales_a_part_year_member(q4_scheme, tree):
    # Scheme Oct–Dec (3 months): 10 points in 1 active month count as 30 for the year.
    cohort(q4_scheme, tree, [10, 20], months={0: 1})
    grade_year(q4_scheme)
    assert AnnualGrade.objects.get(person__name="人员000").total == Decimal("30.00")
    q4_scheme.part_year_rule = "sum"
    q4_scheme.save()
    grade_year(q4_scheme)
    assert AnnualGrade.objects.get(person__name="人员000").total == Decimal("10.00")


def test_scheme_without_an_excellent_rule_is_refused(q4_scheme, tree):
    cohort(q4_scheme, tree, [10, 20, 30])
    q4_scheme.excellent_max_ratio = None
    q4_scheme.save()
    with pytest.raises(ValidationError) as error:
        grade_year(q4_scheme)
    assert error.value.code == "no_excellent_rule"


def test_unpublished_quarter_is_refused(assessed):
    with pytest.raises(ValidationError) as error:
        grade_year(assessed.scheme)
    assert error.value.code == "quarters"


def test_workflow_submit_file_and_regrade_refused(q4_scheme, tree, assessed, county_admin):
    cohort(q4_scheme, tree, [10, 20, 30])
    grading = grade_year(q4_scheme, actor=assessed.assessor)
    with pytest.raises(PermissionDenied):
        submit_grading(grading, actor=county_admin)  # only the assessing body submits
    grading = submit_grading(grading, actor=assessed.assessor)
    with pytest.raises(ValidationError) as error:
        grade_year(q4_scheme, actor=assessed.assessor)
    assert error.value.code == "state"
    with pytest.raises(PermissionDenied):
        file_grading(grading, actor=assessed.assessor)  # only 组织部 files
    with pytest.raises(ValidationError):
        return_grading(grading, actor=county_admin, reason=" ")
    grading = file_grading(grading, actor=county_admin)
    assert grading.status == GradingStatus.FILED and grading.filed_by == county_admin


def test_returned_grading_can_be_regraded(q4_scheme, tree, assessed, county_admin):
    cohort(q4_scheme, tree, [10, 20, 30])
    grading = submit_grading(grade_year(q4_scheme), actor=assessed.assessor)
    grading = return_grading(grading, actor=county_admin, reason="排位有误")
    assert grading.status == GradingStatus.PREVIEW and grading.return_reason == "排位有误"
    grade_year(q4_scheme, actor=assessed.assessor)


def test_grade_changes_need_a_reason_keep_the_floor_and_are_audited(
        q4_scheme, tree, assessed, county_admin):
    cohort(q4_scheme, tree, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    grading = grade_year(q4_scheme)
    lowest = AnnualGrade.objects.get(grading=grading, person__name="人员000")
    with pytest.raises(ValidationError):
        change_grade(lowest, actor=assessed.assessor, grade="good", reason="")
    with pytest.raises(ValidationError) as error:
        change_grade(lowest, actor=assessed.assessor, grade="good", reason="病假")
    assert error.value.code == "quota"
    other = AnnualGrade.objects.get(grading=grading, person__name="人员005")
    change_grade(other, actor=assessed.assessor, grade="poor", reason="经查不履职")
    other.refresh_from_db()
    assert (other.grade, other.computed_grade) == ("poor", "good")
    assert AuditEvent.objects.filter(summary__contains="调整年度等次").exists()
    grading = file_grading(submit_grading(grading, actor=assessed.assessor), actor=county_admin)
    with pytest.raises(PermissionDenied):  # after 备案, 组织部 only
        change_grade(other, actor=assessed.assessor, grade="good", reason="复核")
    change_grade(other, actor=county_admin, grade="good", reason="复核后更正")
