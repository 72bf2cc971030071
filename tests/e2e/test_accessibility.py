"""WCAG 2.1 AA on each role's main pages (issue 11 item 12): axe-core, vendored for the tests
under tests/e2e/vendor/axe-core (MPL-2.0), runs in Chromium on every page and finds no serious
or critical violation (contrast among them), and no skipped heading level or empty table header.
County and township staff at 1366 px, the village secretary and the talent on a 360 px phone."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.services.scoring import publish_run
from ledger.models import ActivityStatus
from pairing.models import Need, Pairing
from tests.alliances.conftest import build_alliances_world
from tests.assessment.conftest import build_assessed, make_activity
from tests.e2e.helpers import DESKTOP, SMALL_PHONE, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1 A and AA, plus axe's best practices (heading order, empty table headers).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Named by the issue although axe rates them moderate and minor.
BLOCKING_RULES = {"heading-order", "empty-table-header"}

PAGES = {
    "county_admin": [
        "portal:home", "portal:org_tree", "portal:person_list", "pairing:pairing_list",
        "pairing:need_board", "ledger:compliance_orgs", "assessment:rankings",
        "alliances:structure", "alliances:star_board",
        # tinted rows (.table-warning) and action columns without a visible header
        "pairing:unpaired_villages", "ledger:report_list", "portal:role_list"],
    "township_admin": ["portal:home", "ledger:activity_to_confirm"],
    "village_secretary": ["portal:home", "ledger:activity_create"],
    "talent": ["pairing:need_board"],
}
VIEWPORTS = {"county_admin": DESKTOP, "township_admin": DESKTOP,
             "village_secretary": SMALL_PHONE, "talent": SMALL_PHONE}


@pytest.fixture
def world(transactional_db, settings, tmp_path, tree, people, county_admin):
    """Enough on every page for its tables, badges and cards to show: a published ranking,
    a pairing with a need on the board, an activity waiting for the township, the alliances."""
    settings.MEDIA_ROOT = tmp_path / "media"
    assessed = build_assessed(tree, people, county_admin=county_admin)
    publish_run(assessed.run, actor=assessed.assessor)
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                           since=datetime.date(2026, 1, 1), principles=["near", "complement"])
    Need.objects.create(village_org=tree.village_a1, title="电商直播带货培训",
                        description="教村民直播带货", places=2,
                        deadline=timezone.localdate() + datetime.timedelta(days=14))
    make_activity(tree.village_a1, timezone.localdate(), [people.a1],
                  status=ActivityStatus.SUBMITTED, title="主题党日")
    build_alliances_world(tree)


def axe_violations(page):
    """The blocking violations axe finds on the page as shown: a line per rule and failure
    summary, with how many elements and the first few of them."""
    results = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                            AXE_TAGS)
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS and violation["id"] not in BLOCKING_RULES:
            continue
        by_summary = {}
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            by_summary.setdefault(summary, []).append(" ".join(node["target"]))
        for summary, targets in by_summary.items():
            lines.append(f"  {violation['id']} ({violation['impact']}) x{len(targets)} "
                         f"{targets[:4]}: {summary[:400]}")
    return lines


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violation(
        role, live_server, world, browser, request):
    user = request.getfixturevalue(role)
    page = sign_in(browser, live_server, user, timeout=10000, **VIEWPORTS[role])
    page.context.add_init_script(path=str(AXE))
    report = []
    for url_name in PAGES[role]:
        response = page.goto(live_server.url + reverse(url_name))
        assert response.status == 200, url_name
        page.wait_for_load_state()
        found = axe_violations(page)
        if found:
            report.append(f"{url_name}:")
            report.extend(found)
    assert not report, "axe-core violations:\n" + "\n".join(report)
