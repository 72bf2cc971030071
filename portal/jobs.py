"""Starting and running background jobs; the Celery task that runs them lives here too.

A job kind is a function registered with `@job_handler("kind")` taking (job, report) where
`report(percent, message="")` updates progress; it returns a GeneratedFile, an
`ExportFile(filename, mimetype, content)` that the runner stores, or None. Exports are job kinds
too, registered through `portal.exporting` (started only by `start_export`, which audits them).
The Celery task `run_job` only calls `execute_job`, so a job runs the same way in a worker,
eagerly in the web process, or directly in a test.
"""

import logging
import mimetypes
from typing import NamedTuple

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.models import GeneratedFile, Job
from portal.models.jobs import JobStatus
from portal.scope import require

log = logging.getLogger(__name__)
_handlers = {}
_export_kinds = set()  # kinds started only by portal.exporting.start_export


class ExportFile(NamedTuple):
    """A file a job produced, before the runner stores it as a GeneratedFile."""

    filename: str
    mimetype: str
    content: bytes


def job_handler(kind):
    def register(func):
        _handlers[kind] = func
        return func

    return register


def register_export_handler(kind, func):
    """Register an exporter's handler (portal.exporting): start_job refuses its kind."""
    _handlers[kind] = func
    _export_kinds.add(kind)


def start_job(*, owner, kind, title, scope_org, params=None, capability="data.export") -> Job:
    """Create a Job row and enqueue it once the surrounding transaction commits. Exports are
    started with portal.exporting.start_export instead, which also writes the audit row."""
    if kind not in _handlers:
        raise ValueError(f"unknown job kind {kind!r}")
    if kind in _export_kinds:
        raise ValueError(f"{kind!r} is an export: start it with portal.exporting.start_export")
    return enqueue_job(owner=owner, kind=kind, title=title, scope_org=scope_org, params=params,
                       capability=capability)


def enqueue_job(*, owner, kind, title, scope_org, params=None, capability) -> Job:
    """Check `capability`, create the Job and send it to the worker after the commit."""
    require(owner, capability, scope_org)
    job = Job.objects.create(owner=owner, kind=kind, title=title, scope_org=scope_org,
                             params={**(params or {}), "capability": capability})
    run_job.delay_on_commit(job.pk)
    return job


def _progress_reporter(job):
    last = {"percent": -1}

    def report(percent, message=""):
        percent = max(0, min(100, int(percent)))
        if percent == last["percent"] and not message:
            return
        last["percent"] = percent
        Job.objects.filter(pk=job.pk).update(progress=percent, message=message[:300])

    return report


def execute_job(job_id):
    """Run a pending job once. The job is claimed with a conditional update, so a second
    delivery of the same task (acks_late) finds it taken or finished and does nothing."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    job = Job.objects.select_related("owner", "scope_org", "output").get(pk=job_id)
    if not claimed:
        log.info("job %s is %s; not run again", job.pk, job.status)
        return job
    report = _progress_reporter(job)
    try:
        # The owner's scope is checked again: roles may have changed since the job was queued.
        require(job.owner, job.params.get("capability", "data.export"), job.scope_org)
        handler = _handlers.get(job.kind)
        if handler is None:
            raise LookupError(f"未知的任务类型：{job.kind}")
        output = handler(job, report)
        if isinstance(output, tuple):
            # Stored before the job is marked succeeded: a finished job always has its file.
            file = ExportFile(*output)
            report(95, "正在保存文件")
            output = save_generated_file(job, file.filename, file.content, file.mimetype)
    except Exception as exc:  # a failed job records its error instead of vanishing
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000] or exc.__class__.__name__,
            finished_at=timezone.now())
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED, progress=100, output=output, finished_at=timezone.now())
    job.refresh_from_db()
    return job


# The name it had in portal/tasks.py, so messages already queued still find it.
@shared_task(name="portal.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id):
    execute_job(job_id)
    return job_id


def save_generated_file(job, filename, content: bytes, mimetype=None) -> GeneratedFile:
    """Store job output as a GeneratedFile with the job's scope and capability."""
    mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    with transaction.atomic():
        generated = GeneratedFile(owner=job.owner, scope_org=job.scope_org, filename=filename,
                                  mimetype=mimetype, size=len(content),
                                  capability=job.params.get("capability", "data.export"))
        generated.file.save(filename, ContentFile(content), save=False)
        generated.save()
    return generated
