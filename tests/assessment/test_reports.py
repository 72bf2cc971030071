"""The ranking reports: the data functions (columns, order, ties, 差 reasons, the over-quota
line, flat query counts), the Excel (read back with openpyxl), the PDF (font embedded, Chinese
text extracts), the cached generated files and `manage.py export_report`.

The `assessed` world (tests/assessment/conftest.py): four cadres of 县农业农村局 in the universal
action; 陈农业 serves 青山村 in January and February, 周一 in January, 吴二 and 郑三 not at all.
"""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from assessment import reports
from assessment.exporters import (
    EXCEL,
    GRADES_KIND,
    PDF,
    RANKING_KIND,
    grades_pdf,
    grades_workbook,
    ranking_pdf,
    ranking_workbook,
    sheet_name,
)
from assessment.models import AnnualGrade, Enrolment
from assessment.services.grading import change_grade, grade_year, submit_grading
from assessment.services.scoring import publish_run, score_quarter
from portal.exporting import start_export
from portal.jobs import execute_job
from portal.models import Person
from portal.scope import forget_roles
from tests.assessment.conftest import YEAR, make_activity
from tests.conftest import need_service
from tests.factories import bulk_people


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")),
                 "poppler-utils (pdffonts, pdftotext) not installed")


def pdf_tool(tmp_path, pdf, *command):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    extra = ["-"] if command[0] == "pdftotext" else []
    return subprocess.run([*command, str(path), *extra], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def pdf_text(tmp_path, pdf):
    return "".join(pdf_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8").split())


def publish_year(world):
    """Score and publish quarters 2–4 (quarter 1 is published by the fixture)."""
    for quarter in (2, 3, 4):
        publish_run(score_quarter(world.scheme, quarter), actor=world.assessor)
    return world


@pytest.fixture
def submitted(published):
    """The whole year published, graded and submitted: 陈农业 2 months, 周一 1, 吴二 and 郑三
    none — N = 4, quota ceil(0.4) = 1, the two tied last both 差 (one over the quota)."""
    publish_year(published)
    published.grading = submit_grading(grade_year(published.scheme), actor=published.assessor)
    return published


def names(table):
    return [row.name for row in table.rows]


# ---------------------------------------------------------------- the data functions


def test_ranking_columns_order_and_ties(published):
    table, = reports.ranking_tables([published.run])
    assert table.title == f"{YEAR}年第1季度{published.scheme.name}排名表"
    quarterly = list(published.scheme.indicators.filter(period="quarter")
                     .order_by("order", "id"))
    assert [c.name for c in table.columns] == [i.name for i in quarterly]
    assert table.headers()[:3] == ["排名", "姓名", "所在单位"]
    assert table.headers()[-1] == "总分"
    assert len(table.headers()) == 3 + len(quarterly) + 1
    # Best first; 吴二 and 郑三 tie (no activity) and share the rank.
    assert names(table)[:2] == ["陈农业", "周一"]
    ranks = {row.name: row.rank for row in table.rows}
    assert ranks["陈农业"] == 1 and ranks["周一"] == 2
    assert ranks["吴二"] == ranks["郑三"] == 3
    first = table.rows[0]
    assert first.unit == "县农业农村局"
    assert sum(c for c in first.cells if isinstance(c, Decimal)) == first.total
    assert first.total > table.rows[1].total > table.rows[2].total
    assert "考核对象：4人" in table.info_lines[0] and "县乡村振兴局" in table.info_lines[0]


def test_ranking_unit_is_the_enrolling_unit(published, tree):
    Enrolment.objects.filter(person__name="周一").update(org=tree.village_a2)
    table, = reports.ranking_tables([published.run])
    assert {r.name: r.unit for r in table.rows}["周一"] == "石桥村"


def test_ranking_of_an_org_cohort_names_the_township(tree, county_admin, published):
    from assessment.services.schemes import create_default_scheme

    scheme = create_default_scheme(actor=county_admin, year=YEAR,
                                   assessing_body=published.body, target_kind="village")
    run = score_quarter(scheme, 1)
    table, = reports.ranking_tables([run])
    assert table.headers()[:3] == ["排名", "村", "所属乡镇"]
    units = {row.name: row.unit for row in table.rows}
    assert units["青山村"] == "青山镇" and units["白水村"] == "白水乡"


def test_grade_table_reasons_and_header_block(submitted):
    table, = reports.grade_tables([submitted.grading])
    assert table.headers()[:3] == ["排名", "姓名", "所在单位"]
    rows = {row.name: row for row in table.rows}
    assert names(table)[:2] == ["陈农业", "周一"]
    assert rows["吴二"].grade == rows["郑三"].grade == "差"
    assert rows["吴二"].poor_reason == rows["郑三"].poor_reason == "与末位同分"
    assert rows["陈农业"].poor_reason == ""
    lines = table.info_lines
    assert "总人数 N = 4" in lines[0] and "差 2 人" in lines[0]
    assert "“差”等次：不低于总人数的10%（至少 1 人）" in lines
    assert table.over_quota_line.startswith("超出比例 1 人")
    assert table.over_quota_line in lines
    assert table.excellent_rule == "“优秀”等次（本县规定）：不超过总人数的20%（至多 0 人）"


def test_grade_table_quota_veto_and_changed_reasons(submitted, county_admin):
    grades = {g.person.name: g for g in AnnualGrade.objects.select_related("person")}
    AnnualGrade.objects.filter(pk=grades["吴二"].pk).update(poor_reason="quota")
    AnnualGrade.objects.filter(pk=grades["郑三"].pk).update(poor_reason="veto")
    submitted.grading.over_quota = 0
    submitted.grading.save(update_fields=["over_quota"])
    change_grade(grades["周一"], actor=county_admin, grade="poor", reason="年度内受到通报批评")
    table, = reports.grade_tables([submitted.grading])
    rows = {row.name: row for row in table.rows}
    assert rows["吴二"].poor_reason == "按比例"
    assert rows["郑三"].poor_reason == "一票否决"
    assert rows["周一"].grade == "差"
    assert rows["周一"].poor_reason == "调整：年度内受到通报批评"
    assert rows["周一"].note == "由“良好”调整：年度内受到通报批评"
    assert table.over_quota_line == ""
    assert not any(line.startswith("超出比例") for line in table.info_lines)


def test_excellent_rule_with_a_minimum_score(submitted):
    scheme = submitted.grading.scheme
    scheme.excellent_max_ratio, scheme.excellent_min_score = None, Decimal("85.5")
    table, = reports.grade_tables([submitted.grading])
    assert table.excellent_rule == "“优秀”等次（本县规定）：年度积分不低于 85.5 分"


def test_query_counts_do_not_grow_with_rows_or_cohorts(published, tree):
    with CaptureQueriesContext(connection) as one:
        reports.ranking_tables([published.run])
    extra = bulk_people(**{f"x{i}": {"name": f"新人{i}", "home_org": tree.unit, "is_cadre": True}
                           for i in range(12)})
    Enrolment.objects.bulk_create([
        Enrolment(action=published.action, year=YEAR, person=p, org=tree.unit,
                  start_date=datetime.date(YEAR, 1, 1)) for p in extra.values()])
    make_activity(tree.village_a1, datetime.date(YEAR, 4, 9), list(extra.values())[:5])
    second = score_quarter(published.scheme, 2)
    with CaptureQueriesContext(connection) as two:
        tables = reports.ranking_tables([published.run, second])
    assert [len(t.rows) for t in tables] == [4, 16]
    assert len(two) == len(one) <= 4


def test_grade_tables_query_count_is_flat(submitted):
    with CaptureQueriesContext(connection) as captured:
        table, = reports.grade_tables([submitted.grading])
    assert len(table.rows) == 4
    assert len(captured) <= 3


def test_fingerprint_changes_with_the_scores(published, tree):
    before = reports.fingerprint(reports.ranking_tables([published.run]))
    assert before == reports.fingerprint(reports.ranking_tables([published.run]))
    Person.objects.filter(name="周一").update(name="周一鸣")
    assert before != reports.fingerprint(reports.ranking_tables([published.run]))


def test_points_text():
    assert reports.points_text(Decimal("12.50")) == "12.5"
    assert reports.points_text(Decimal("60.00")) == "60"
    assert reports.points_text(Decimal("-3.00")) == "-3"
    assert reports.points_text(None) == ""
    assert reports.percent_text(Decimal("0.125")) == "12.5%"


# ---------------------------------------------------------------- Excel


def test_ranking_workbook_layout_and_print_setup(published):
    tables = reports.ranking_tables([published.run])
    Person.objects.filter(name="周一").update(name="=HYPERLINK(\"http://x\")")
    tables = reports.ranking_tables([published.run])
    book = load_workbook(io.BytesIO(ranking_workbook(tables)))
    sheet, = book.worksheets
    table = tables[0]
    assert sheet.title == table.sheet_name[:31]
    assert sheet["A1"].value == table.title
    assert "A1" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}
    header_row = 2 + len(table.info_lines) + 1  # title, info lines, 生成时间, header
    assert [c.value for c in sheet[header_row]] == table.headers()
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref.startswith(f"A{header_row}:")
    assert sheet.auto_filter.ref.endswith(str(header_row + 4))
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
    assert [row[0] for row in data] == [1, 2, 3, 3]
    injected = [row for row in data if "HYPERLINK" in str(row[1])]
    assert injected and injected[0][1] == "'=HYPERLINK(\"http://x\")"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert data[0][-1] == pytest.approx(float(table.rows[0].total))


def test_workbook_has_a_sheet_per_cohort_with_unique_names(published):
    second = score_quarter(published.scheme, 2)
    tables = reports.ranking_tables([published.run, second, published.run])
    book = load_workbook(io.BytesIO(ranking_workbook(tables)))
    titles = book.sheetnames
    assert len(titles) == 3 and len(set(titles)) == 3
    assert all(len(t) <= 31 for t in titles)


def test_sheet_names_are_valid():
    taken = set()
    assert sheet_name("a/b:c*d?[e]", taken) == "a_b_c_d__e_"
    long = "长" * 40
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) == len(second) == 31 and first != second


