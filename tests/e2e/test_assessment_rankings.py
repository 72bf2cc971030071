"""考核排名 end to end in Chromium on a 360-px phone: a leader sees the latest published ranking
on the home panel, opens 考核排名 from the menu, starts the quarterly ranking's PDF and downloads
the file from the job page."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from assessment.services.scoring import publish_run
from portal.models import Job
from tests.assessment.conftest import build_assessed
from tests.e2e.helpers import SMALL_PHONE, fits_width, open_menu, sign_in

pytestmark = pytest.mark.browser



def load_reference_themes():
    """The activity themes the ledger's migration loads (a transactional test's flush empties
    them, and the default scheme's activities need them)."""
    migration = importlib.import_module("ledger.migrations.0002_load_activity_themes")
    migration.load_themes(apps, None)


@pytest.fixture(scope="module", autouse=True)
def reference_data_restored(django_db_blocker):
    """Put the themes back after this module's flushes, for the browser tests that follow."""
    yield
    with django_db_blocker.unblock():
        load_reference_themes()


@pytest.fixture
def world(transactional_db, settings, tmp_path, tree, people, county_admin):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_reference_themes()
    world = build_assessed(tree, people, county_admin=county_admin)
    world.run = publish_run(world.run, actor=world.assessor)
    return world






def test_a_leader_downloads_the_quarterly_ranking(live_server, world, leader, browser,
                                                  tmp_path):
    page = sign_in(browser, live_server, leader, timeout=10000, accept_downloads=True,
                   **SMALL_PHONE)

    # 1. The home panel names the quarter just published.
    panel = page.locator('[data-panel="assessment_rankings"]')
    expect(panel).to_contain_text("2025年第1季度")
    expect(panel).to_contain_text("4人")

    # 2. 考核排名 from the phone menu: the cohort's quarters, the first one published.
    menu = open_menu(page)
    group = menu.get_by_role("button", name="考核评价")
    if group.count():
        group.click()
    menu.get_by_role("link", name="考核排名").click()
    expect(page).to_have_url(live_server.url + reverse("assessment:rankings"))
    cohort = page.locator(f"#cohort-{world.scheme.pk}")
    expect(cohort).to_contain_text(str(world.scheme.name))
    first = cohort.locator(f"#run-{world.scheme.pk}-1")
    expect(first).to_contain_text("4人")
    expect(cohort.locator(f"#run-{world.scheme.pk}-2")).to_contain_text("未发布")
    fits_width(page)

    # 3. PDF: the job page shows the finished file, which downloads.
    first.get_by_role("button", name="下载第1季度排名 PDF").click()
    job = Job.objects.get(owner=leader)
    expect(page).to_have_url(live_server.url + reverse("portal:job_detail",
                                                       kwargs={"job_uuid": job.uuid}))
    expect(page.locator("#job-progress")).to_contain_text("已完成")
    link = page.locator("#job-progress").get_by_role("link", name="下载")
    expect(link).to_contain_text("排名表.pdf")
    fits_width(page)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith("排名表.pdf")
    saved = tmp_path / "ranking.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    page.context.close()
