"""The half-year report PDF: title, figures and text extract back, the CJK font is embedded,
and the download is scope-checked."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from ledger.models import Activity, ActivityStatus, ActivityTheme
from ledger.services import reports as services
from tests.conftest import need_service


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Cached PDFs go to a temporary media folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")),
                 "poppler-utils (pdffonts, pdftotext) not installed")


def _tool(tmp_path, pdf, *command):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
                          capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def filed_report(tree, township_admin, county_admin, today):
    year = today.year - 1  # a whole, finished first half
    Activity.objects.create(org=tree.village_a1, date=datetime.date(year, 3, 8),
                            theme=ActivityTheme.objects.get(code="tech_to_country"),
                            title="茶叶种植培训", content="-", status=ActivityStatus.CONFIRMED,
                            funds="2345.6")
    services.do_submit_report(tree.town_a, year, 1, actor=township_admin,
                              summary="组织科技下乡活动，培训茶农。\n第二段落说明。",
                              problems="石桥村活动偏少。", next_steps="加强每月调度。")
    report = services.TownshipReport.objects.get()
    return services.do_file_report(report, actor=county_admin)


def test_report_pdf_embeds_the_font_and_text_extracts(login, tmp_path, poppler, filed_report,
                                                      county_admin):
    response = login(county_admin).get(reverse("ledger:report_pdf", args=[filed_report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF-")

    fonts = _tool(tmp_path, pdf, "pdffonts").splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for line in fonts:
        columns = line.split()
        assert "WenQuanYi" in columns[0], line
        assert columns[-5] == "yes", f"font not embedded: {line}"

    year = filed_report.year
    text = "".join(_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8").split())
    for expected in (f"《青山镇{year}年上半年城乡党建统筹共建工作报告》", "已备案",
                     "一、主要数据", "开展活动", "1次", "¥2,345.60", "科技下乡",
                     "各月未开展活动的村", "石桥村", "二、工作开展情况",
                     "组织科技下乡活动，培训茶农。",
                     "第二段落说明。", "三、存在问题", "石桥村活动偏少。", "四、下步打算",
                     "加强每月调度。", "第1页"):
        assert "".join(expected.split()) in text, expected


def test_report_pdf_is_scope_checked(login, filed_report, tree, other_village_secretary,
                                     township_admin):
    url = reverse("ledger:report_pdf", args=[filed_report.pk])
    assert login(other_village_secretary).get(url).status_code == 404
    other_township = services.TownshipReport.objects.create(township=tree.town_b, year=2025,
                                                            half=1)
    assert login(township_admin).get(
        reverse("ledger:report_pdf", args=[other_township.pk])).status_code == 404


# ---------------------------------------------------------------- the cached PDF


def _download(client, report):
    response = client.get(reverse("ledger:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _cached_files(settings, report):
    folder = Path(settings.MEDIA_ROOT) / "pdf-cache" / "ledger" / "township_report" / str(
        report.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _text(tmp_path, pdf):
    return "".join(_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8").split())


def test_report_pdf_is_rebuilt_when_its_figures_or_status_change(
        login, tmp_path, poppler, tree, township_admin, county_admin, today, renders, settings):
    year = today.year - 1
    theme = ActivityTheme.objects.get(code="tech_to_country")
    Activity.objects.create(org=tree.village_a1, date=datetime.date(year, 3, 8), theme=theme,
                            title="茶叶种植培训", content="-", status=ActivityStatus.CONFIRMED,
                            funds="2345.6")
    report = services.do_submit_report(tree.town_a, year, 1, actor=township_admin,
                                       summary="组织科技下乡活动。", problems="无。",
                                       next_steps="加强每月调度。")
    client = login(county_admin)
    first = _download(client, report)
    assert _download(client, report) == first
    assert len(renders) == 1, "the second download rendered again"
    assert "¥2,345.60" in _text(tmp_path, first)

    # New figures (a second activity, the report returned and submitted again): rebuilt once.
    Activity.objects.create(org=tree.village_a1, date=datetime.date(year, 4, 2), theme=theme,
                            title="电商培训", content="-", status=ActivityStatus.CONFIRMED,
                            funds="1000")
    services.do_return_report(report, actor=county_admin, reason="补充数据")
    report = services.do_submit_report(tree.town_a, year, 1, actor=township_admin)
    refigured = _download(client, report)
    _download(client, report)
    assert len(renders) == 2
    assert "¥3,345.60" in _text(tmp_path, refigured)
    assert len(_cached_files(settings, report)) == 1, "the superseded version was kept"

    # Filing changes the status line: rebuilt again, still one file.
    report = services.do_file_report(report, actor=county_admin)
    assert "已备案" in _text(tmp_path, _download(client, report))
    assert len(renders) == 3 and len(_cached_files(settings, report)) == 1
