"""Benchmark: what a phone's first load of each phone page transfers (issue 11 item 12; target
under 300 KiB per page, Lighthouse mobile's budget for these pages).

    .venv/bin/python benchmarks/page_weight.py

Served the way `make demo` serves: a fresh SQLite database (var/bench/page_weight.sqlite3) with
the test tree and personas, `collectstatic` into STATIC_ROOT, and gunicorn with whitenoise on a
free port of 127.0.0.1. Each page is opened in a fresh 360 px Chromium context (empty cache,
signed in through a saved session), and the bytes on the wire (headers plus the encoded body of
every response, `Request.sizes()`) are added up once the network is idle; the last column is the
shortest `Cache-Control: max-age` among the static files (how long a phone keeps them).

Measured on this machine (Chromium 156, whitenoise 6.12, brotli 1.2):

    page                              requests  first load KiB  body KiB unpacked  static max-age s
    before (StaticFilesStorage: no compression, max-age 60 s):
    login                                    9           581.0              577.1                60
    village_secretary home                   9           589.0              585.2                60
    village_secretary activity form         11           608.6              603.8                60
    talent needs board                       9           586.9              583.1                60
    after (CompressedManifestStaticFilesStorage: brotli, hashed names cached as immutable):
    login                                    9           206.7              577.5         315360000
    village_secretary home                   9           215.0              585.9         315360000
    village_secretary activity form         11           227.3              604.5         315360000
    talent needs board                       9           212.9              583.8         315360000

The icon font (bootstrap-icons.woff2, 128 KiB, already compressed) is most of what remains.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_setup import setup_django  # noqa: E402

ROOT = setup_django("page_weight")

from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.conftest import build_all_personas, build_tree  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.helpers import SMALL_PHONE  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402

BUDGET_KIB = 300
# (persona, label, URL name): the pages a phone opens first.
PAGES = [
    (None, "login", "login"),
    ("village_secretary", "village_secretary home", "portal:home"),
    ("village_secretary", "village_secretary activity form", "ledger:activity_create"),
    ("talent", "talent needs board", "pairing:need_board"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port):
    env = {**os.environ, "DJANGO_DEBUG": "false"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer on /healthz within 30 s")


def signed_in_state(browser, base, username):
    context = browser.new_context(**SMALL_PHONE)
    page = context.new_page()
    page.goto(base + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(base + reverse("portal:home"))
    state = context.storage_state()
    context.close()
    return state


def visit(page, url):
    """(requests, bytes on the wire, decoded body bytes, the static files' shortest max-age)
    of one navigation until the network is idle."""
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="networkidle")
    wire = unpacked = 0
    max_ages = []
    for request in finished:
        sizes = request.sizes()
        wire += sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
        response = request.response()
        unpacked += len(response.body()) if response and response.status == 200 else 0
        if "/static/" in request.url:
            cache = dict(part.strip().partition("=")[::2] for part in
                         (response.headers.get("cache-control") or "").split(","))
            max_ages.append(int(cache.get("max-age") or 0))
    return len(finished), wire, unpacked, min(max_ages, default=0)


def main():
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    build_all_personas(build_tree())

    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    over = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            states = {}
            print(f"{'page':34}{'requests':>8}{'first load KiB':>16}{'body KiB unpacked':>19}"
                  f"{'static max-age s':>18}")
            for persona, label, url_name in PAGES:
                if persona and persona not in states:
                    states[persona] = signed_in_state(browser, base, persona)
                context = browser.new_context(**SMALL_PHONE, storage_state=states.get(persona))
                page = context.new_page()
                url = base + reverse(url_name)
                count, wire, unpacked, max_age = visit(page, url)
                context.close()
                print(f"{label:34}{count:>8}{wire / 1024:>16.1f}{unpacked / 1024:>19.1f}"
                      f"{max_age:>18}")
                if wire / 1024 >= BUDGET_KIB:
                    over.append(label)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"budget {BUDGET_KIB} KiB: " + (f"over on {', '.join(over)}" if over else "met"))


if __name__ == "__main__":
    main()
