"""Scoring and grading as background jobs (progress on the job page), and the beat task that
scores each quarter the day after its ledger closes."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment.models import Grading, RunStatus, Scheme, ScoringRun
from assessment.services.grading import check_gradable, grade_year
from assessment.services.scoring import score_quarter
from ledger.periods import close_date
from portal.jobs import job_handler, start_job
from portal.transient import run_retrying

SCORE_KIND = "assessment_score_quarter"
GRADE_KIND = "assessment_grade_year"


def start_scoring(scheme, quarter, *, actor):
    """Queue the scoring of one quarter (the permission and state are checked now, and again
    by the job)."""
    run = ScoringRun.objects.filter(scheme=scheme, quarter=quarter).first()
    if run is not None:
        ScoringRun.workflow.check(run, "rescore", actor)
    return start_job(owner=actor, kind=SCORE_KIND, title=f"{scheme} 第{quarter}季度计分",
                     scope_org=scheme.assessing_body,
                     params={"scheme": scheme.pk, "quarter": quarter},
                     capability="assessment.score")


def start_grading(scheme, *, actor):
    """Queue the annual grading preview after the checks the job would fail on: the 优秀 rule,
    every quarter published, the grading still a preview (and who may)."""
    check_gradable(scheme)
    grading = Grading.objects.filter(scheme=scheme).first()
    if grading is not None:
        Grading.workflow.check(grading, "regrade", actor)
    return start_job(owner=actor, kind=GRADE_KIND, title=f"{scheme} 年度等次评定",
                     scope_org=scheme.assessing_body, params={"scheme": scheme.pk},
                     capability="assessment.score")


def _message(error: ValidationError) -> str:
    return "；".join(error.messages)


# Both run one transaction that recomputes and replaces the run's (grading's) rows: a re-run
# after a cancelled one starts from the same state.
@job_handler(SCORE_KIND, rerun_on_conflict=True)
def run_scoring(job, report):
    scheme = Scheme.objects.select_related("assessing_body").get(pk=job.params["scheme"])
    try:
        run = score_quarter(scheme, int(job.params["quarter"]), actor=job.owner, report=report)
    except ValidationError as exc:
        raise RuntimeError(_message(exc)) from exc
    report(100, f"已计分 {run.cohort_size} 个考核对象")


@job_handler(GRADE_KIND, rerun_on_conflict=True)
def run_grading(job, report):
    scheme = Scheme.objects.select_related("assessing_body").get(pk=job.params["scheme"])
    try:
        grading = grade_year(scheme, actor=job.owner, report=report)
    except ValidationError as exc:
        raise RuntimeError(_message(exc)) from exc
    report(100, f"已评定 {grading.cohort_size} 个考核对象")


def quarter_closes(year, quarter) -> datetime.date:
    """The day the quarter's last month closes in the ledger (LEDGER_CLOSE_DAY next month)."""
    return close_date(year, 3 * quarter, settings.LEDGER_CLOSE_DAY)


def score_closed_quarters(today=None) -> list[ScoringRun]:
    """Score every draft quarter whose ledger has closed and which was not scored since: the
    beat schedule runs this daily, so a quarter is scored the day after its ledger lock. A
    quarter's scoring cancelled by a transient conflict is run again (portal.transient); one
    that still conflicts stops the day's run, and the next day's scores it."""
    today = today or timezone.localdate()
    scored = []
    for scheme in Scheme.objects.filter(year__in=[today.year - 1, today.year],
                                        superseded_by__isnull=True):
        for quarter in scheme.quarters():
            closes = quarter_closes(scheme.year, quarter)
            if today <= closes:
                continue
            run = ScoringRun.objects.filter(scheme=scheme, quarter=quarter).first()
            if run and (run.status != RunStatus.DRAFT or (
                    run.computed_at and timezone.localdate(run.computed_at) > closes)):
                continue
            scored.append(run_retrying(score_quarter, (scheme, quarter)))
    return scored


@shared_task(name="assessment.tasks.score_closed_quarters")
def score_closed_quarters_task():
    return [run.pk for run in score_closed_quarters()]
