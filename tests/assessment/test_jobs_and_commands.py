"""Scoring and grading as jobs (eager here; tests/portal/test_celery_worker.py runs the job
machinery on a real worker), the daily beat, and the score_quarter / grade_year commands."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from assessment.jobs import quarter_closes, score_closed_quarters, start_grading, start_scoring
from assessment.models import Grading, QuarterScore, RunStatus, Scheme, ScoringRun
from assessment.services.scoring import publish_run, score_quarter
from portal import transient
from portal.models import Job
from portal.models.jobs import JobStatus
from tests.portal.test_transient import deadlock

pytestmark = pytest.mark.django_db


def test_scoring_job_scores_with_progress(assessed, django_capture_on_commit_callbacks):
    QuarterScore.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_scoring(assessed.scheme, 1, actor=assessed.assessor)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "4 个考核对象" in job.message
    assert QuarterScore.objects.filter(run__quarter=1).count() == 4


def test_scoring_job_needs_the_assessing_body(assessed, county_admin):
    with pytest.raises(PermissionDenied):
        start_scoring(assessed.scheme, 1, actor=county_admin)


def test_grading_is_refused_before_queueing_with_the_reason(assessed):
    with pytest.raises(ValidationError) as error:
        start_grading(assessed.scheme, actor=assessed.assessor)
    assert error.value.code == "quarters" and not Job.objects.exists()


def test_grading_job_fails_with_the_reason_when_things_changed_since(
        assessed, django_capture_on_commit_callbacks):
    for quarter in assessed.scheme.quarters():
        publish_run(score_quarter(assessed.scheme, quarter), actor=assessed.assessor)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_grading(assessed.scheme, actor=assessed.assessor)
        Scheme.objects.filter(pk=assessed.scheme.pk).update(excellent_max_ratio=None)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "优秀" in job.error


def test_beat_scores_each_quarter_the_day_after_its_ledger_closes(assessed):
    ScoringRun.objects.all().delete()
    closes = quarter_closes(2025, 1)
    assert closes == datetime.date(2025, 4, 5)
    assert score_closed_quarters(today=closes) == []
    runs = score_closed_quarters(today=closes + datetime.timedelta(days=1))
    assert [r.quarter for r in runs] == [1]
    # Scored since the close: not again the next day; a published quarter never.
    assert score_closed_quarters(today=closes + datetime.timedelta(days=2)) == []
    publish_run(runs[0], actor=assessed.assessor)
    ScoringRun.objects.filter(pk=runs[0].pk).update(computed_at=None)
    assert score_closed_quarters(today=closes + datetime.timedelta(days=3)) == []


def test_score_quarter_command(assessed):
    out = io.StringIO()
    call_command("score_quarter", year=2025, quarter=1, stdout=out)
    assert "4 个考核对象" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("score_quarter", year=2024, quarter=1, stdout=io.StringIO())


def test_grade_year_command_reports_refusals_and_grades(assessed):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("grade_year", year=2025, stdout=io.StringIO(), stderr=err)
    assert "排位尚未发布" in err.getvalue()
    for quarter in (1, 2, 3, 4):
        call_command("score_quarter", year=2025, quarter=quarter, stdout=io.StringIO())
        publish_run(ScoringRun.objects.get(quarter=quarter), actor=assessed.assessor)
    out = io.StringIO()
    call_command("grade_year", year=2025, scheme=assessed.scheme.pk, stdout=out)
    # 吴二 and 郑三 never served: tied at 0, both 差 though the quota is 1.
    assert "N=4，优秀 0，良好 2，差 2；“差”最低 1 人（同分超出比例 1 人）" in out.getvalue()
    assert Grading.objects.get().status == "preview"
    assert ScoringRun.objects.filter(status=RunStatus.PUBLISHED).count() == 4


def flaky_scoring(monkeypatch, failures):
    """assessment.jobs.score_quarter doing all its work, then losing its first `failures`
    transactions to a deadlock (rolled back, as PostgreSQL would)."""
    calls = []

    def score(*args, **kwargs):
        calls.append(args)
        with transaction.atomic():
            run = score_quarter(*args, **kwargs)
            if len(calls) <= failures:
                raise deadlock()
        return run

    monkeypatch.setattr("assessment.jobs.score_quarter", score)
    monkeypatch.setattr(transient, "sleep", lambda seconds: None)
    return calls


# Transactional: a test's own transaction would be the outer block in which no retry is made.
@pytest.mark.django_db(transaction=True)
def test_a_scoring_job_cancelled_by_a_deadlock_scores_once_on_its_rerun(
        assessed, monkeypatch, django_capture_on_commit_callbacks):
    calls = flaky_scoring(monkeypatch, failures=1)
    QuarterScore.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_scoring(assessed.scheme, 1, actor=assessed.assessor)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert len(calls) == 2
    assert QuarterScore.objects.filter(run__quarter=1).count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_beat_scores_again_after_a_deadlock_and_gives_up_after_three(assessed,
                                                                        monkeypatch):
    ScoringRun.objects.all().delete()
    day_after = quarter_closes(2025, 1) + datetime.timedelta(days=1)
    calls = flaky_scoring(monkeypatch, failures=1)
    assert [r.quarter for r in score_closed_quarters(today=day_after)] == [1]
    assert len(calls) == 2

    ScoringRun.objects.all().delete()
    calls = flaky_scoring(monkeypatch, failures=99)
    with pytest.raises(ValidationError) as busy:
        score_closed_quarters(today=day_after)
    assert busy.value.code == "busy" and len(calls) == transient.ATTEMPTS
    assert not ScoringRun.objects.exists()
