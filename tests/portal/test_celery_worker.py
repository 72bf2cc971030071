"""A real Celery worker runs a Job through Redis; /healthz reports the broker.

The worker is a separate process, so it can only see rows the test has committed
(`transaction=True`) in a database both processes open: the PostgreSQL test database.
SQLite test databases live in memory under pytest-django, so there the worker test skips.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.db import connection, transaction
from django.urls import reverse
from kombu import pools

from portal.celery import app as celery_app
from portal.jobs import job_handler, save_generated_file, start_job
from portal.models import Job
from portal.models.jobs import JobStatus
from tests.conftest import need_service

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
WORKER_TIMEOUT = 60


@job_handler("test.worker_echo")
def worker_echo(job, report):
    """Test-only job kind; the worker imports this module (`--include`) to know it."""
    report(50, "写入文件")
    return save_generated_file(job, "worker-echo.txt", f"pid={os.getpid()}".encode())


def redis_url_or_skip():
    url = os.environ.get("PORTAL_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        reachable = redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        reachable = False
    need_service(reachable, f"Redis at {url} not reachable (set PORTAL_TEST_REDIS_URL)")
    return url


def shared_database_url_or_skip():
    """DATABASE_URL of the test database, for the worker; skips unless it is PostgreSQL."""
    configured = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql":
        if os.environ.get("PORTAL_REQUIRE_SERVICES") and configured.startswith("postgres"):
            pytest.fail(f"DATABASE_URL is PostgreSQL but the test database is {connection.vendor}")
        pytest.skip("a worker process needs a shared database: PostgreSQL via DATABASE_URL")
    parts = urlsplit(configured)
    return urlunsplit(parts._replace(path="/" + quote(connection.settings_dict["NAME"])))


def forget_celery_connections():
    # The app caches its routing and producer pool from the first send; drop them so the next
    # send reads the broker and queue settings in force now.
    pools.reset()
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None


@pytest.fixture
def celery_broker(settings):
    """Point the in-test Celery app at Redis on a queue of its own, sending for real."""
    url = redis_url_or_skip()
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = f"portal-test-{uuid.uuid4().hex[:12]}"
    forget_celery_connections()
    assert celery_app.conf.broker_url == url and not celery_app.conf.task_always_eager
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    yield queue
    forget_celery_connections()
    client = redis.Redis.from_url(url)
    stale = [queue, *client.scan_iter(match=f"_kombu.binding*.{queue}")]
    client.delete(*stale)


def start_worker(queue, log_path, **env):
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
               "-Q", queue, "-n", f"{queue}@%h", "--without-mingle", "--without-gossip",
               "--without-heartbeat", "--loglevel=INFO", "--include", __name__]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings",
                   "PYTHONUNBUFFERED": "1", **env}
    environment.pop("DJANGO_ENV", None)
    environment.pop("REDIS_URL", None)
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log,
                                stderr=subprocess.STDOUT)


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_a_job_through_redis(celery_broker, tree, county_admin, settings,
                                                 tmp_path):
    database_url = shared_database_url_or_skip()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    log_path = tmp_path / "worker.log"
    worker = start_worker(celery_broker, log_path, DATABASE_URL=database_url,
                          CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
                          MEDIA_ROOT=settings.MEDIA_ROOT)
    try:
        with transaction.atomic():
            job = start_job(owner=county_admin, kind="test.worker_echo", title="工作进程测试",
                            scope_org=tree.county)
        deadline = time.monotonic() + WORKER_TIMEOUT
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished or worker.poll() is not None:
                break
            time.sleep(0.25)
        log = log_path.read_text(errors="replace")
        assert worker.poll() is None, f"worker exited early:\n{log}"
        assert job.status == JobStatus.SUCCEEDED, f"job {job.status} {job.error}\n{log}"
    finally:
        stop_worker(worker)

    assert job.progress == 100 and job.message == "写入文件"
    assert job.started_at and job.finished_at
    output = job.output
    assert Path(output.file.path).is_file()
    assert output.file.path.startswith(settings.MEDIA_ROOT)
    written_by = output.file.open("rb").read().decode()
    output.file.close()
    assert written_by.startswith("pid=") and written_by != f"pid={os.getpid()}"
    assert Job.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED).count() == 1


@pytest.mark.redis
def test_healthz_reports_reachable_broker(client, db, celery_broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_reports_unreachable_broker_as_503(client, db, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_without_broker_reports_eager(client, db, settings):
    settings.CELERY_BROKER_URL = None
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "eager"
