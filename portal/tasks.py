"""Celery tasks of the core: thin wrappers around portal.jobs."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_job(job_id):
    from portal.jobs import execute_job

    execute_job(job_id)
    return job_id
