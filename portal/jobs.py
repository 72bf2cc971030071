"""Starting and running background jobs; the Celery task that runs them lives here too.

A job kind is a function registered with `@job_handler("kind")` taking (job, report) where
`report(percent, message="")` updates progress; it returns a GeneratedFile, an
`ExportFile(filename, mimetype, content)` that the runner stores, or None. Exports are job kinds
too, registered through `portal.exporting` (started only by `start_export`, which audits them).
A kind registered with `rerun_on_conflict=True` (every export) is run again when a transient
database conflict (a deadlock, a serialization failure: portal.transient) cancelled it, as the
views re-run a write service, then fails with CONFLICTED; only a handler safe to run again after
a cancelled transaction opts in (it only reads, each of its writes is one transaction that a
re-run repeats, or it recomputes and replaces).
The Celery task `run_job` only calls `execute_job`, so a job runs the same way in a worker,
eagerly in the web process, or directly in a test.

Reliability: a running job writes a heartbeat every JOB_HEARTBEAT_SECONDS; the periodic
`reap_stale_jobs` marks a running job whose heartbeat stopped (its worker died) as failed with
"后台任务中断，请重试", and `retry_job` runs a failed job again with the same parameters. A job
that cannot reach the broker fails at once instead of waiting "排队中" for ever.
"""

import errno
import logging
import mimetypes
import threading
import time
from datetime import timedelta
from typing import NamedTuple

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal import audit, transient
from portal.models import GeneratedFile, Job
from portal.models.audit import AuditAction
from portal.models.jobs import JobStatus
from portal.pinyin import has_han
from portal.scope import require

INTERRUPTED = "后台任务中断，请重试。"
BROKER_UNAVAILABLE = "后台服务暂不可用，请稍后重试。"
NO_LONGER_PERMITTED = "您已无权处理该范围的数据（角色可能已变更），请联系管理员。"
TIMED_OUT = "任务超时：数据量较大，请缩小范围（如按乡镇或月份）后重试。"
OUT_OF_MEMORY = "服务器内存不足，请缩小范围后重试。"
DATABASE_BUSY = "数据库繁忙，请稍后重试。"
CONFLICTED = "数据库繁忙：任务多次与他人的操作同时修改相同的数据，未能完成，请稍后重试。"
DATABASE_UNAVAILABLE = "数据库暂时不可用，请稍后重试。"
DISK_FULL = "服务器存储空间已满，请联系系统管理员。"
FILE_NOT_SAVED = "文件保存失败，请稍后重试。"

log = logging.getLogger(__name__)
_handlers = {}
_export_kinds = set()  # kinds started only by portal.exporting.start_export
_rerun_kinds = set()  # kinds run again after a transient conflict


class ExportFile(NamedTuple):
    """A file a job produced, before the runner stores it as a GeneratedFile."""

    filename: str
    mimetype: str
    content: bytes


def failure_message(exc) -> str:
    """What a user reads when a job fails with `exc`: Chinese for the failures we know;
    otherwise the exception's own text, which Job.failure_reason shows only when Chinese."""
    if isinstance(exc, PermissionDenied):
        return NO_LONGER_PERMITTED
    if isinstance(exc, ValidationError):
        return "；".join(m.rstrip("。") for m in exc.messages) + "。"
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded | TimeoutError):
        return TIMED_OUT
    if isinstance(exc, MemoryError):
        return OUT_OF_MEMORY
    if isinstance(exc, DatabaseError):
        busy = transient.is_transient(exc) or "locked" in str(exc).lower()
        return DATABASE_BUSY if busy else DATABASE_UNAVAILABLE
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DISK_FULL
    text = str(exc)[:2000]
    if isinstance(exc, OSError) and not has_han(text):
        return FILE_NOT_SAVED
    return text or exc.__class__.__name__


def _register(kind, func, rerun_on_conflict):
    _handlers[kind] = func
    if rerun_on_conflict:
        _rerun_kinds.add(kind)
    else:
        _rerun_kinds.discard(kind)


def job_handler(kind, *, rerun_on_conflict=False):
    """Register the decorated function as the handler of `kind`; `rerun_on_conflict`: see the
    module's docstring."""
    def register(func):
        _register(kind, func, rerun_on_conflict)
        return func

    return register


def register_export_handler(kind, func):
    """Register an exporter's handler (portal.exporting): start_job refuses its kind. An export
    renders what it reads (an assessment report also replaces its job's cache key), so it is
    run again after a transient conflict."""
    _register(kind, func, rerun_on_conflict=True)
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
    transaction.on_commit(lambda: send_job(job.pk))
    return job


def send_job(job_id):
    """Hand the job to the broker (or run it now, eagerly). When the broker cannot be reached
    the job is marked failed and the caller gets a ValidationError (code "broker") to show,
    never a server error and never a job left "排队中" for ever."""
    try:
        run_job.apply_async((job_id,), retry=False)
    except (BrokerError, OSError) as exc:
        log.warning("job %s not sent: %s", job_id, exc)
        Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, error=BROKER_UNAVAILABLE, finished_at=timezone.now())
        raise ValidationError(BROKER_UNAVAILABLE, code="broker") from exc


