"""Celery tasks of the core. `run_job` lives with the runner in portal.jobs (one module, no
import circle); it is named here so `autodiscover_tasks` and `portal.tasks.run_job` find it."""

from portal.jobs import run_job

__all__ = ["run_job"]
