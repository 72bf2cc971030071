"""The exporter registry, start_export (capability, audit row, enqueue on commit), the job
runner's conditional claim, and the finished job's pages."""

import datetime

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from portal import jobs
from portal.exporting import (
    Exporter,
    ExportFile,
    UnknownExporter,
    exporters,
    get_exporter,
    register_exporter,
    start_export,
)
from portal.jobs import execute_job, job_handler, start_job
from portal.models import AuditEvent, GeneratedFile, Job
from portal.models.audit import AuditAction
from portal.models.jobs import JobStatus

THIS_YEAR = timezone.localdate().year
LAST_MONTH = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1))

# identifier → (scope org on the tree fixture, params): one export of each kind.
EXPORTS = {
    "export_orgs": ("county", {}),
    "export_people": ("county", {}),
    "aid_ledger": ("village_a1", {"year": THIS_YEAR}),
    "pairing_statistics": ("county", {"year": THIS_YEAR}),
    "ledger_export": ("village_a1", {"year": LAST_MONTH.year, "month": LAST_MONTH.month,
                                     "format": "xlsx", "include_drafts": False}),
    "ledger_compliance_orgs": ("county", {"period": str(THIS_YEAR), "kind": "village"}),
    "ledger_compliance_talents": ("county", {"period": str(THIS_YEAR)}),
    "ledger_compliance_units": ("county", {"period": str(THIS_YEAR)}),
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- the registry -----------------------------------------------------------------------------


def test_every_export_is_registered_with_identifier_name_and_form(county_admin):
    registered = {exporter.identifier: exporter for exporter in exporters()}
    assert set(EXPORTS) <= set(registered)
    for identifier, exporter in registered.items():
        assert get_exporter(identifier).__class__ is exporter.__class__
        assert exporter.verbose_name and exporter.capability
        form = exporter.get_form(user=county_admin)
        assert isinstance(form, forms.BaseForm) and form.fields, identifier


def test_unknown_identifier_raises():
    with pytest.raises(UnknownExporter):
        get_exporter("no_such_export")
    with pytest.raises(LookupError):
        start_export("no_such_export", None, actor=None)


def test_registration_refuses_incomplete_or_duplicate_exporters():
    with pytest.raises(TypeError, match="verbose_name"):
        @register_exporter
        class Nameless(Exporter):
            identifier = "test_nameless"
            form_class = forms.Form

    with pytest.raises(ValueError, match="export_orgs"):
        @register_exporter
        class Impostor(Exporter):
            identifier = "export_orgs"
            verbose_name = "冒名"
            form_class = forms.Form

    assert get_exporter("export_orgs").verbose_name == "组织"


def test_exports_cannot_be_started_around_start_export(tree, county_admin):
    """start_job would skip the audit row, so it refuses an exporter's kind."""
    with pytest.raises(ValueError, match="start_export"):
        start_job(owner=county_admin, kind="pairing_statistics", title="统计",
                  scope_org=tree.county, params={"year": THIS_YEAR},
                  capability="pairing.statistics")
    assert not Job.objects.exists()


# --- start_export ------------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", EXPORTS)
def test_start_export_audits_every_exporter_and_the_job_makes_its_file(
        identifier, tree, county_admin):
    scope_name, params = EXPORTS[identifier]
    scope_org = getattr(tree, scope_name)
    job = start_export(identifier, scope_org, params, actor=county_admin)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == county_admin and event.summary.startswith("导出")
    assert scope_org.name in event.summary
    assert event.data["exporter"] == identifier and event.data["job"] == str(job.uuid)
    assert event.data["org"] == scope_org.pk
    assert (job.kind, job.owner, job.scope_org) == (identifier, county_admin, scope_org)

    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.output.filename and job.output.size > 0
    assert job.output.capability == job.params["capability"]


def test_start_export_without_the_capability_is_403_and_leaves_nothing(tree,
                                                                        village_secretary):
    for identifier in ("export_orgs", "pairing_statistics", "ledger_compliance_orgs"):
        with pytest.raises(PermissionDenied):
            start_export(identifier, tree.county, EXPORTS[identifier][1],
                         actor=village_secretary)
    assert not Job.objects.exists() and not AuditEvent.objects.exists()


def test_the_job_is_enqueued_when_the_transaction_commits(
        tree, county_admin, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs.run_job, "apply_async", lambda args, **options: sent.extend(args))
    with django_capture_on_commit_callbacks() as callbacks:
        job = start_export("export_orgs", tree.county, actor=county_admin)
        assert sent == []  # nothing is sent before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [job.pk]


def test_a_rolled_back_export_leaves_no_job_and_no_audit_row(
        tree, county_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            start_export("export_orgs", tree.county, actor=county_admin)
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert not Job.objects.exists() and not AuditEvent.objects.exists()


def test_exporter_refuses_bad_parameters(tree, county_admin):
    with pytest.raises(ValueError):
        start_export("ledger_export", tree.village_a1,
                     {"year": THIS_YEAR, "format": "docx"}, actor=county_admin)
    assert not Job.objects.exists()


# --- the runner --------------------------------------------------------------------------------

calls = []


@job_handler("test_claim_reentrant")
def _reentrant(job, report):
    """Runs a second delivery of the same job while the first is still running."""
    calls.append(job.pk)
    second = execute_job(job.pk)
    assert second.status == JobStatus.RUNNING and second.output is None
    return ExportFile("一次.txt", "text/plain", "一次".encode())


@pytest.fixture
def claim_job(tree, county_admin):
    calls.clear()
    return start_job(owner=county_admin, kind="test_claim_reentrant", title="只运行一次",
                     scope_org=tree.county)


def test_a_redelivered_job_runs_once(claim_job):
    first = execute_job(claim_job.pk)
    again = execute_job(claim_job.pk)
    assert calls == [claim_job.pk]
    assert first.status == again.status == JobStatus.SUCCEEDED
    assert GeneratedFile.objects.count() == 1
    assert again.output_id == first.output_id
    assert first.output.file.read().decode() == "一次"


def test_a_job_another_worker_claimed_is_left_alone(claim_job):
    Job.objects.filter(pk=claim_job.pk).update(status=JobStatus.RUNNING)
    job = execute_job(claim_job.pk)
    assert calls == [] and job.status == JobStatus.RUNNING
    assert not GeneratedFile.objects.exists()


def test_the_celery_task_keeps_its_name():
    from portal.tasks import run_job

    assert run_job is jobs.run_job and run_job.name == "portal.tasks.run_job"


def test_a_file_that_cannot_be_stored_fails_the_job(tree, county_admin, monkeypatch):
    def broken_storage(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(jobs, "save_generated_file", broken_storage)
    job = execute_job(start_export("export_orgs", tree.county, actor=county_admin).pk)
    assert job.status == JobStatus.FAILED and job.output is None and "磁盘已满" in job.error


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def finished_export(tree, county_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_export("export_orgs", tree.county, actor=county_admin)
    job.refresh_from_db()
    # The last progress message stays on the row; the page must not show it as the state.
    assert job.status == JobStatus.SUCCEEDED and job.message == "正在保存文件"
    return job


def test_a_finished_jobs_page_says_so_and_offers_the_file(finished_export, county_admin,
                                                          login):
    client = login(county_admin)
    url = reverse("portal:job_detail", args=[finished_export.uuid])
    for response in (client.get(url), client.get(url, HTTP_HX_REQUEST="true")):
        body = response.content.decode()
        assert "已完成" in body and "正在保存文件" not in body
        assert 'hx-trigger="every 1s"' not in body  # no more polling
        assert reverse("portal:download", args=[finished_export.output.uuid]) in body
        assert finished_export.output.filename in body


def test_a_running_jobs_page_shows_its_progress(tree, county_admin, login):
    job = start_export("export_orgs", tree.county, actor=county_admin)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=40,
                                         message="已导出 400 人")
    body = login(county_admin).get(reverse("portal:job_detail", args=[job.uuid])).content
    assert "已导出 400 人" in body.decode() and "hx-trigger" in body.decode()


def test_my_jobs_links_each_file_with_name_and_size(finished_export, tree, county_admin,
                                                   login, django_assert_max_num_queries):
    pending = start_export("export_people", tree.county, actor=county_admin)
    client = login(county_admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:job_list"))
    body = response.content.decode()
    output = finished_export.output
    assert reverse("portal:download", args=[output.uuid]) in body
    assert output.filename in body and filesizeformat(output.size) in body
    assert reverse("portal:job_detail", args=[pending.uuid]) in body
    assert body.count(reverse("portal:download", args=[output.uuid])) == 1
