"""结对共建统计 on a hand-built county: each figure per township and in total; Excel agrees."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pairing.models import (
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    Claim,
    Need,
    Pairing,
    ProjectItem,
)
from pairing.statistics import COLUMNS, pairing_statistics
from portal.exporting import start_export
from portal.jobs import execute_job
from portal.models import AuditEvent, Job
from tests.factories import PersonFactory, UserFactory, add_org

YEAR = timezone.localdate().year
DAY = datetime.date(YEAR, 1, 1)

@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



@pytest.fixture
def county_data(tree):
    second_unit = add_org(tree.county, "县教育局", "unit", code="U0002")
    a1 = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=DAY)
    b1 = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b1, since=DAY)
    Pairing.objects.create(city_org=second_unit, village_org=tree.village_a2, since=DAY,
                           status="ended", until=DAY)

    filed = AnnualAgreement.objects.create(pairing=a1, year=YEAR, status="filed")
    ProjectItem.objects.create(agreement=filed, name="活动场所改造", budget=Decimal("10000"))
    ProjectItem.objects.create(agreement=filed, name="茶园培训", budget=Decimal("5000.50"))
    ProjectItem.objects.create(agreement=filed, name="取消的项目", budget=999, status="cancelled")
    draft = AnnualAgreement.objects.create(pairing=b1, year=YEAR, status="draft")
    ProjectItem.objects.create(agreement=draft, name="道路亮化", budget=Decimal("3000"))
    old = AnnualAgreement.objects.create(pairing=b1, year=YEAR - 1, status="filed")
    ProjectItem.objects.create(agreement=old, name="去年的项目", budget=Decimal("7777"))

    talent, other = UserFactory(), UserFactory()

    def need(village, title, *claims):
        item = Need.objects.create(village_org=village, title=title, description="说明",
                                   deadline=DAY + datetime.timedelta(days=400), places=3)
        for user, status in claims:
            Claim.objects.create(need=item, claimant=user, status=status)
        return item

    need(tree.village_a1, "无人认领")
    need(tree.village_a1, "已认领", (talent, "claimed"))
    need(tree.village_a1, "已确认", (talent, "confirmed"), (other, "withdrawn"))
    need(tree.village_b1, "只撤回", (talent, "withdrawn"))
    need(tree.village_b1, "待确认", (talent, "done"), (other, "claimed"))

    cadre, cadre2 = PersonFactory(home_org=tree.unit), PersonFactory(home_org=tree.unit)
    home_a = AidHousehold.objects.create(village_org=tree.village_a1, head_name="张三",
                                         difficulty="illness")
    home_b2 = AidHousehold.objects.create(village_org=tree.village_b2, head_name="李四",
                                          difficulty="poverty")
    home_b1 = AidHousehold.objects.create(village_org=tree.village_b1, head_name="王五",
                                          difficulty="elderly")
    AidPairing.objects.create(cadre=cadre, household=home_a, since=DAY, plan="帮扶")
    AidPairing.objects.create(cadre=cadre2, household=home_a, since=DAY, plan="帮扶")
    AidPairing.objects.create(cadre=cadre, household=home_b2, since=DAY, plan="帮扶")
    AidPairing.objects.create(cadre=cadre, household=home_b1, since=DAY, plan="帮扶",
                              is_active=False)


EXPECTED = {
    # label: villages covered uncovered pairings units filed projects budget
    #        published claimed confirmed households
    "青山镇": [2, 1, 1, 1, 1, 1, 2, Decimal("15000.50"), 3, 2, 1, 1],
    "白水乡": [2, 1, 1, 1, 1, 0, 1, Decimal("3000"), 2, 1, 0, 1],
    # The unit is paired in both townships: counted once in the total.
    "合计": [4, 2, 2, 2, 1, 1, 3, Decimal("18000.50"), 5, 3, 1, 2],
}


def test_figures_per_township_and_total(county_admin, county_data):
    stats = pairing_statistics(county_admin, YEAR)
    table = {row.label: row.values() for row in [*stats.rows, stats.total]}
    assert table == EXPECTED
    assert stats.total.coverage == 50.0
    assert stats.chart()["townships"] == ["青山镇", "白水乡"]


def test_other_year_keeps_current_coverage(county_admin, county_data):
    total = pairing_statistics(county_admin, YEAR - 1).total
    assert (total.pairings, total.agreements_filed, total.projects, total.budget,
            total.needs_published) == (2, 1, 1, Decimal("7777"), 0)


def test_township_admin_sees_its_township(township_admin, county_data):
    stats = pairing_statistics(township_admin, YEAR)
    assert [row.label for row in stats.rows] == ["青山镇"]
    assert stats.total.values() == EXPECTED["青山镇"]


def test_page_and_excel_agree(login, county_admin, tree, county_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(county_admin)
    response = client.get(reverse("pairing:statistics"), {"year": YEAR})
    assert response.status_code == 200
    assert response.context["stats"].total.values() == EXPECTED["合计"]
    body = response.content.decode()
    assert 'id="stats-chart-data"' in body and "<script>" not in body.replace(
        '<script id="stats-chart-data" type="application/json">', "")
    # A bad year falls back to the current one instead of failing.
    assert client.get(reverse("pairing:statistics"), {"year": "abc"}).status_code == 200

    job = start_export("pairing_statistics", tree.county, {"year": YEAR}, actor=county_admin)
    job = execute_job(job.pk)
    assert job.status == "succeeded", job.error
    assert job.output.filename == f"结对共建统计_{YEAR}年.xlsx"
    assert job.output.capability == "pairing.statistics"
    with job.output.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith(f"结对共建统计　范围：{tree.county.name}　{YEAR}年　生成于 ")
    rows = rows[1:]
    assert rows[0] == [column.header for column in COLUMNS]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    for label, expected in EXPECTED.items():
        assert [Decimal(str(v)) if i == 7 else v
                for i, v in enumerate(by_label[label])] == expected, label


def test_export_view_starts_a_job(login, leader, tree):
    response = login(leader).post(reverse("pairing:statistics_export"), {"year": YEAR})
    assert response.status_code == 302
    job = Job.objects.get(owner=leader)
    assert (job.kind, job.params["year"], job.scope_org) == ("pairing_statistics", YEAR,
                                                            tree.county)
    assert job.title == f"{YEAR}年结对共建统计"
    event = AuditEvent.objects.get(action="export", actor=leader)
    assert event.summary == f"导出{YEAR}年结对共建统计（{tree.county.name}）"
    assert event.data["job"] == str(job.uuid)
