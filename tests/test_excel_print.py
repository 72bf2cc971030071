"""Print-ready Excel (issue 11, item 5): the layout every export gets from
portal.spreadsheets.write_sheet, and each exporter's file converted by LibreOffice."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Border

from portal.spreadsheets import Column, new_workbook, sheet_caption, text_width, workbook_bytes
from portal.spreadsheets import write_sheet as write_sheet_
from tests.spreadsheets import first_pdf_page_text


def _sheet(columns, rows, caption=None, notes=()):
    workbook = new_workbook()
    count = write_sheet_(workbook, "表", columns, rows, caption=caption, notes=notes)
    return count, load_workbook(io.BytesIO(workbook_bytes(workbook))).active


def test_caption_row_is_merged_bold_and_above_a_frozen_filtered_repeated_header():
    count, sheet = _sheet([Column("姓名"), Column("所在组织"), Column("出生日期")],
                          [["张三", "城关镇东风村党支部", datetime.date(1980, 1, 2)],
                           ["李四", "=cmd", None]],
                          caption="人员名单　范围：某县")
    assert count == 2
    assert sheet["A1"].value == "人员名单　范围：某县"
    assert sheet["A1"].font.b and sheet["A1"].font.sz > 11
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:C1"]
    assert [c.value for c in sheet[2]] == ["姓名", "所在组织", "出生日期"]
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:C4"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet["B4"].value == "'=cmd"  # formula guard on data cells
    assert sheet["A3"].border.left.style == "thin" and sheet["C4"].border.bottom.style == "thin"
    assert sheet["C3"].is_date


def test_print_setup_is_landscape_a4_one_page_wide():
    _, sheet = _sheet([Column("甲")], [["1"]], caption="标题")
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
        "landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert not sheet.merged_cells.ranges  # one column: nothing to merge


def test_caption_is_formula_safe():
    _, sheet = _sheet([Column("甲"), Column("乙")], [], caption="=HYPERLINK(1)")
    assert sheet["A1"].value == "'=HYPERLINK(1)"


def test_without_caption_the_header_is_the_first_row():
    _, sheet = _sheet([Column("甲"), Column("乙")], [["a", "b"]])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B2"
    assert sheet.print_title_rows == "$1:$1"


def test_widths_fit_chinese_text_and_declared_width_is_the_least():
    _, sheet = _sheet([Column("序号"), Column("组织名称"), Column("备注", 30)],
                      [[1, "县农业农村局机关党支部", "短"], [2, "x" * 500, ""]])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABC"}
    assert widths["A"] == 6  # "序号" is 4 units wide, +2, at least MIN_WIDTH
    assert widths["B"] == 48  # bounded: longer text wraps
    assert widths["C"] == 30
    assert sheet.row_dimensions[3].height > 15  # the wrapped row is made tall enough


def test_text_width_counts_cjk_twice():
    assert text_width("城关镇") == 6
    assert text_width("ab1") == 3
    assert text_width("第一行\n第二行长") == 8
    assert text_width(datetime.date(2026, 1, 1)) == 10
    assert text_width(None) == 0


def test_styled_cells_keep_their_style_and_get_a_border():
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = new_workbook()

    def rows():
        cell = WriteOnlyCell(workbook.worksheets[-1], value=0)
        cell.font = Font(color="FF0000")
        yield [cell]

    write_sheet_(workbook, "表", [Column("甲")], rows(), caption="标题")
    sheet = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert sheet["A3"].font.color.rgb == "00FF0000"
    assert sheet["A3"].border != Border()


def test_sheet_caption_names_what_scope_period_and_generation_time(settings):
    from django.utils import timezone

    caption = sheet_caption("人员名单", "某县", "截至 2026-11-28")
    assert caption.startswith("人员名单　范围：某县　截至 2026-11-28　生成于 ")
    assert f"{timezone.localtime():%Y-%m-%d}" in caption
    assert sheet_caption("名单").startswith("名单　生成于 ")


def test_notes_sit_between_caption_and_header_and_number_formats_apply():
    _, sheet = _sheet([Column("姓名"), Column("积分", number_format="0.00")], [["张三", 91.5]],
                      caption="标题", notes=["说明一", "生成时间：今天"])
    assert [sheet[f"A{row}"].value for row in (1, 2, 3)] == ["标题", "说明一", "生成时间：今天"]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:B1", "A2:B2", "A3:B3"}
    assert sheet["A4"].value == "姓名" and sheet.freeze_panes == "A5"
    assert sheet.print_title_rows == "$4:$4" and sheet.auto_filter.ref == "A4:B5"
    assert sheet["B5"].number_format == "0.00"


# ---------------------------------------------------------------- every export in LibreOffice
#
# Each Excel export of the demo county, printed to PDF by LibreOffice: page 1 shows the title
# row and every column header (the sheet is one page wide and the widths fit the headers).
# One conversion per exporter (~3 s each).

PDF_ONLY_EXPORTERS = {"alliance_competition_pdf", "alliance_showcase_poster"}


def _year():
    from pairing.demo import REFERENCE_DATE

    return REFERENCE_DATE.year


def _county():
    from portal.models import Organization
    from portal.models.orgs import OrgKind

    return Organization.objects.of_kind(OrgKind.COUNTY).order_by("path").first()


def _whole_county(params):
    return lambda actor: (_county(), params() if callable(params) else params)


def _aid_ledger(actor):
    from pairing.models import AidPairing

    pairing = AidPairing.objects.select_related("household__village_org").order_by("pk").first()
    return pairing.household.village_org, {"year": _year()}


def _activity_ledger(actor):
    from ledger.exporters import LedgerPeriod, ledger_params
    from ledger.models import Activity

    activity = (Activity.objects.filter(status__in=["submitted", "confirmed"])
                .select_related("org").order_by("-date", "pk").first())
    period = LedgerPeriod(activity.date.year, activity.date.month)
    return activity.org, ledger_params(period, "xlsx", False)


def _ranking(actor):
    from assessment.models import ScoringRun
    from assessment.reports import VISIBLE_RUNS

    run = (ScoringRun.objects.filter(status__in=VISIBLE_RUNS)
           .select_related("scheme__assessing_body").order_by("pk").first())
    return run.scheme.assessing_body, {"run": run.pk, "format": "xlsx"}


def _grades(actor):
    from assessment.models import Grading
    from assessment.reports import VISIBLE_GRADINGS

    grading = (Grading.objects.filter(status__in=VISIBLE_GRADINGS)
               .select_related("scheme__assessing_body").order_by("pk").first())
    return grading.scheme.assessing_body, {"grading": grading.pk, "format": "xlsx"}


def _competition(actor):
    from alliances.exporters import filing_org
    from alliances.models import Competition, CompetitionStatus

    competition = (Competition.objects.filter(status=CompetitionStatus.PUBLISHED)
                   .select_related("owner").order_by("pk").first())
    return filing_org(actor, competition.owner, "job.view"), {"competition": competition.pk}


# Registered exporter → (scope organization, params) in the demo county for its county admin.
EXPORT_CASES = {
    "export_orgs": _whole_county({}),
    "export_people": _whole_county({}),
    "person_list": _whole_county({"query": ""}),
    "pairing_list": _whole_county({"query": ""}),
    "need_list": _whole_county({"query": ""}),
    "aid_ledger": _aid_ledger,
    "pairing_statistics": _whole_county(lambda: {"year": _year()}),
    "ledger_export": _activity_ledger,
    "ledger_compliance_orgs": _whole_county(lambda: {"period": str(_year()), "kind": "village"}),
    "ledger_compliance_talents": _whole_county(lambda: {"period": str(_year()), "unit": None,
                                                         "q": ""}),
    "ledger_compliance_units": _whole_county(lambda: {"period": str(_year())}),
    "assessment_ranking": _ranking,
    "assessment_grades": _grades,
    "assessment_results": _whole_county(lambda: {"year": _year()}),
    "alliance_competition_xlsx": _competition,
}
# Excel files served directly by a view (small enough for a request): URL name and kwargs.
DOWNLOAD_CASES = {
    "pairing:meetings_missing_export": {},
    "pairing:needs_trend_excel": {},
    "ledger:trend_excel/activities": {"chart": "activities"},
    "ledger:trend_excel/villages": {"chart": "villages"},
    "ledger:trend_excel/townships": {"chart": "townships"},
}


@pytest.fixture
def demo(small_county, db, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.MEDIA_ROOT = str(tmp_path / "media")
    return get_user_model().objects.get(username="county_admin")


def _print_heading(content):
    """The texts page 1 must show: the first sheet's title block and header row (the rows
    above the frozen pane), or its first four rows when nothing is frozen (a form layout)."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    frozen = sheet.freeze_panes
    last_row = int(frozen[1:]) - 1 if frozen else 4
    texts = [cell.value for row in sheet.iter_rows(max_row=last_row) for cell in row
             if isinstance(cell.value, str) and cell.value.strip()]
    assert texts, "the first sheet has no title or header"
    return sheet, texts


