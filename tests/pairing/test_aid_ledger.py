"""《“双结对双帮扶”工作台账》 Excel export: layout, contents, escaping, scope, LibreOffice."""

import csv
import datetime
import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pairing.exporters import LEDGER_KIND
from pairing.models import AidHousehold, AidPairing, AidVisit
from portal.exporting import start_export
from portal.jobs import execute_job
from portal.models.jobs import JobStatus
from tests.factories import PersonFactory

HEADERS = ("序号", "帮扶干部", "所在单位", "联系电话", "帮扶对象（户主）", "家庭人口", "困难类型",
           "帮扶计划", "走访日期", "帮扶内容")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


def _household(village, name, **extra):
    return AidHousehold.objects.create(village_org=village, head_name=name,
                                       **{"members": 3, "difficulty": "illness", **extra})


def _pairing(cadre, household, plan, active=True):
    return AidPairing.objects.create(cadre=cadre, household=household, plan=plan,
                                     since=datetime.date(2025, 6, 1), is_active=active)


def _visit(aid_pairing, day, content):
    return AidVisit.objects.create(aid_pairing=aid_pairing, date=day, content=content)


@pytest.fixture
def ledger_data(tree):
    zhou = PersonFactory(name="周干部", home_org=tree.unit, is_cadre=True, phone="13800000001")
    wu = PersonFactory(name="吴干部", home_org=tree.village_a1, is_cadre=True,
                       phone="13800000002")
    liu = _household(tree.village_a1, "刘大爷")
    chen = _household(tree.village_a1, "陈大娘", members=1, difficulty="elderly")
    sun = _household(tree.village_a1, "孙某")
    with_visits = _pairing(zhou, liu, "=1+1 协助申请医疗救助")
    _visit(with_visits, datetime.date(2026, 2, 3), "送去慰问金500元")
    _visit(with_visits, datetime.date(2026, 5, 6), "-联系医院复诊")
    _visit(with_visits, datetime.date(2025, 8, 1), "去年的走访")
    _pairing(wu, chen, "每月上门一次")  # no visits: still listed
    ended_quiet = _pairing(wu, sun, "已结束未走访", active=False)
    _visit(ended_quiet, datetime.date(2025, 9, 1), "去年")
    ended_visited = _pairing(zhou, sun, "已结束但今年走访过", active=False)
    _visit(ended_visited, datetime.date(2026, 1, 10), "年初走访")
    other = _household(tree.village_b1, "赵外村")
    _visit(_pairing(zhou, other, "外村计划"), datetime.date(2026, 3, 1), "外村走访")
    return {"zhou": zhou, "wu": wu}


def _export(user, village, year=2026):
    job = start_export(LEDGER_KIND, village, {"year": year}, actor=user)
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _open(job):
    with job.output.file.open("rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


def test_ledger_layout_and_cells(tree, ledger_data, village_secretary):
    job = _export(village_secretary, tree.village_a1)
    assert job.output.filename == "青山村双结对双帮扶工作台账_2026.xlsx"
    assert job.output.capability == "aid.view"
    sheet = _open(job).active
    assert sheet["A1"].value.startswith("青山村“双结对双帮扶”工作台账（2026年）　生成于 ")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:J1" in merged
    assert tuple(c.value for c in sheet[2]) == HEADERS
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:J6"
    assert sheet.column_dimensions["J"].width == 44
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3)]
    # 刘大爷 (2 visits of 2026, merged), 孙某 (ended but visited in 2026), 陈大娘 (no visits).
    assert [r[4] for r in rows] == ["刘大爷", None, "孙某", "陈大娘"]
    assert rows[0][:8] == (1, "周干部", "县农业农村局", "13800000001", "刘大爷", 3, "因病",
                           "'=1+1 协助申请医疗救助")
    assert rows[0][8].date() == datetime.date(2026, 2, 3)
    assert rows[1][8].date() == datetime.date(2026, 5, 6)
    assert rows[1][9] == "'-联系医院复诊"
    assert {"A3:A4", "H3:H4"} <= merged
    assert rows[2][0] == 2 and rows[2][9] == "年初走访"
    assert rows[3][:3] == (3, "吴干部", "青山村") and rows[3][8] is None
    assert rows[3][7] == "每月上门一次"
    assert sheet["I3"].number_format == "yyyy-mm-dd"
    assert sheet["J6"].border.left.style == "thin"
    everything = " ".join(str(v) for r in rows for v in r)
    assert "外村" not in everything and "去年" not in everything


def test_ledger_of_a_year_without_data_has_the_header_only(tree, ledger_data, county_admin):
    sheet = _open(_export(county_admin, tree.village_a1, 2024)).active
    assert sheet["A1"].value.startswith("青山村“双结对双帮扶”工作台账（2024年）")
    assert sheet.max_row == 2


def test_ledger_download_is_scoped(login, tree, pairing, ledger_data, village_secretary,
                                   talent, other_village_secretary, leader):
    job = _export(village_secretary, tree.village_a1)
    url = reverse("portal:download", args=[job.output.uuid])
    for reader in (village_secretary, leader):
        response = login(reader).get(url)
        assert response.status_code == 200
        # Consume rather than close(): close() outside the client would end the DB connection.
        assert b"".join(response.streaming_content).startswith(b"PK")
    # The paired unit's talent sees 青山村 (org.view) but lacks aid.view.
    assert login(talent).get(url).status_code == 403
    assert login(other_village_secretary).get(url).status_code == 404


def test_libreoffice_opens_the_ledger(tree, ledger_data, village_secretary, tmp_path,
                                     libreoffice):
    job = _export(village_secretary, tree.village_a1)
    source = tmp_path / "ledger.xlsx"
    with job.output.file.open("rb") as handle:
        source.write_bytes(handle.read())
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(source)], check=True, timeout=180, capture_output=True)
    rows = list(csv.reader((tmp_path / "ledger.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0][0].startswith("青山村“双结对双帮扶”工作台账（2026年）")
    assert tuple(rows[1]) == HEADERS
    assert rows[2][1] == "周干部" and rows[2][9] == "送去慰问金500元"
