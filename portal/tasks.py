"""Celery tasks of the core. They live with the runner in portal.jobs (one module, no import
circle); they are named here so `autodiscover_tasks` and `portal.tasks.run_job` find them."""

from portal.jobs import reap_stale_jobs_task, run_job

__all__ = ["reap_stale_jobs_task", "run_job"]