def test_grades_workbook_has_the_header_block(submitted):
    tables = reports.grade_tables([submitted.grading])
    sheet, = load_workbook(io.BytesIO(grades_workbook(tables))).worksheets
    texts = [sheet.cell(row=r, column=1).value for r in range(1, 8)]
    assert texts[0] == tables[0].title
    assert "“差”等次：不低于总人数的10%（至少 1 人）" in texts
    assert any(t and t.startswith("超出比例 1 人") for t in texts)
    assert any(t and "本县规定" in t for t in texts)
    header_row = texts.index("排名") + 1
    assert sheet.freeze_panes == f"A{header_row + 1}"
    reasons = [sheet.cell(row=r, column=6).value for r in range(header_row + 1, header_row + 5)]
    assert reasons.count("与末位同分") == 2


def test_workbook_opens_in_libreoffice(published, tmp_path, libreoffice):
    path = tmp_path / "排名.xlsx"
    path.write_bytes(ranking_workbook(reports.ranking_tables([published.run])))
    subprocess.run([libreoffice, "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    converted = (tmp_path / "排名.csv").read_text(encoding="utf-8", errors="replace")
    assert "陈农业" in converted


# ---------------------------------------------------------------- PDF


def test_ranking_pdf_embeds_the_font_and_text_extracts(published, tmp_path, poppler):
    tables = reports.ranking_tables([published.run])
    pdf = ranking_pdf(tables, generated_at=datetime.datetime(2025, 4, 20, 9, 30))
    fonts = pdf_tool(tmp_path, pdf, "pdffonts").splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "WenQuanYi" in line.split()[0], line
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = pdf_text(tmp_path, pdf)
    assert tables[0].title in text
    assert "生成时间：2025年4月20日09:30" in text
    assert "第1页共1页" in text
    for name in ("陈农业", "周一", "吴二", "郑三", "县农业农村局", "排名", "总分"):
        assert name in text
    info = pdf_tool(tmp_path, pdf, "pdfinfo")
    assert "841.89 x 595.2" in info  # A4 landscape


def test_long_ranking_pdf_repeats_the_header_on_every_page(published, tmp_path, poppler):
    table, = reports.ranking_tables([published.run])
    table.rows = [reports.RankingRow(rank=i, name=f"人员{i}", unit="县农业农村局",
                                     cells=[Decimal(1)] * len(table.columns),
                                     total=Decimal(i), vetoed=False) for i in range(1, 91)]
    pdf = ranking_pdf([table])
    pages = int(next(line.split()[-1] for line in pdf_tool(tmp_path, pdf, "pdfinfo").splitlines()
                     if line.startswith("Pages:")))
    assert pages >= 2
    text = pdf_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8")
    assert text.count("所在单位") == pages
    squeezed = "".join(text.split())
    assert f"第{pages}页共{pages}页" in squeezed and "人员90" in squeezed


def test_grades_pdf_shows_the_rules(submitted, tmp_path, poppler):
    pdf = grades_pdf(reports.grade_tables([submitted.grading]))
    text = pdf_text(tmp_path, pdf)
    for expected in ("不低于总人数的10%（至少1人）", "超出比例1人", "本县规定", "与末位同分",
                     "等次评定表"):
        assert expected in text


def test_several_cohorts_make_sections(published, tmp_path, poppler):
    second = score_quarter(published.scheme, 2)
    publish_run(second, actor=published.assessor)
    pdf = ranking_pdf(reports.ranking_tables([published.run, second]))
    text = pdf_text(tmp_path, pdf)
    assert "第1季度" in text and "第2季度" in text and "第2页共2页" in text


# ---------------------------------------------------------------- the export jobs


def test_export_job_builds_then_reuses_the_file_until_scores_change(published, leader, media,
                                                                    tree):
    body = published.body

    def export():
        job = start_export(RANKING_KIND, body, {"run": published.run.pk, "format": EXCEL},
                           actor=leader)
        return execute_job(job.pk)

    first = export()
    assert first.succeeded, first.error
    assert first.output.filename.endswith(".xlsx")
    assert first.output.capability == "assessment.view" and first.output.scope_org == body
    assert first.params["cache_key"].startswith("xlsx:")
    again = export()
    assert again.succeeded and again.output_id == first.output_id
    assert "沿用" in again.message
    # A renamed cadre (or any changed score) makes a new file.
    Person.objects.filter(name="周一").update(name="周一鸣")
    third = export()
    assert third.succeeded and third.output_id != first.output_id
    # A file gone from storage is rebuilt too.
    third.output.file.delete(save=False)
    fourth = export()
    assert fourth.succeeded and fourth.output_id != third.output_id


def test_grades_export_job_pdf(submitted, leader, media):
    job = start_export(GRADES_KIND, submitted.body,
                       {"grading": submitted.grading.pk, "format": PDF}, actor=leader)
    job = execute_job(job.pk)
    assert job.succeeded, job.error
    assert job.output.mimetype == "application/pdf"
    assert job.output.file.read(5) == b"%PDF-"
    assert "等次评定表" in job.title


def test_drafts_and_other_bodies_are_refused(assessed, leader, tree):
    with pytest.raises(ValueError, match="已发布"):
        start_export(RANKING_KIND, assessed.body, {"run": assessed.run.pk, "format": PDF},
                     actor=leader)
    with pytest.raises(ValueError):
        start_export(RANKING_KIND, tree.county, {"run": assessed.run.pk, "format": PDF},
                     actor=leader)
    with pytest.raises(ValueError):
        start_export(RANKING_KIND, assessed.body, {"run": "x", "format": PDF}, actor=leader)


def test_format_is_checked(published, leader):
    with pytest.raises(ValueError, match="格式"):
        start_export(RANKING_KIND, published.body, {"run": published.run.pk, "format": "doc"},
                     actor=leader)


def test_job_rechecks_the_owners_scope(published, leader, media):
    from django.core.exceptions import PermissionDenied

    job = start_export(RANKING_KIND, published.body, {"run": published.run.pk, "format": PDF},
                       actor=leader)
    leader.role_assignments.update(revoked_at=datetime.datetime(2025, 1, 1,
                                                                tzinfo=datetime.UTC))
    forget_roles(leader)
    job = execute_job(job.pk)
    assert job.failed and not job.output
    with pytest.raises(PermissionDenied):
        start_export(RANKING_KIND, published.body, {"run": published.run.pk, "format": PDF},
                     actor=leader)


# ---------------------------------------------------------------- the command


def test_command_writes_a_workbook_with_a_sheet_per_cohort(published, tmp_path):
    publish_run(score_quarter(published.scheme, 2), actor=published.assessor)
    out = tmp_path / "out" / "ranking.xlsx"
    stdout = io.StringIO()
    call_command("export_report", "ranking", "--year", str(YEAR), "--format", "xlsx",
                 "--out", str(out), stdout=stdout)
    assert "2 个考核对象组，8 行" in stdout.getvalue()
    assert len(load_workbook(out).worksheets) == 2
    call_command("export_report", "ranking", "--year", str(YEAR), "--quarter", "2",
                 "--scheme", str(published.scheme.pk), "--format", "xlsx", "--out", str(out),
                 stdout=io.StringIO())
    sheet, = load_workbook(out).worksheets
    assert "第2季度" in sheet["A1"].value


def test_command_writes_the_grades_pdf(submitted, tmp_path, poppler):
    out = tmp_path / "grades.pdf"
    call_command("export_report", "grades", "--year", str(YEAR), "--format", "pdf",
                 "--out", str(out), stdout=io.StringIO())
    assert "超出比例1人" in pdf_text(tmp_path, out.read_bytes())


def test_command_refuses_what_it_cannot_export(assessed, tmp_path):
    out = str(tmp_path / "x.pdf")
    with pytest.raises(CommandError, match="没有已发布的季度排名"):
        call_command("export_report", "ranking", "--year", str(YEAR), "--format", "pdf",
                     "--out", out)
    with pytest.raises(CommandError, match="没有已报送或已备案的年度等次"):
        call_command("export_report", "grades", "--year", str(YEAR), "--format", "pdf",
                     "--out", out)
    with pytest.raises(CommandError, match="--quarter"):
        call_command("export_report", "grades", "--year", str(YEAR), "--quarter", "1",
                     "--format", "pdf", "--out", out)
    with pytest.raises(CommandError, match="编号为 999999"):
        call_command("export_report", "ranking", "--year", str(YEAR), "--scheme", "999999",
                     "--format", "pdf", "--out", out)
