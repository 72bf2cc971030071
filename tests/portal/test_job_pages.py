"""Job and file pages: a finished job offers its file with its size; a failed one says why in
Chinese (never an English exception or a traceback) and offers 重试."""

import errno

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.jobs import (
    DATABASE_BUSY,
    DISK_FULL,
    FILE_NOT_SAVED,
    NO_LONGER_PERMITTED,
    TIMED_OUT,
    execute_job,
    failure_message,
    job_handler,
    save_generated_file,
)
from portal.models import Job
from portal.models.jobs import JobStatus


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@job_handler("test_english_failure")
def _english_failure(job, report):
    raise KeyError("column 'org_code' missing")


@pytest.mark.parametrize(("exc", "message"), [
    (PermissionDenied("您没有执行此操作的权限。"), NO_LONGER_PERMITTED),
    (ValidationError(["第3行：组织编码不存在。", "第5行：姓名为空。"]),
     "第3行：组织编码不存在；第5行：姓名为空。"),
    (SoftTimeLimitExceeded(), TIMED_OUT),
    (OperationalError("database is locked"), DATABASE_BUSY),
    (OSError(errno.ENOSPC, "No space left on device"), DISK_FULL),
    (OSError(errno.EACCES, "Permission denied"), FILE_NOT_SAVED),
    (OSError("磁盘已满"), "磁盘已满"),
])
def test_known_failures_are_told_in_chinese(exc, message):
    assert failure_message(exc) == message
    assert "。。" not in failure_message(exc)


def _job(user, tree, **fields):
    return Job.objects.create(owner=user, scope_org=tree.village_a1, kind="export.people",
                              title="人员导出", **fields)


def test_an_english_error_or_a_traceback_becomes_a_general_chinese_message(village_secretary,
                                                                           tree):
    for error in ["KeyError: 'x'", "Traceback (most recent call last):\n  File …", ""]:
        job = _job(village_secretary, tree, status=JobStatus.FAILED, error=error)
        assert job.failure_reason.startswith("任务未能完成（任务编号 ")
        assert str(job.uuid)[:8] in job.failure_reason
    job = _job(village_secretary, tree, status=JobStatus.FAILED, error="后台任务中断，请重试。")
    assert job.failure_reason == "后台任务中断，请重试。"


def test_a_failed_job_page_says_why_in_chinese_and_offers_retry(client, village_secretary,
                                                                 tree):
    job = Job.objects.create(owner=village_secretary, scope_org=tree.village_a1,
                             kind="test_english_failure", title="人员导出",
                             params={"capability": "person.view"})
    execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    client.force_login(village_secretary)
    page = client.get(reverse("portal:job_detail", args=[job.uuid])).content.decode()
    assert "org_code" not in page and "KeyError" not in page
    assert f"任务编号 {str(job.uuid)[:8]}" in page
    assert reverse("portal:job_retry", args=[job.uuid]) in page and "重试" in page
    listing = client.get(reverse("portal:job_list")).content.decode()
    assert f"任务编号 {str(job.uuid)[:8]}" in listing
    assert reverse("portal:job_retry", args=[job.uuid]) in listing


def test_a_finished_job_shows_its_file_size_and_download_button(client, village_secretary,
                                                                tree):
    job = _job(village_secretary, tree, params={"capability": "person.view"})
    output = save_generated_file(job, "人员.xlsx", b"x" * 2048)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100, output=output)
    client.force_login(village_secretary)
    download = reverse("portal:download", args=[output.uuid])
    for url in (reverse("portal:job_detail", args=[job.uuid]), reverse("portal:job_list")):
        page = client.get(url).content.decode()
        assert download in page and "下载" in page and "人员.xlsx" in page
        assert "2.0\xa0KB" in page


def test_a_file_gone_from_storage_is_a_404_not_a_server_error(client, village_secretary, tree):
    job = _job(village_secretary, tree, params={"capability": "person.view"})
    output = save_generated_file(job, "人员.xlsx", b"xlsx")
    output.file.storage.delete(output.file.name)
    client.force_login(village_secretary)
    assert client.get(reverse("portal:download", args=[output.uuid])).status_code == 404


def test_job_list_queries_do_not_grow_with_failed_jobs(client, village_secretary, tree):
    client.force_login(village_secretary)
    _job(village_secretary, tree, status=JobStatus.FAILED, error="x")
    client.get(reverse("portal:job_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:job_list"))
    for _ in range(10):
        _job(village_secretary, tree, status=JobStatus.FAILED, error="x")
    job = _job(village_secretary, tree, status=JobStatus.SUCCEEDED)
    generated = save_generated_file(job, "a.xlsx", b"a")
    Job.objects.filter(pk=job.pk).update(output=generated)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:job_list"))
    assert len(many.captured_queries) == len(one.captured_queries)


