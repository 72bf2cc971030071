"""台账导出 files: the Excel layout and cells, the PDF's font, text and photos, chunked reading,
and the job that produces them."""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from PIL import Image

from ledger import exporters
from ledger.exporters import (
    DATE_FORMAT,
    EXPORT_KIND,
    MONEY_FORMAT,
    LedgerPeriod,
    ledger_data,
    ledger_params,
    ledger_pdf,
    ledger_workbook,
)
from ledger.models import Activity, Evidence, Participation
from portal.exporting import start_export
from portal.jobs import execute_job
from portal.models import RoleAssignment
from portal.models.jobs import JobStatus
from tests.conftest import need_service

OCTOBER = LedgerPeriod(2026, 10)
TITLE = "《青山村2026年10月城乡党建统筹共建活动台账》"
INJECTION = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _jpeg(color="red", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def _activity(org, day, theme, title, status="confirmed", **fields):
    return Activity.objects.create(org=org, date=day, theme=theme, title=title, status=status,
                                   content=fields.pop("content", "走访困难群众"), **fields)


def _photo(activity, name):
    evidence = Evidence(activity=activity, kind="photo", original_name=f"{name}.jpg", size=10)
    evidence.file.save(f"{name}.jpg", ContentFile(_jpeg()), save=False)
    evidence.thumbnail.save(f"{name}-thumb.jpg", ContentFile(_jpeg("blue")), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def october(tree, people, theme):
    """青山村's October 2026: a confirmed and a submitted activity (counted), a draft and a
    returned one (left out by default), one in September, and one of 石桥村."""
    first = _activity(tree.village_a1, datetime.date(2026, 10, 8), theme, INJECTION,
                      place="村委会", outcome="+解决3件实事", beneficiaries=30,
                      funds=Decimal("1234.50"))
    Participation.objects.create(activity=first, person=people.a1, hours=2, role="organizer")
    Participation.objects.create(activity=first, person=people.unit, hours=Decimal("1.5"))
    _photo(first, "p1")
    _photo(first, "p2")
    Evidence.objects.create(activity=first, kind="file", file="evidence/plan.pdf",
                            original_name="方案.pdf")
    second = _activity(tree.village_a1, datetime.date(2026, 10, 20), theme, "送医下乡",
                       status="submitted", content="-义诊\n测血压", funds=Decimal("800"))
    Participation.objects.create(activity=second, person=people.a1, hours=3)
    _activity(tree.village_a1, datetime.date(2026, 10, 15), theme, "草稿活动", status="draft")
    _activity(tree.village_a1, datetime.date(2026, 10, 16), theme, "退回活动",
              status="returned", return_reason="缺照片")
    _activity(tree.village_a1, datetime.date(2026, 9, 30), theme, "九月活动", funds=100)
    _activity(tree.village_a2, datetime.date(2026, 10, 10), theme, "外村活动")
    return first


def _sheet(content):
    return load_workbook(io.BytesIO(content)).active


def _rows(sheet):
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def _row_of(sheet, label, occurrence=0):
    """The row number of the `occurrence`-th row whose column A is `label`."""
    found = [cell.row for cell in sheet["A"] if cell.value == label]
    return found[occurrence]


def test_excel_layout_cells_and_escaping(tree, october, village_secretary):
    sheet = _sheet(ledger_workbook(ledger_data(village_secretary, tree.village_a1, OCTOBER)))
    assert sheet.title == "活动台账"
    assert sheet["A1"].value == TITLE
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:D1" in merged
    assert "收录范围：已提交、已确认的条目" in sheet["A2"].value
    values = " ".join(str(v) for row in _rows(sheet) for v in row if v is not None)
    assert "第1项活动" in values and "第2项活动" in values and "第3项活动" not in values
    for absent in ("草稿活动", "退回活动", "九月活动", "外村活动"):
        assert absent not in values

    row = _row_of(sheet, "活动日期")
    assert sheet[f"A{row - 1}"].value == "第1项活动"
    assert sheet[f"B{row}"].value.date() == datetime.date(2026, 10, 8)
    assert sheet[f"B{row}"].number_format == DATE_FORMAT
    assert sheet[f"C{row}"].value == "活动主题" and sheet[f"D{row}"].value == "服务群众"
    title_row = _row_of(sheet, "活动名称")
    # Formula injection: stored as text with one leading apostrophe, never as a formula.
    assert sheet[f"B{title_row}"].value == "'" + INJECTION
    assert sheet[f"B{title_row}"].data_type == "s"
    assert f"B{title_row}:D{title_row}" in merged
    assert sheet[f"B{title_row}"].alignment.wrap_text
    for column in "ABCD":  # a bordered block: every cell of the merged row keeps its edges
        assert sheet[f"{column}{title_row}"].border.top.style == "thin"
        assert sheet[f"{column}{title_row}"].border.bottom.style == "thin"
    assert sheet[f"A{title_row}"].border.left.style == "thin"
    assert sheet[f"D{title_row}"].border.right.style == "thin"
    assert sheet[f"B{_row_of(sheet, '活动地点')}"].value == "村委会"
    assert (sheet[f"B{_row_of(sheet, '参与人员（姓名、时长）')}"].value
            == "李青山（2小时）、陈农业（1.5小时）")
    assert sheet[f"B{_row_of(sheet, '活动成效')}"].value == "'+解决3件实事"
    assert sheet[f"B{_row_of(sheet, '活动内容', 1)}"].value == "'-义诊\n测血压"
    money = _row_of(sheet, "受益群众")
    assert sheet[f"B{money}"].value == 30
    assert sheet[f"C{money}"].value == "投入资金"
    assert sheet[f"D{money}"].value == 1234.5 and sheet[f"D{money}"].number_format == MONEY_FORMAT
    evidence = _row_of(sheet, "佐证材料（数量）")
    assert sheet[f"B{evidence}"].value == "照片2张、文件1份"
    assert sheet[f"D{evidence}"].value == "已确认"
    assert sheet[f"D{_row_of(sheet, '佐证材料（数量）', 1)}"].value == "待确认"

    total = _row_of(sheet, "合计")
    assert (sheet[f"B{total}"].value, sheet[f"C{total}"].value) == (2, 3)
    assert sheet[f"D{total}"].value == 2034.5
    assert sheet[f"D{total}"].number_format == MONEY_FORMAT
    assert sheet[f"A{total + 1}"].value == (
        "共2项活动，参与3人次（2人），累计6.5小时，受益群众30人，投入资金¥2,034.50。")


def test_excel_with_drafts_and_of_a_whole_year(tree, october, village_secretary):
    with_drafts = _sheet(ledger_workbook(ledger_data(village_secretary, tree.village_a1,
                                                     OCTOBER, include_drafts=True)))
    titles = [with_drafts[f"B{cell.row}"].value for cell in with_drafts["A"]
              if cell.value == "活动名称"]
    assert titles == ["'" + INJECTION, "草稿活动", "退回活动", "送医下乡"]  # by date
    states = [with_drafts[f"D{cell.row}"].value for cell in with_drafts["A"]
              if cell.value == "佐证材料（数量）"]
    assert states == ["已确认", "草稿", "已退回", "待确认"]

    year = _sheet(ledger_workbook(ledger_data(village_secretary, tree.village_a1,
                                              LedgerPeriod(2026))))
    assert year["A1"].value == "《青山村2026年城乡党建统筹共建活动台账》"
    total = _row_of(year, "合计")
    assert (year[f"B{total}"].value, year[f"D{total}"].value) == (3, 2134.5)


def test_excel_of_an_empty_month(tree, october, village_secretary):
    sheet = _sheet(ledger_workbook(ledger_data(village_secretary, tree.village_a1,
                                               LedgerPeriod(2026, 3))))
    assert sheet["A3"].value == "本期没有活动记录。"
    total = _row_of(sheet, "合计")
    assert (sheet[f"B{total}"].value, sheet[f"D{total}"].value) == (0, 0)


def test_data_is_limited_to_what_the_owner_may_export(tree, october, other_village_secretary):
    data = ledger_data(other_village_secretary, tree.village_a1, OCTOBER)
    assert data.summary.activities == 0 and list(data.entries()) == []


@pytest.mark.parametrize("count", [7, 14])
def test_reading_is_chunked(tree, people, theme, village_secretary, monkeypatch, count):
    """Queries grow with the number of chunks (participants and evidence prefetched per
    chunk), not with the number of activities; progress is reported after each chunk."""
    monkeypatch.setattr(exporters, "CHUNK_SIZE", 3)
    for day in range(1, count + 1):
        activity = _activity(tree.village_a1, datetime.date(2026, 10, day), theme, f"活动{day}")
        Participation.objects.create(activity=activity, person=people.a1)
    data = ledger_data(village_secretary, tree.village_a1, OCTOBER)
    done = []
    with CaptureQueriesContext(connection) as queries:
        entries = list(data.entries(done.append))
    chunks = -(-count // 3)
    # One activity query, then participants and evidence for each chunk.
    assert len(queries) == 1 + 2 * chunks
    assert [e.number for e in entries] == list(range(1, count + 1))
    assert done == list(range(3, count + 1, 3))


def _export(user, org, period=OCTOBER, fmt="xlsx", drafts=False):
    job = execute_job(start_export(EXPORT_KIND, org, ledger_params(period, fmt, drafts),
                                   actor=user).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def test_the_job_produces_the_file(tree, october, village_secretary):
    job = _export(village_secretary, tree.village_a1)
    assert job.progress == 100
    assert job.title == "青山村2026年10月活动台账（Excel 表格）"
    assert job.output.filename == "青山村2026年10月活动台账.xlsx"
    assert job.output.capability == "ledger.export"
    assert job.output.scope_org == tree.village_a1
    with job.output.file.open("rb") as handle:
        sheet = _sheet(handle.read())
    assert sheet["A1"].value == TITLE


def test_the_job_rechecks_the_owners_scope(tree, october, village_secretary):
    job = start_export(EXPORT_KIND, tree.village_a1, ledger_params(OCTOBER, "xlsx", False),
                       actor=village_secretary)
    RoleAssignment.objects.filter(user=village_secretary).delete()
    del village_secretary._portal_roles
    job = execute_job(job.pk)
    assert job.status == JobStatus.FAILED and job.output is None


@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")),
                 "poppler-utils (pdffonts, pdftotext) not installed")


def _tool(tmp_path, pdf, *command):
    path = tmp_path / "ledger.pdf"
    path.write_bytes(pdf)
    extra = ["-"] if command[0] == "pdftotext" else []
    return subprocess.run([*command, str(path), *extra], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def test_pdf_font_text_and_photos(tree, october, village_secretary, tmp_path, poppler):
    job = _export(village_secretary, tree.village_a1, fmt="pdf")
    assert job.output.filename == "青山村2026年10月活动台账.pdf"
    assert job.output.mimetype == "application/pdf"
    with job.output.file.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF-")
    fonts = _tool(tmp_path, pdf, "pdffonts").splitlines()[2:]
    assert fonts
    for line in fonts:
        columns = line.split()
        assert "WenQuanYi" in columns[0], line
        assert columns[-5] == "yes", f"font not embedded: {line}"
    text = "".join(_tool(tmp_path, pdf, "pdftotext", "-layout").split())
    assert TITLE in text
    for expected in ("第1项活动", "送医下乡", "李青山（2小时）、陈农业（1.5小时）", "¥1,234.50",
                     "照片2张、文件1份", "村党组织书记（签字）", "乡镇（街道）党委审核意见",
                     "共2项活动，参与3人次（2人）"):
        assert expected in text, expected
    assert "草稿活动" not in text and "外村活动" not in text
    if not shutil.which("pdfimages"):
        pytest.skip("pdfimages not installed")
    images = _tool(tmp_path, pdf, "pdfimages", "-list").splitlines()[2:]
    assert len(images) == 2  # the two thumbnails of the first activity


def test_pdf_leaves_out_a_missing_thumbnail(tree, october, village_secretary, tmp_path,
                                            poppler):
    photo = october.evidence.filter(kind="photo").first()
    photo.thumbnail.storage.delete(photo.thumbnail.name)
    pdf = ledger_pdf(ledger_data(village_secretary, tree.village_a1, OCTOBER))
    if shutil.which("pdfimages"):
        assert len(_tool(tmp_path, pdf, "pdfimages", "-list").splitlines()[2:]) == 1
    assert "照片2张" in "".join(_tool(tmp_path, pdf, "pdftotext").split())


def test_pdf_of_an_empty_year(tree, village_secretary, tmp_path, poppler):
    pdf = ledger_pdf(ledger_data(village_secretary, tree.village_a1, LedgerPeriod(2025)))
    text = "".join(_tool(tmp_path, pdf, "pdftotext").split())
    assert "《青山村2025年城乡党建统筹共建活动台账》" in text
    assert "本期没有活动记录。" in text


def _page_count(pdf):
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_year_pdf_renders_each_month_alone_and_merges(tree, october, village_secretary, theme,
                                                      tmp_path, poppler, monkeypatch):
    """A year is laid out a month at a time (each WeasyPrint render sees only that month's
    activities), merged into one PDF with the title once, the entries numbered through, the
    totals once at the end, global page numbers and the font still embedded."""
    _activity(tree.village_a1, datetime.date(2026, 1, 12), theme, "一月走访", funds=10)
    _activity(tree.village_a1, datetime.date(2026, 3, 5), theme, "三月义诊", funds=20)
    rendered = []
    real = exporters.html_to_pdf

    def counting(html):
        rendered.append(html)
        return real(html)

    monkeypatch.setattr(exporters, "html_to_pdf", counting)
    reports = []
    pdf = ledger_pdf(ledger_data(village_secretary, tree.village_a1, LedgerPeriod(2026)),
                     report=lambda percent, message="": reports.append((percent, message)))

    parts, numbers = rendered[:-1], rendered[-1]
    assert len(parts) == 4  # January, March, September, October
    months = ("一月走访", "三月义诊", "九月活动", "送医下乡")
    for part, title in zip(parts, months, strict=True):
        assert title in part
        assert all(other not in part for other in months if other != title)
    assert "《青山村2026年城乡党建统筹共建活动台账》" in parts[0]
    assert all("城乡党建统筹共建活动台账》</h1>" not in part for part in parts[1:])
    assert all("合计" not in part for part in parts[:-1]) and "合计" in parts[-1]
    assert "第 " in numbers  # the page-number stamp

    assert [message.split("（")[0] for _, message in reports] == [
        "已排版 2026年1月", "已排版 2026年3月", "已排版 2026年9月", "已排版 2026年10月",
        "正在合并 PDF"]
    percents = [percent for percent, _ in reports]
    assert percents == sorted(percents) and percents[-1] < 100

    fonts = _tool(tmp_path, pdf, "pdffonts").splitlines()[2:]
    assert fonts
    for line in fonts:
        columns = line.split()
        assert "WenQuanYi" in columns[0], line
        assert columns[-5] == "yes", f"font not embedded: {line}"
    text = "".join(_tool(tmp_path, pdf, "pdftotext", "-layout").split())
    pages = _page_count(pdf)
    assert pages >= 4
    assert text.count("《青山村2026年城乡党建统筹共建活动台账》") == 1
    for number, title in zip((1, 2, 3, 5), months, strict=True):
        assert f"第{number}项活动{title}" in text, title
    assert "共5项活动" in text and text.count("村党组织书记（签字）") == 1
    for page in range(1, pages + 1):
        assert f"第{page}页/共{pages}页" in text, page
    assert text.index("一月走访") < text.index("三月义诊") < text.index("送医下乡")


def test_year_export_job_gives_the_merged_pdf(tree, october, village_secretary, tmp_path,
                                              poppler):
    job = _export(village_secretary, tree.village_a1, LedgerPeriod(2026), fmt="pdf")
    assert job.progress == 100
    assert job.output.filename == "青山村2026年活动台账.pdf"
    with job.output.file.open("rb") as handle:
        pdf = handle.read()
    text = "".join(_tool(tmp_path, pdf, "pdftotext").split())
    assert "九月活动" in text and "送医下乡" in text and "共3项活动" in text
    if shutil.which("pdfimages"):
        assert len(_tool(tmp_path, pdf, "pdfimages", "-list").splitlines()[2:]) == 2
