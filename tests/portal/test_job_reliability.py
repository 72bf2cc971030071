"""Jobs that survive a dead worker and a broker outage: heartbeat, reaper, retry, and a clean
refusal when the broker cannot be reached."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.jobs import (
    BROKER_UNAVAILABLE,
    INTERRUPTED,
    execute_job,
    job_handler,
    reap_stale_jobs,
    retry_job,
    save_generated_file,
    start_job,
)
from portal.models import AuditEvent, GeneratedFile, Job
from portal.models.jobs import JobStatus

runs = []


@job_handler("test.reliable_echo")
def reliable_echo(job, report):
    runs.append(job.pk)
    report(50, "写入文件")
    return save_generated_file(job, "echo.txt", f"run {len(runs)}".encode())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    runs.clear()


def _job(owner, org, status=JobStatus.PENDING, **fields):
    fields.setdefault("params", {"capability": "data.export"})
    return Job.objects.create(owner=owner, scope_org=org, kind="test.reliable_echo",
                              title="可靠性测试", status=status, **fields)


@pytest.mark.django_db
class TestReaper:
    def test_a_running_job_whose_heartbeat_stopped_is_marked_failed(self, tree, county_admin):
        now = timezone.now()
        dead = _job(county_admin, tree.county, JobStatus.RUNNING,
                    heartbeat_at=now - timedelta(minutes=5))
        alive = _job(county_admin, tree.county, JobStatus.RUNNING,
                     heartbeat_at=now - timedelta(seconds=10))
        assert reap_stale_jobs(now=now) == 1
        dead.refresh_from_db()
        alive.refresh_from_db()
        assert (dead.status, dead.error) == (JobStatus.FAILED, INTERRUPTED)
        assert alive.status == JobStatus.RUNNING

    def test_running_a_job_stamps_its_heartbeat_and_counts_the_attempt(self, tree,
                                                                       county_admin):
        job = execute_job(_job(county_admin, tree.county).pk)
        assert job.status == JobStatus.SUCCEEDED
        assert job.heartbeat_at and job.attempts == 1

    def test_a_late_finish_does_not_overwrite_the_reapers_verdict(self, tree, county_admin,
                                                                  monkeypatch):
        job = _job(county_admin, tree.county)

        def reaped_meanwhile(job, report):
            Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=INTERRUPTED)
            return None

        monkeypatch.setitem(__import__("portal.jobs").jobs._handlers, "test.reliable_echo",
                            reaped_meanwhile)
        assert execute_job(job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
class TestRetry:
    def test_retry_runs_again_with_the_same_parameters_and_one_file(
            self, tree, county_admin, django_capture_on_commit_callbacks):
        job = _job(county_admin, tree.county, JobStatus.FAILED, error=INTERRUPTED,
                   params={"capability": "data.export", "year": 2026})
        with django_capture_on_commit_callbacks(execute=True):
            retried = retry_job(job, actor=county_admin)  # eager: runs on commit
        retried.refresh_from_db()
        assert retried.status == JobStatus.SUCCEEDED and retried.params["year"] == 2026
        assert retried.output.file.read() == b"run 1" and GeneratedFile.objects.count() == 1
        assert AuditEvent.objects.filter(summary__contains="重试后台任务").count() == 1

    def test_only_failed_jobs_of_ones_own_can_be_retried(self, tree, county_admin, leader):
        done = _job(county_admin, tree.county, JobStatus.SUCCEEDED)
        with pytest.raises(ValidationError) as refused:
            retry_job(done, actor=county_admin)
        assert refused.value.code == "state"
        with pytest.raises(PermissionDenied):
            retry_job(_job(county_admin, tree.county, JobStatus.FAILED), actor=leader)
        assert runs == []

    def test_the_job_page_offers_retry_and_the_button_works(
            self, tree, county_admin, login, django_capture_on_commit_callbacks):
        job = _job(county_admin, tree.county, JobStatus.FAILED, error=INTERRUPTED)
        client = login(county_admin)
        page = client.get(reverse("portal:job_detail", args=[job.uuid])).content.decode()
        assert "后台任务中断，请重试" in page and "重试" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal:job_retry", args=[job.uuid]))
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.output

    def test_another_users_job_is_not_found(self, tree, county_admin, leader, login):
        job = _job(county_admin, tree.county, JobStatus.FAILED)
        response = login(leader).post(reverse("portal:job_retry", args=[job.uuid]))
        assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_fails_the_job_cleanly(tree, county_admin, settings,
                                                     monkeypatch):
    from kombu.exceptions import OperationalError

    from portal.jobs import run_job

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", broker_down)
    with pytest.raises(ValidationError) as refused:
        with transaction.atomic():
            start_job(owner=county_admin, kind="test.reliable_echo", title="断线",
                      scope_org=tree.county)
    assert refused.value.code == "broker" and refused.value.messages == [BROKER_UNAVAILABLE]
    job = Job.objects.get()
    assert (job.status, job.error) == (JobStatus.FAILED, BROKER_UNAVAILABLE)


@pytest.fixture
def broker_down(monkeypatch):
    from kombu.exceptions import OperationalError

    from portal.jobs import run_job

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", refuse)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url_name", "args", "data", "back"), [
    ("portal:transfer_export", ["people"], "org", "portal:transfer_index"),
    ("pairing:statistics_export", [], None, "pairing:statistics"),
])
def test_an_export_started_while_the_broker_is_down_says_so(broker_down, tree, county_admin,
                                                            login, url_name, args, data, back):
    client = login(county_admin)
    post = {"org": tree.county.pk} if data else {}
    response = client.post(reverse(url_name, args=args), post, follow=True)
    assert response.redirect_chain[-1][0] == reverse(back)
    assert "后台服务暂不可用，请稍后重试" in response.content.decode()
    assert Job.objects.get().status == JobStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_ledger_export_form_shows_a_broker_outage_on_the_form(broker_down, tree,
                                                                  village_secretary, login):
    response = login(village_secretary).post(reverse("ledger:ledger_export"), {
        "org": tree.village_a1.pk, "year": 2026, "month": "", "format": "xlsx"})
    assert response.status_code == 200
    assert "后台服务暂不可用，请稍后重试" in response.content.decode()
    assert not Job.objects.exclude(status=JobStatus.FAILED).exists()


@pytest.mark.django_db
def test_progress_is_written_by_the_monitor_not_on_the_jobs_own_connection(
        tree, county_admin, django_assert_num_queries):
    from portal.jobs import JobMonitor

    job = _job(county_admin, tree.county, JobStatus.RUNNING)
    monitor = JobMonitor(job.pk)
    with django_assert_num_queries(0):  # safe in the middle of a streamed query
        monitor.report(40, "已导出 800 人")
        monitor.report(40, "已导出 800 人")
    assert monitor._flush(beat=False)  # what the monitor's thread does each second
    assert not monitor._flush(beat=False)  # nothing new, no heartbeat due: no write
    job.refresh_from_db()
    assert (job.progress, job.message) == (40, "已导出 800 人") and job.heartbeat_at
