"""score_quarter / publish_run: points from the ledger, ranks, idempotence, states."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment.models import QuarterScore, RunStatus, ScoreItem
from assessment.services.scoring import publish_run, score_quarter

pytestmark = pytest.mark.django_db


def totals(run):
    return {s.person.name: (s.total, s.rank) for s in run.scores.select_related("person")}


def test_months_served_points_and_shared_ranks(assessed, people):
    # 陈农业 2 months × 10; 周一 1 month; 吴二's only activity is a draft; ties share rank 3.
    assert totals(assessed.run) == {
        "陈农业": (Decimal("20.00"), 1), "周一": (Decimal("10.00"), 2),
        "吴二": (Decimal("0.00"), 3), "郑三": (Decimal("0.00"), 3)}
    assert assessed.run.cohort_size == 4


def test_every_automatic_point_keeps_its_activities(assessed, people):
    item = ScoreItem.objects.get(score__person=people.unit, indicator__code="months_served")
    assert item.value == 2
    assert item.source_ids == sorted(a.pk for a in assessed.activities[:2])


def test_rescoring_is_idempotent(assessed):
    before = sorted(QuarterScore.objects.values_list("person_id", "total", "rank"))
    items = sorted(ScoreItem.objects.values_list("score__person_id", "indicator_id", "points",
                                                 "source_ids"))
    score_quarter(assessed.scheme, 1)
    assert sorted(QuarterScore.objects.values_list("person_id", "total", "rank")) == before
    assert sorted(ScoreItem.objects.values_list("score__person_id", "indicator_id", "points",
                                                "source_ids")) == items


def test_quarter_outside_the_scheme_is_refused(assessed):
    assessed.scheme.start_date = assessed.scheme.start_date.replace(month=9)
    assessed.scheme.save()
    with pytest.raises(ValidationError) as error:
        score_quarter(assessed.scheme, 1)
    assert error.value.code == "quarter"


def test_publish_locks_the_scheme_and_stops_rescoring(assessed):
    run = publish_run(assessed.run, actor=assessed.assessor)
    assert run.status == RunStatus.PUBLISHED
    assessed.scheme.refresh_from_db()
    assert assessed.scheme.is_locked
    with pytest.raises(ValidationError) as error:
        score_quarter(assessed.scheme, 1)
    assert error.value.code == "state"


def test_only_the_assessing_body_publishes(assessed, county_admin, unit_contact):
    for user in (county_admin, unit_contact):
        with pytest.raises(PermissionDenied):
            publish_run(assessed.run, actor=user)


def test_exempt_member_leaves_the_cohort(assessed):
    from assessment.services.enrolment import exempt

    enrolment = assessed.action.enrolments.get(person=assessed.cadres["c3"])
    exempt(enrolment, actor=assessed.scheme.created_by, reason="长期病休")
    run = score_quarter(assessed.scheme, 1)
    assert run.cohort_size == 3
    assert not run.scores.filter(person=assessed.cadres["c3"]).exists()
