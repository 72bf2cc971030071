"""Excel exports of the compliance matrices: the job's file holds the page's figures, zero
cells of started months are filled red, and LibreOffice reads the same cells."""

import csv
import io
import subprocess

import pytest
from openpyxl import load_workbook

from ledger import compliance
from ledger.compliance_exports import ORGS_KIND, TALENTS_KIND, UNITS_KIND
from portal.exporting import start_export
from portal.jobs import execute_job
from portal.models.audit import AuditEvent
from portal.models.jobs import JobStatus
from tests.ledger.test_compliance_matrices import TODAY, YEAR, data, period  # noqa: F401

RED = "00F8D7DA"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def frozen_today(monkeypatch):
    """The export sees 15 June 2025 as today, like the data fixture."""
    monkeypatch.setattr(compliance.timezone, "localdate", lambda: TODAY)


def export(job_kind, user, area, **params):
    job = start_export(job_kind, area, {"period": str(YEAR), **params}, actor=user)
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def read(job):
    with job.output.file.open("rb") as handle:
        content = handle.read()
    return content, load_workbook(io.BytesIO(content)).active


def test_org_matrix_excel(county_admin, tree, data, media_root, frozen_today):  # noqa: F811
    job = export(ORGS_KIND, county_admin, tree.county, kind="village")
    assert job.output.filename == "示范县组织活动月度矩阵_2025年.xlsx"
    assert job.output.capability == "ledger.compliance"
    assert AuditEvent.objects.filter(action="export", summary__contains="组织活动").exists()
    _, sheet = read(job)
    assert sheet["A1"].value.startswith("示范县村活动开展情况　2025年　生成于 ")
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["乡镇", "村", "2025年1月", "2025年2月"]
    assert header[-2:] == ["合计", "空白月数"]
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width == 18
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=3)}
    qingshan = rows["青山村"]
    assert qingshan[0].value == "青山镇"
    # March (column E) holds 2; April (F) is 0 and red; July (I) has not started: empty.
    assert qingshan[4].value == 2 and qingshan[4].fill.fgColor.rgb != RED
    assert qingshan[5].value == 0 and qingshan[5].fill.fgColor.rgb == RED
    assert qingshan[8].value is None and qingshan[8].fill.fgColor.rgb != RED
    assert qingshan[14].value == 4 and qingshan[15].value == 4  # total, silent months
    last_rows = list(sheet.iter_rows(min_row=sheet.max_row - 1))
    totals, silent = last_rows
    assert totals[0].value == "合计" and totals[4].value == 2 and totals[7].value == 1
    assert totals[14].value == 4 + 1 + 1  # 青山村 4, 石桥村 1 and 白水村 1 in 2025
    assert silent[0].value == "空白数" and silent[7].value == 3 and silent[8].value is None


def test_talent_and_unit_excel_match_the_pages(county_admin, township_admin, tree, data,  # noqa: F811
                                               period, media_root, frozen_today):  # noqa: F811
    job = export(TALENTS_KIND, county_admin, tree.county, unit=None, q="")
    _, sheet = read(job)
    assert [c.value for c in sheet[2]][:3] == ["所在单位", "城市人才", "2025年1月"]
    page = compliance.talent_matrix(county_admin, tree.county, period, today=TODAY)
    sheet_rows = list(sheet.iter_rows(min_row=3, values_only=True))
    for row, values in zip(page.rows, sheet_rows, strict=False):
        assert values[1] == row.label
        assert list(values[2:8]) == [c.count for c in row.cells[:6]]
    assert len(sheet_rows) == len(page.rows) + 2
    assert sheet_rows[-2][0] == "合计"
    assert sheet_rows[-2][2:14] == tuple(page.column_totals)
    assert sheet_rows[-1][2:14] == tuple(page.column_silent[:6]) + (None,) * 6

    job = export(UNITS_KIND, township_admin, tree.town_a)
    _, sheet = read(job)
    assert [c.value for c in sheet[2]][:3] == ["结对单位", "结对村数", "2025年1月"]
    unit_row = [c for c in sheet[3]]
    assert unit_row[0].value == "县农业农村局" and unit_row[1].value == "1"
    assert [c.value for c in unit_row[2:8]] == [0, 0, 2, 1, 1, 0]
    assert unit_row[2].fill.fgColor.rgb == RED and unit_row[4].fill.fgColor.rgb != RED


def test_export_job_rechecks_the_area(township_admin, tree, media_root):
    """A job for an area outside the owner's scope fails when it runs."""
    from portal.models import Job

    job = Job.objects.create(owner=township_admin, kind=ORGS_KIND, title="越权",
                             scope_org=tree.town_b,
                             params={"period": "2025", "capability": "ledger.compliance"})
    job = execute_job(job.pk)
    assert job.status == JobStatus.FAILED and job.output is None


def test_libreoffice_reads_the_cells(county_admin, tree, data, media_root, frozen_today,  # noqa: F811
                                     tmp_path, libreoffice):
    office = libreoffice
    content, _ = read(export(ORGS_KIND, county_admin, tree.county, kind="village"))
    source = tmp_path / "matrix.xlsx"
    source.write_bytes(content)
    subprocess.run([office, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):"
                    "44,34,76", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    rows = list(csv.reader((tmp_path / "matrix.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[1][:3] == ["乡镇", "村", "2025年1月"]
    qingshan = next(r for r in rows if r[1] == "青山村")
    assert qingshan[4] == "2" and qingshan[5] == "0" and qingshan[8] == ""
    assert rows[-2][0] == "合计" and rows[-2][4] == "2"
