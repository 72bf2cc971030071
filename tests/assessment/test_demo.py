"""seed_demo's assessment data: every assessment model has rows, the assessing bodies and their
assessors, enrolments of the county units' cadres, the completed quarters published, a filed
grading holding the 10% 差 floor, ratings only by villages a talent served, nothing dated after
the reference date, and the same seed giving the same scores."""

import datetime
import math

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q

from assessment.demo import FIRST_YEAR, YEAR
from assessment.models import (
    Action,
    AnnualGrade,
    Appeal,
    Enrolment,
    EnrolmentStatus,
    Grading,
    GradingStatus,
    Nomination,
    QuarterScore,
    RunStatus,
    Scheme,
    ScoreEntry,
    ScoreItem,
    ScoringRun,
    TalentEvaluation,
)
from assessment.periods import quarter_range
from assessment.services.enrolment import CADRE
from ledger.models import ActivityStatus, Participation
from portal import demo
from portal.models import Organization, Person, RoleAssignment
from tests.seeding import end_of_reference_day

END_OF_REFERENCE_DAY = end_of_reference_day()


@pytest.fixture
def data(small_county, db):
    return small_county


def fingerprint():
    """The quarter scores and annual grades by scheme, quarter and target — by the target's ID
    number or code, not by primary key (another seed numbers rows differently)."""
    scores = sorted(QuarterScore.objects.values_list(
        "run__scheme__year", "run__scheme__name", "run__quarter", "run__status",
        "person__id_number", "org__code", "total", "rank", "active_months"),
        key=lambda row: tuple(str(v) for v in row))
    grades = sorted(AnnualGrade.objects.values_list(
        "grading__scheme__name", "grading__status", "person__id_number", "total", "rank",
        "grade", "poor_reason"), key=lambda row: tuple(str(v) for v in row))
    return scores, grades


def test_every_assessment_model_has_rows_and_the_summary_says_so(data):
    empty = [model.__name__ for model in apps.get_app_config("assessment").get_models()
             if not model.__name__.startswith("Historical")
             and not model._default_manager.exists()]
    assert empty == []
    lines = [line for line in data["app_lines"] if line.startswith("考核：")]
    assert len(lines) == 1
    assert "已备案" in lines[0]


def test_three_actions_each_assessed_by_its_body_with_an_assessor(data):
    actions = list(Action.objects.select_related("assessing_body").order_by("order"))
    assert [a.is_universal for a in actions] == [True, False, False]
    bodies = [a.assessing_body for a in actions]
    assert bodies[0].name == "县乡村振兴局"
    assert [b.kind for b in bodies[1:]] == ["community", "park"]
    for body in bodies:
        assert RoleAssignment.objects.filter(org=body, role="assessor",
                                             user__first_name__gt="").exists()


def test_county_unit_cadres_in_the_universal_action_and_at_most_one_other(data):
    cadres = set(Person.objects.filter(CADRE, home_org__kind="unit", home_org__depth=2,
                                       is_party_member=True)
                 .values_list("pk", flat=True))
    for year in (FIRST_YEAR, YEAR):
        universal = Enrolment.objects.filter(year=year, action__is_universal=True)
        assert set(universal.values_list("person_id", flat=True)) == cadres
        assert universal.filter(status=EnrolmentStatus.EXEMPT).exclude(exempt_reason="").exists()
        others = (Enrolment.objects.filter(year=year, action__is_universal=False)
                  .exclude(status=EnrolmentStatus.REPLACED)
                  .values("person_id").annotate(n=Count("id")))
        assert max(row["n"] for row in others) == 1
        assert len(others) < len(cadres)  # some chose none: the 未报名 list is not empty
    replaced = list(Enrolment.objects.filter(status=EnrolmentStatus.REPLACED)
                    .select_related("replaced_by"))
    assert 1 <= len(replaced) <= 2
    for old in replaced:
        assert old.replacement_reason
        assert old.end_date + datetime.timedelta(days=1) == old.replaced_by.start_date
        assert old.replaced_by.org_id == old.org_id


def test_quarters_scored_up_to_the_reference_date_and_the_completed_ones_published(data):
    for scheme in Scheme.objects.filter(year=YEAR):
        runs = dict(scheme.runs.values_list("quarter", "status"))
        assert runs == {1: RunStatus.PUBLISHED, 2: RunStatus.PUBLISHED,
                        3: RunStatus.PUBLISHED, 4: RunStatus.DRAFT}, scheme.name
        assert scheme.locked_at is not None
    for scheme in Scheme.objects.filter(year=FIRST_YEAR):
        assert dict(scheme.runs.values_list("quarter", "status")) == {
            3: RunStatus.PUBLISHED, 4: RunStatus.PUBLISHED}
    # Every automatic point drills down to the rows behind it.
    unexplained = ScoreItem.objects.filter(indicator__kind="auto", points__gt=0,
                                           source_ids=[])
    assert not unexplained.exists()
    assert ScoreItem.objects.filter(indicator__code="months_served", points__gt=0).exists()


