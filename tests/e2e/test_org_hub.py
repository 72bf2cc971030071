"""The village page as a hub, in Chromium (issue 11, point 1): the county admin at 1366 px
follows its links to the pairing, this year's agreement, a need, the needs board and the
ledger month; the village secretary's own page fits a 360 px phone. axe-core finds no serious
or critical violation on either."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Activity, ActivityStatus, ActivityTheme
from pairing.models import AnnualAgreement, Need, Pairing
from tests.e2e.helpers import DESKTOP, SMALL_PHONE, fits_width, sign_in
from tests.e2e.test_accessibility import AXE, axe_violations

pytestmark = pytest.mark.browser

NEED = "村道路灯维修"
ACTIVITY = "城乡党员共学共议"


@pytest.fixture
def village_world(transactional_db, tree, people):
    today = timezone.localdate()
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(today.year - 1, 3, 1))
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=today.year)
    need = Need.objects.create(village_org=tree.village_a1, title=NEED, description="路灯不亮",
                               deadline=today + datetime.timedelta(days=20), places=2)
    Activity.objects.create(org=tree.village_a1, date=today, theme=ActivityTheme.objects.first(),
                            title=ACTIVITY, content="学习", status=ActivityStatus.SUBMITTED)
    return {"pairing": pairing, "agreement": agreement, "need": need, "today": today}


def _back_to(page, url):
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("青山村")


def test_the_county_admin_follows_the_village_page_links(live_server, tree, village_world,
                                                          county_admin, browser):
    page = sign_in(browser, live_server, county_admin, **DESKTOP)
    page.context.add_init_script(path=str(AXE))
    hub = live_server.url + reverse("portal:org_detail", args=[tree.village_a1.pk])
    _back_to(page, hub)
    fits_width(page, DESKTOP["viewport"]["width"])
    assert axe_violations(page) == []
    year = village_world["today"].year

    pairings = page.locator("#section-pairings")
    expect(pairings).to_contain_text("县农业农村局")
    expect(pairings).to_contain_text("草稿")  # this year's agreement and its state
    pairings.get_by_role("link", name="县农业农村局").click()
    expect(page).to_have_url(live_server.url + reverse(
        "pairing:pairing_detail", args=[village_world["pairing"].pk]))

    _back_to(page, hub)
    page.locator("#section-pairings").get_by_role("link", name=f"{year}年协议").click()
    expect(page).to_have_url(live_server.url + reverse(
        "pairing:agreement_detail", args=[village_world["agreement"].pk]))

    _back_to(page, hub)
    page.locator("#section-needs").get_by_role("link", name=NEED).click()
    expect(page).to_have_url(live_server.url + reverse(
        "pairing:need_detail", args=[village_world["need"].pk]))
    expect(page.locator("h1")).to_have_text(NEED)

    _back_to(page, hub)
    page.locator("#section-needs").get_by_role("link", name="需求大厅").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("pairing:need_board"))
                                        + rf"\?village={tree.village_a1.pk}$"))
    expect(page.locator("main")).to_contain_text(NEED)

    _back_to(page, hub)
    page.locator("#section-ledger").get_by_role("link", name="本月台账").click()
    today = village_world["today"]
    expect(page).to_have_url(re.compile(
        re.escape(reverse("ledger:activity_list"))
        + rf"\?org={tree.village_a1.pk}&month={today.year}-{today.month:02d}$"))
    expect(page.locator("main")).to_contain_text(ACTIVITY)


def test_the_village_secretary_page_fits_a_small_phone(live_server, tree, village_world,
                                                       village_secretary, browser):
    page = sign_in(browser, live_server, village_secretary, **SMALL_PHONE)
    page.context.add_init_script(path=str(AXE))
    page.goto(live_server.url + reverse("portal:org_detail", args=[tree.village_a1.pk]))
    for key in ("pairings", "needs", "ledger", "resident_requests", "households", "talents"):
        expect(page.locator(f"#section-{key}")).to_be_visible()
    expect(page.locator("#section-ledger")).to_contain_text(ACTIVITY)
    fits_width(page, SMALL_PHONE["viewport"]["width"])
    assert axe_violations(page) == []
