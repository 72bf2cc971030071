"""SQLite under concurrency: parallel clients start exports against the embedded default.

    .venv/bin/python benchmarks/sqlite_concurrency.py [--clients 8] [--seconds 30]

Seeds the small demo county into a throwaway SQLite file under var/bench/, serves it with the
demo's gunicorn (2 workers × 4 threads, jobs run eagerly in the web process, as in `make demo`)
on a free loopback port, and lets N clients — county admins, township admins and village
secretaries — log in and start exports (people, organizations, ledger Excel) and open the
resulting job pages for the given time. It prints requests, jobs by status and every failure;
it exits 1 if any request failed or any job did not succeed ("database is locked" showed here
as 12 failed jobs of 114 before the SQLite settings held).
"""

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
PASSWORD = "Demo@2026portal"
ACCOUNTS = ["county_admin", "township_admin", "village_secretary", "leader"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


class Browser:
    """One logged-in client with its own cookies (session and CSRF)."""

    def __init__(self, base, username):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.login(username)

    def csrf(self):
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.status, response.geturl(), response.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=120) as response:
            return response.status, response.geturl(), response.read().decode()

    def login(self, username):
        self.get("/accounts/login/")
        status, url, _ = self.post("/accounts/login/", {"username": username,
                                                        "password": PASSWORD})
        if url.endswith("/accounts/login/"):
            raise RuntimeError(f"login failed for {username}")

    def export_options(self):
        """(path, form data) of the exports this account may start."""
        _, _, page = self.get("/ledger/exports/")
        orgs = re.findall(r'<option value="(\d+)"', page)
        options = []
        if orgs:
            options.append(("/ledger/exports/", {"org": orgs[0], "year": "2026", "month": "",
                                                 "format": "xlsx"}))
        try:
            _, _, transfer = self.get("/transfer/")
        except urllib.error.HTTPError:  # 403: this role exports no people or organizations
            transfer = ""
        select = re.search(r'name="org"[^>]*>(.*?)</select>', transfer, re.S)
        scope = re.findall(r'<option value="(\d+)"', select.group(1)) if select else []
        for what in ("people", "orgs"):
            if scope:
                options.append((f"/transfer/export/{what}/", {"org": scope[0]}))
        return options


def client_loop(base, username, deadline, results, failures):
    try:
        browser = Browser(base, username)
        options = browser.export_options()
    except Exception as exc:  # a failed login or page is a failure of the run
        failures.append(f"{username}: setup {exc!r}")
        return
    turn = 0
    while time.monotonic() < deadline and options:
        path, data = options[turn % len(options)]
        turn += 1
        try:
            status, url, body = browser.post(path, data)
            ok = "/jobs/" in url and status == 200
            results[("export", ok)] += 1
            if not ok:
                failures.append(f"{username} {path}: {status} {url} {body[:120]!r}")
        except Exception as exc:
            results[("export", False)] += 1
            failures.append(f"{username} {path}: {exc!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()

    BENCH.mkdir(parents=True, exist_ok=True)
    database = BENCH / "concurrency.sqlite3"
    for leftover in BENCH.glob("concurrency.sqlite3*"):
        leftover.unlink()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "MEDIA_ROOT": str(BENCH / "concurrency-media"), "DJANGO_SETTINGS_MODULE":
           "portal.settings", "AXES_FAILURE_LIMIT": "1000"}
    for key in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ENV"):
        env.pop(key, None)
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", "--scale", "small", env=env)

    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "300"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(BENCH / "concurrency-gunicorn.log", "wb"))  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        results, failures = Counter(), []
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client_loop, args=(
            base, ACCOUNTS[i % len(ACCOUNTS)], deadline, results, failures))
            for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # in-flight requests (eager jobs) finish first
        except subprocess.TimeoutExpired:
            server.kill()

    import sqlite3

    with sqlite3.connect(database) as db:
        jobs = Counter(dict(db.execute("SELECT status, COUNT(*) FROM portal_job GROUP BY status")))
        errors = [row[0] for row in db.execute(
            "SELECT error FROM portal_job WHERE status = 'failed' LIMIT 5")]
    requests_ok = results[("export", True)]
    requests_failed = results[("export", False)]
    print(f"SQLite, {args.clients} clients, {elapsed:.0f} s (gunicorn 2 workers × 4 threads, "
          "eager jobs)")
    print(f"  export requests: {requests_ok} ok, {requests_failed} failed "
          f"({requests_ok / elapsed:.1f} req/s)")
    print(f"  jobs: {dict(jobs)}")
    for line in failures[:10] + errors:
        print(f"  ! {line}")
    failed_jobs = sum(n for status, n in jobs.items() if status != "succeeded")
    print("RESULT:", "no request or job failed" if not (requests_failed or failed_jobs)
          else f"{requests_failed} requests and {failed_jobs} jobs failed")
    return 1 if requests_failed or failed_jobs else 0


if __name__ == "__main__":
    sys.exit(main())