def test_the_filed_grading_has_at_least_ten_percent_poor(data):
    filed = Grading.objects.filter(status=GradingStatus.FILED).select_related("scheme")
    assert filed.exists()
    for grading in filed:
        n = grading.grades.count()
        assert n == grading.cohort_size > 0
        poor = grading.grades.filter(grade="poor").count()
        assert poor >= math.ceil(grading.scheme.poor_min_ratio * n) == grading.poor_quota
        assert grading.grades.filter(grade="excellent").count() <= grading.excellent_cap
    statuses = set(Grading.objects.values_list("status", flat=True))
    assert statuses == {GradingStatus.PREVIEW, GradingStatus.SUBMITTED, GradingStatus.FILED}


def test_villages_rate_only_talents_who_served_them_that_quarter(data):
    quarters = set(TalentEvaluation.objects.values_list("year", "quarter"))
    assert len(quarters) >= 3
    for year, quarter in quarters:
        first, after = quarter_range(year, quarter)
        served = Participation.objects.filter(
            person=OuterRef("person"), activity__org=OuterRef("village"),
            activity__date__gte=first, activity__date__lt=after,
            activity__status__in=[ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED])
        rated = TalentEvaluation.objects.filter(year=year, quarter=quarter)
        assert rated.exists()
        assert not rated.filter(~Exists(served)).exists()
        assert not rated.exclude(village__kind="village").exists()


def test_entries_appeals_and_nominations(data):
    for kind in ("deduction", "bonus"):
        entries = ScoreEntry.objects.filter(indicator__kind=kind)
        assert entries.exists()
        assert not entries.filter(Q(reason="") | Q(evidence="")).exists()
    assert not ScoreEntry.objects.filter(indicator__kind="bonus", level="").exists()
    assert dict(Appeal.objects.values_list("status").annotate(n=Count("id"))) == {
        "open": 1, "rejected": 1, "accepted": 1}
    accepted = Appeal.objects.get(status="accepted")
    assert accepted.run.status == RunStatus.PUBLISHED  # re-scored and published again
    assert not Appeal.objects.filter(status__in=["rejected", "accepted"], decision="").exists()
    assert Nomination.objects.filter(status="confirmed").exists()


def test_nothing_is_dated_after_the_reference_date(data):
    late = {
        "runs": ScoringRun.objects.filter(Q(computed_at__gte=END_OF_REFERENCE_DAY)
                                          | Q(published_at__gte=END_OF_REFERENCE_DAY)),
        "schemes": Scheme.objects.filter(Q(created_at__gte=END_OF_REFERENCE_DAY)
                                         | Q(locked_at__gte=END_OF_REFERENCE_DAY)),
        "gradings": Grading.objects.filter(Q(computed_at__gte=END_OF_REFERENCE_DAY)
                                           | Q(filed_at__gte=END_OF_REFERENCE_DAY)),
        "appeals": Appeal.objects.filter(Q(created_at__gte=END_OF_REFERENCE_DAY)
                                         | Q(decided_at__gte=END_OF_REFERENCE_DAY)),
        "evaluations": TalentEvaluation.objects.filter(rated_at__gte=END_OF_REFERENCE_DAY),
        "entries": ScoreEntry.objects.filter(entered_at__gte=END_OF_REFERENCE_DAY),
        "enrolments": Enrolment.objects.filter(created_at__gte=END_OF_REFERENCE_DAY),
        "nominations": Nomination.objects.filter(created_at__gte=END_OF_REFERENCE_DAY),
        "scheme history": Scheme.history.filter(history_date__gte=END_OF_REFERENCE_DAY),
    }
    assert {name: qs.count() for name, qs in late.items() if qs.exists()} == {}


def test_same_seed_same_scores_and_reset_removes_the_assessor_accounts(data):
    before = fingerprint()
    assert before[0] and before[1]
    demo.seed("small", 1, reset=True)
    assert fingerprint() == before
    assert get_user_model().objects.filter(username__in=["assessor_02", "assessor_03"]).count() \
        == 2
    assert Organization.objects.filter(kind="park").exists()
