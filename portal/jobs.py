"""Starting and running background jobs.

A job kind is a function registered with `@job_handler("kind")` taking (job, report) where
`report(percent, message="")` updates progress; it returns a GeneratedFile or None. The Celery
task `portal.tasks.run_job` only loads the Job and calls `execute_job`, so a job runs the same
way in a worker, eagerly in the web process, or directly in a test.
"""

import logging
import mimetypes

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.models import GeneratedFile, Job
from portal.models.jobs import JobStatus
from portal.scope import require

log = logging.getLogger(__name__)
_handlers = {}


def job_handler(kind):
    def register(func):
        _handlers[kind] = func
        return func

    return register


def start_job(*, owner, kind, title, scope_org, params=None, capability="data.export") -> Job:
    """Create a Job row and enqueue it once the surrounding transaction commits."""
    from portal.tasks import run_job

    if kind not in _handlers:
        raise ValueError(f"unknown job kind {kind!r}")
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
    """Run a job once; re-running a finished job does nothing (idempotent)."""
    job = Job.objects.select_related("owner", "scope_org").get(pk=job_id)
    if job.is_finished:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    try:
        # The owner's scope is checked again: roles may have changed since the job was queued.
        require(job.owner, job.params.get("capability", "data.export"), job.scope_org)
        output = _handlers[job.kind](job, _progress_reporter(job))
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
