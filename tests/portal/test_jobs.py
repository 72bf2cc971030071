"""Jobs run through the registered handler, record progress, and downloads re-check scope."""

import pytest
from django.urls import reverse

from portal.jobs import execute_job, job_handler, save_generated_file, start_job
from portal.models import AuditEvent, Job
from portal.models.jobs import JobStatus
from tests.factories import grant


@job_handler("test_echo")
def _echo(job, report):
    report(50, "一半")
    return save_generated_file(job, "回显.txt", job.params["text"].encode())


@job_handler("test_boom")
def _boom(job, report):
    raise RuntimeError("数据有误")


@pytest.fixture
def finished_job(tree, county_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(owner=county_admin, kind="test_echo", title="回显", scope_org=tree.county,
                        params={"text": "你好"})
    job.refresh_from_db()
    return job


def test_job_runs_on_commit_and_stores_output(finished_job):
    assert finished_job.status == JobStatus.SUCCEEDED
    assert finished_job.progress == 100
    assert finished_job.output.file.read().decode() == "你好"


def test_rerunning_a_finished_job_changes_nothing(finished_job):
    output = finished_job.output_id
    execute_job(finished_job.pk)
    finished_job.refresh_from_db()
    assert finished_job.output_id == output


def test_failed_job_records_error(tree, county_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(owner=county_admin, kind="test_boom", title="失败", scope_org=tree.county)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "数据有误" in job.error


def test_job_start_checks_capability(tree, village_secretary):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_job(owner=village_secretary, kind="test_echo", title="x", scope_org=tree.county,
                  params={"text": ""})
    assert not Job.objects.exists()


def test_job_page_polls_and_links_download(finished_job, county_admin, login):
    client = login(county_admin)
    page = client.get(reverse("portal:job_detail", args=[finished_job.uuid]))
    assert reverse("portal:download", args=[finished_job.output.uuid]) in page.content.decode()
    partial = client.get(reverse("portal:job_detail", args=[finished_job.uuid]),
                         HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()


def test_other_users_job_is_404(finished_job, leader, login):
    assert login(leader).get(
        reverse("portal:job_detail", args=[finished_job.uuid])).status_code == 404


def test_download_rechecks_permission(finished_job, county_admin, township_admin, tree, login):
    url = reverse("portal:download", args=[finished_job.output.uuid])
    client = login(county_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "你好"
    assert AuditEvent.objects.filter(action="download").count() == 1
    # Out of scope: 404. In scope without the capability: 403.
    assert login(township_admin).get(url).status_code == 404
    viewer = township_admin
    grant(viewer, tree.county, "talent")
    viewer.__dict__.pop("_portal_roles", None)
    assert login(viewer).get(url).status_code == 403


def test_people_file_with_full_id_numbers_needs_that_right_to_download(
        tree, people, county_admin, leader, login, django_capture_on_commit_callbacks):
    from portal.exporting import start_export

    with django_capture_on_commit_callbacks(execute=True):
        job = start_export("export_people", tree.county, actor=county_admin)
    job.refresh_from_db()
    assert job.output.capability == "person.view_id_number"
    url = reverse("portal:download", args=[job.output.uuid])
    assert login(leader).get(url).status_code == 403  # leaders export, but see masked numbers
    assert login(county_admin).get(url).status_code == 200
