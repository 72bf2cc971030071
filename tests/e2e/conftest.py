"""Browser fixtures: Debian's Chromium driven by Playwright's sync API on a phone viewport."""

import importlib
import os

import pytest
from django.apps import apps

from tests.conftest import need_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def browser():
    need_service(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # The sync API keeps an event loop running in this thread, which trips Django's
    # async-safety check on every ORM call the test itself makes; restored afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser):
    """A fresh page in a phone-sized context (no cookies shared between tests)."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(5000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def reference_data(django_db_blocker):
    """Browser tests run in transactional databases, whose flush after each test also empties
    the reference rows migrations load (the ledger's activity themes): put them back first."""
    migration = importlib.import_module("ledger.migrations.0002_load_activity_themes")
    with django_db_blocker.unblock():
        migration.load_themes(apps, None)
