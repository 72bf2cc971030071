"""Celery tasks of the core. They live with the runner in portal.jobs (one module, no import
circle); they are named here so `autodiscover_tasks` and `portal.tasks.run_job` find them."""

from celery import shared_task

from portal.cleanup import clean_media
from portal.jobs import reap_stale_jobs_task, run_job

__all__ = ["clean_media_task", "reap_stale_jobs_task", "run_job"]


@shared_task(name="portal.tasks.clean_media")
def clean_media_task():
    """Daily: delete import uploads and cached PDFs nothing refers to (portal.cleanup)."""
    return {sweep.folder: {"files": sweep.count, "bytes": sweep.bytes}
            for sweep in clean_media()}