def _assert_page_one_shows(content, tmp_path, office):
    sheet, texts = _print_heading(content)
    if sheet.freeze_panes:  # a title row above the header row
        assert int(sheet.freeze_panes[1:]) >= 3, sheet.freeze_panes
    page = "".join(first_pdf_page_text(content, tmp_path, office).split())
    missing = [text for text in texts if "".join(text.split()) not in page]
    assert not missing, f"not on page 1 of {sheet.title}: {missing}\n{page[:400]}"
    setup = sheet.page_setup
    assert setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_every_excel_exporter_has_a_print_case():
    from portal.exporting import exporters

    registered = {exporter.identifier for exporter in exporters()}
    assert registered - PDF_ONLY_EXPORTERS - set(EXPORT_CASES) == set(), (
        "add the new Excel exporter to EXPORT_CASES")


@pytest.mark.libreoffice
@pytest.mark.parametrize("identifier", sorted(EXPORT_CASES))
def test_export_prints_title_and_every_column_on_page_one(identifier, demo, tmp_path,
                                                          libreoffice):
    from portal.exporting import UnknownExporter, get_exporter, start_export
    from portal.jobs import execute_job
    from portal.models.jobs import JobStatus

    try:
        get_exporter(identifier)
    except UnknownExporter:
        pytest.skip(f"{identifier} is not registered")
    scope_org, params = EXPORT_CASES[identifier](demo)
    job = execute_job(start_export(identifier, scope_org, params, actor=demo).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.file.open("rb") as handle:
        content = handle.read()
    _assert_page_one_shows(content, tmp_path, libreoffice)


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", sorted(DOWNLOAD_CASES))
def test_download_prints_title_and_every_column_on_page_one(case, demo, login, tmp_path,
                                                            libreoffice):
    from django.urls import reverse

    response = login(demo).get(reverse(case.split("/")[0], kwargs=DOWNLOAD_CASES[case]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _assert_page_one_shows(response.content, tmp_path, libreoffice)
