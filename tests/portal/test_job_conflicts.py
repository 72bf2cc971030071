"""A background job cancelled by a transient database conflict (a deadlock, a serialization
failure) runs its handler again, as the views re-run a write service (portal.transient), when
its kind opted in; it fails with CONFLICTED if it still conflicts, and at once on any other
error or for a kind that did not opt in.

Transactional: a test's own transaction would be the outer block in which no retry is made."""

import psycopg
import pytest
from django.db import transaction

from assessment.jobs import GRADE_KIND, SCORE_KIND
from portal import audit, transient
from portal.exporting import exporters
from portal.import_jobs import KINDS
from portal.jobs import (
    CONFLICTED,
    DATABASE_BUSY,
    DATABASE_UNAVAILABLE,
    _rerun_kinds,
    execute_job,
    job_handler,
    reap_stale_jobs_task,
)
from portal.models import AuditEvent, Job
from portal.models.audit import AuditAction
from portal.models.jobs import JobStatus
from tests.portal.test_transient import deadlock, serialization_failure, through_django

calls = []
failures = {"count": 0, "error": deadlock}


def conflicting(job, report):
    """Writes an audit row in one transaction, which the first `failures["count"]` calls
    lose to a conflict (rolled back, as PostgreSQL would)."""
    calls.append(job.pk)
    report(10 * len(calls), "写入中")
    with transaction.atomic():
        audit.record(AuditAction.OTHER, "冲突测试", actor=job.owner, job=str(job.uuid))
        if len(calls) <= failures["count"]:
            raise failures["error"]()


job_handler("test.conflicting", rerun_on_conflict=True)(conflicting)
job_handler("test.conflicting_not_rerun")(conflicting)


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    calls.clear()
    failures.update(count=0, error=deadlock)
    monkeypatch.setattr(transient, "sleep", lambda seconds: None)


def run(owner, org, kind="test.conflicting"):
    job = Job.objects.create(owner=owner, scope_org=org, kind=kind, title="冲突测试",
                             params={"capability": "data.export"})
    return execute_job(job.pk)


def written(job):
    return AuditEvent.objects.filter(data__job=str(job.uuid)).count()


@pytest.mark.django_db(transaction=True)
def test_a_job_meeting_one_deadlock_runs_again_and_succeeds(tree, county_admin):
    failures["count"] = 1
    job = run(county_admin, tree.county)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert len(calls) == 2
    assert written(job) == 1  # the cancelled run's row was rolled back


@pytest.mark.django_db(transaction=True)
def test_a_job_that_keeps_conflicting_fails_with_the_busy_message(tree, county_admin):
    failures.update(count=99, error=serialization_failure)
    job = run(county_admin, tree.county)
    assert (job.status, job.error) == (JobStatus.FAILED, CONFLICTED)
    assert len(calls) == transient.ATTEMPTS
    assert written(job) == 0


@pytest.mark.django_db(transaction=True)
def test_another_error_fails_the_job_at_once(tree, county_admin):
    failures.update(count=99, error=lambda: through_django(
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout")))
    job = run(county_admin, tree.county)
    assert (job.status, job.error) == (JobStatus.FAILED, DATABASE_UNAVAILABLE)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_kind_that_did_not_opt_in_is_not_run_again(tree, county_admin):
    failures["count"] = 1
    job = run(county_admin, tree.county, kind="test.conflicting_not_rerun")
    assert (job.status, job.error) == (JobStatus.FAILED, DATABASE_BUSY)
    assert len(calls) == 1 and written(job) == 0


def test_the_projects_job_kinds_that_are_safe_to_run_again_opt_in():
    """Each was read for it (see their registrations): exports only read, imports write in one
    transaction, scoring and grading recompute and replace in one."""
    assert len(exporters()) > 10
    kinds = {exporter.identifier for exporter in exporters()} | set(KINDS.values()) | {
        SCORE_KIND, GRADE_KIND}
    assert kinds <= _rerun_kinds
    assert "test.conflicting_not_rerun" not in _rerun_kinds


@pytest.mark.django_db(transaction=True)
def test_the_reaper_task_runs_again_after_a_deadlock(monkeypatch):
    tries = []

    def reap():
        tries.append(1)
        if len(tries) == 1:
            raise deadlock()
        return 0

    monkeypatch.setattr("portal.jobs.reap_stale_jobs", reap)
    assert reap_stale_jobs_task() == 0
    assert len(tries) == 2