def retry_job(job, *, actor) -> Job:
    """Run a failed job again: same parameters, a new file; one runner at a time (the claim),
    so a retry never gives one job two files."""
    Job.workflow.check(job, "retry", actor)  # permission (own job) first, then the state
    with transaction.atomic():
        reset = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.PENDING, progress=0, message="", error="", output=None,
            started_at=None, finished_at=None, heartbeat_at=None)
        if not reset:
            raise ValidationError("只有失败的任务可以重试。", code="state")
        audit.record(AuditAction.OTHER, f"重试后台任务：{job.title}", actor=actor,
                     job=str(job.uuid))
        transaction.on_commit(lambda: send_job(job.pk))
    job.refresh_from_db()
    return job


def reap_stale_jobs(*, now=None) -> int:
    """Mark running jobs whose heartbeat stopped (the worker died mid-run) as failed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    reaped = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).update(
        status=JobStatus.FAILED, error=INTERRUPTED, finished_at=now)
    if reaped:
        log.warning("marked %s interrupted job(s) failed", reaped)
    return reaped


class JobMonitor:
    """While a job runs, a thread of its own writes the job's progress and heartbeat, on its
    own database connection, at most once a second (and a heartbeat at least every
    JOB_HEARTBEAT_SECONDS, also through long steps that report nothing). The job's connection
    then never writes in the middle of a streamed query: on SQLite such a write cannot upgrade
    the open read and fails at once with "database is locked" (12 of 114 jobs under 8 clients).
    Progress is best effort: a write that fails is logged and the next one carries on."""

    FLUSH_SECONDS = 1.0

    def __init__(self, job_id):
        self.job_id = job_id
        self.percent, self.message = 0, ""
        self._unsaved = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"job-monitor-{job_id}")

    def report(self, percent, message=""):
        percent = max(0, min(100, int(percent)))
        with self._lock:
            if (percent, message[:300]) != (self.percent, self.message):
                self.percent, self.message, self._unsaved = percent, message[:300], True

    def _flush(self, *, beat):
        with self._lock:
            unsaved, self._unsaved = self._unsaved, False
            fields = {"progress": self.percent, "message": self.message} if unsaved else {}
        if not (unsaved or beat):
            return False
        try:
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                heartbeat_at=timezone.now(), **fields)
        except DatabaseError:
            log.warning("job %s: progress not saved this time", self.job_id, exc_info=True)
        return True

    def _run(self):
        last_beat = time.monotonic()
        try:
            while not self._stop.wait(self.FLUSH_SECONDS):
                due = time.monotonic() - last_beat >= settings.JOB_HEARTBEAT_SECONDS
                if self._flush(beat=due):
                    last_beat = time.monotonic()
        finally:
            connections.close_all()  # this thread's own connection

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)


def execute_job(job_id):
    """Run a pending job once. The job is claimed with a conditional update, so a second
    delivery of the same task (acks_late) finds it taken or finished and does nothing."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    job = Job.objects.select_related("owner", "scope_org", "output").get(pk=job_id)
    if not claimed:
        log.info("job %s is %s; not run again", job.pk, job.status)
        return job
    monitor = JobMonitor(job.pk)
    try:
        # The owner's scope is checked again: roles may have changed since the job was queued.
        require(job.owner, job.params.get("capability", "data.export"), job.scope_org)
        handler = _handlers.get(job.kind)
        if handler is None:
            raise LookupError(f"未知的任务类型：{job.kind}")
        with monitor:
            if job.kind in _rerun_kinds:
                # Progress restarts with the re-run; the pause and the tries are the views'.
                output = transient.run_retrying(handler, (job, monitor.report),
                                                busy_message=CONFLICTED)
            else:
                output = handler(job, monitor.report)
            if isinstance(output, tuple):
                # Stored before the job is marked succeeded (a finished job always has its
                # file), still under the monitor: a slow object store keeps the heartbeat.
                file = ExportFile(*output)
                monitor.report(95, "正在保存文件")
                output = save_generated_file(job, file.filename, file.content, file.mimetype)
    except Exception as exc:  # a failed job records its error instead of vanishing
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error=failure_message(exc),
            progress=monitor.percent, message=monitor.message, finished_at=timezone.now())
    else:
        # Only a job still running is finished here: one the reaper already gave up on keeps
        # its verdict, and its retry writes the file again.
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, progress=100, message=monitor.message, output=output,
            finished_at=timezone.now())
    job.refresh_from_db()
    return job


# The name it had in portal/tasks.py, so messages already queued still find it.
@shared_task(name="portal.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id):
    execute_job(job_id)
    return job_id


@shared_task(name="portal.tasks.reap_stale_jobs")
def reap_stale_jobs_task():
    return transient.run_retrying(reap_stale_jobs)  # one conditional UPDATE: safe to repeat


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
