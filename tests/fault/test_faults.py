"""Fault tests with real components: a Celery worker process, a Redis server of the test's
own (started and stopped here, on its own port) and PostgreSQL.

- a worker killed mid-job: the reaper marks the job failed, and a retry on a new worker
  succeeds with one file;
- the broker down: starting an export says so and leaves no job "排队中";
- the database connection dropped between requests: the next request succeeds.
Run in .ci/run's PostgreSQL + Redis stage (they skip elsewhere, and fail under CI if a
component is missing).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal.jobs import INTERRUPTED, job_handler, reap_stale_jobs, retry_job, start_job
from portal.models import GeneratedFile, Job
from portal.models.jobs import JobStatus
from tests.conftest import need_service
from tests.portal.test_celery_worker import (
    BASE_DIR,
    forget_celery_connections,
    shared_database_url_or_skip,
    stop_worker,
)

pytestmark = [pytest.mark.fault, pytest.mark.redis, pytest.mark.postgres]
WAIT = 60


@job_handler("test.fault_slow_echo")
def slow_echo(job, report):
    """Runs until a release file exists (so a test can kill it mid-run), then writes a file."""
    release = Path(job.params["release"])
    deadline = time.monotonic() + WAIT
    while not release.exists() and time.monotonic() < deadline:
        report(10, "等待")
        time.sleep(0.2)
    from portal.jobs import save_generated_file

    return save_generated_file(job, "fault-echo.txt", f"pid={os.getpid()}".encode())


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, on a free port; `stop()` takes it down mid-test."""
    server = shutil.which("redis-server")
    need_service(server is not None, "redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.RedisError:
            time.sleep(0.05)

    class Server:
        def stop(self):
            process.terminate()
            process.wait(timeout=10)

    handle = Server()
    handle.url = url
    yield handle
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def broker(own_redis, settings):
    settings.CELERY_BROKER_URL = own_redis.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = f"fault-{uuid.uuid4().hex[:10]}"
    forget_celery_connections()
    yield own_redis
    forget_celery_connections()


def _start_worker(queue, log_path, **env):
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
               "-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--without-mingle",
               "--without-gossip", "--without-heartbeat", "--loglevel=INFO",
               "--include", __name__]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings",
                   "PYTHONUNBUFFERED": "1", **env}
    environment.pop("DJANGO_ENV", None)
    environment.pop("REDIS_URL", None)
    log = open(log_path, "ab")  # noqa: SIM115 — the worker writes to it until stopped
    return subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log,
                            stderr=subprocess.STDOUT)


def _wait_for(job, predicate, worker, log_path):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if predicate(job):
            return job
        if worker is not None and worker.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"job {job.status} {job.error!r}; worker log:\n"
                f"{Path(log_path).read_text(errors='replace')[-3000:]}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_is_reaped_and_the_retry_succeeds(broker, tree, county_admin,
                                                                  settings, tmp_path):
    database_url = shared_database_url_or_skip()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    release = tmp_path / "release"
    log_path = tmp_path / "worker.log"
    env = {"DATABASE_URL": database_url, "CELERY_BROKER_URL": broker.url,
           "MEDIA_ROOT": settings.MEDIA_ROOT}
    queue = settings.CELERY_TASK_DEFAULT_QUEUE

    first = _start_worker(queue, log_path, **env)
    try:
        with transaction.atomic():
            job = start_job(owner=county_admin, kind="test.fault_slow_echo", title="故障测试",
                            scope_org=tree.county, params={"release": str(release)})
        _wait_for(job, lambda j: j.status == JobStatus.RUNNING and j.progress == 10, first,
                  log_path)
        first.send_signal(signal.SIGKILL)  # the worker dies mid-job: no ack, no status change
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # nothing else would ever change it

    later = timezone.now() + timedelta(seconds=django_settings.JOB_STALE_AFTER_SECONDS + 1)
    assert reap_stale_jobs(now=later) == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, INTERRUPTED)

    release.touch()
    second = _start_worker(queue, log_path, **env)
    try:
        retry_job(job, actor=county_admin)
        _wait_for(job, lambda j: j.is_finished, second, log_path)
    finally:
        stop_worker(second)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2 and GeneratedFile.objects.count() == 1
    assert job.output.file.read().decode() == f"pid={second.pid}"


@pytest.mark.django_db(transaction=True)
def test_starting_an_export_with_the_broker_down_says_so_and_leaves_no_pending_job(
        broker, tree, county_admin, login):
    shared_database_url_or_skip()
    client = login(county_admin)
    broker.stop()
    started = time.monotonic()
    response = client.post(reverse("portal:transfer_export", args=["orgs"]),
                           {"org": tree.county.pk}, follow=True)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "后台服务暂不可用，请稍后重试" in response.content.decode()
    assert list(Job.objects.values_list("status", flat=True)) == [JobStatus.FAILED]
    assert elapsed < 15
    # The rest of the portal keeps working while the broker is down.
    assert client.get(reverse("portal:home")).status_code == 200


def _drop_connection_from_outside():
    """Terminate the test's own database connection from another one, as a server restart
    or a failover would."""
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("health_checks", [False, True])
def test_a_dropped_database_connection_fails_cleanly_and_the_next_request_succeeds(
        tree, county_admin, health_checks):
    """Without health checks the request that meets the dead connection fails with the
    portal's own error page (no traceback) and the next one succeeds; with them (the
    production settings) even that request succeeds."""
    from django.db import close_old_connections
    from django.test import Client

    shared_database_url_or_skip()
    client = Client(raise_request_exception=False)
    client.force_login(county_admin)
    home = reverse("portal:home")

    def get():
        # A real server runs close_old_connections on request_started and request_finished
        # (the test client leaves it out, to keep its transaction): emulate it.
        close_old_connections()
        response = client.get(home)
        close_old_connections()
        return response

    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE",
                                                            "CONN_HEALTH_CHECKS")}
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=health_checks)
    connection.close()  # the next connection is a persistent one
    try:
        assert get().status_code == 200
        _drop_connection_from_outside()
        response = get()
        if health_checks:
            assert response.status_code == 200
        else:
            body = response.content.decode()
            assert response.status_code == 500
            assert "Traceback" not in body and "数据没有被修改" in body
        assert get().status_code == 200
    finally:
        connection.settings_dict.update(saved)
        connection.close()
