"""Imports that update: the header row found under a title row, people matched by ID number and
orgs by code (new / changed / unchanged), organizations named by name or code, scope, preview."""

import io

import pytest
from openpyxl import Workbook

from portal.importers import ORG_COLUMNS, PERSON_COLUMNS, import_orgs, import_people
from portal.models import Person
from tests.factories import unique_id_number

ORG_HEADERS = [c.header for c in ORG_COLUMNS]
PERSON_HEADERS = [c.header for c in PERSON_COLUMNS]


def workbook_file(rows, name="upload.xlsx"):
    """An .xlsx whose first sheet holds `rows` as given (title rows, blank rows, header...)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def titled_file(headers, data, *, title_rows=(("人员名册 · 示范县 · 2026年11月28日生成",),)):
    """A file as exports write it: a title row (merged across the columns) above the header."""
    workbook = Workbook()
    sheet = workbook.active
    for row in title_rows:
        sheet.append(list(row))
    if title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in data:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "titled.xlsx"
    return buffer


def person_row(name="张三", id_number=None, org="V0001", phone="13800001111", **flags):
    return [name, flags.get("gender", "男"), id_number or unique_id_number(), phone, org,
            flags.get("position", "党员"), flags.get("member", "是"), flags.get("talent", "否"),
            flags.get("cadre", "否"), flags.get("active", "是")]


def error_cells(report):
    return {(e.row, e.column) for e in report.errors}


# --- the header row under a title ---------------------------------------------------------------


@pytest.mark.parametrize("title_rows", [
    (),
    (("人员名册 · 示范县 · 2026年11月28日生成",),),
    (("人员名册",), ("范围：示范县", None, "生成时间：2026-11-28"), ()),
])
def test_file_with_title_rows_imports_like_one_without(tree, county_admin, title_rows):
    rows = [person_row("甲", org="V0001"), person_row("乙", org="V0003")]
    report = import_people(titled_file(PERSON_HEADERS, rows, title_rows=title_rows),
                           actor=county_admin, commit=True)
    assert report.ok and report.committed and report.created == 2
    assert set(Person.objects.values_list("name", "home_org__code")) == {("甲", "V0001"),
                                                                         ("乙", "V0003")}


def test_row_numbers_under_a_title_stay_excel_row_numbers(tree, county_admin):
    # Title in row 1, header in row 2: the data rows are Excel rows 3, 4 and 5.
    rows = [person_row("甲"), person_row("乙", phone="12345"), person_row("丙", org="NOPE")]
    report = import_people(titled_file(PERSON_HEADERS, rows), actor=county_admin)
    assert error_cells(report) == {(4, "联系电话"), (5, "所在组织编码")}


def test_missing_column_under_a_title_is_reported_on_the_header_row(tree, county_admin):
    # Even the first column may be the missing one: the header is recognised by the others.
    headers = [h for h in ORG_HEADERS if h != "组织编码"]
    report = import_orgs(titled_file(headers, [["新镇", "C0001", "乡镇（街道）"]]),
                         actor=county_admin)
    assert error_cells(report) == {(2, "组织编码")}


def test_no_header_in_the_first_rows_is_a_chinese_error(tree, county_admin):
    rows = [("标题",)] * 5 + [PERSON_HEADERS, person_row()]
    report = import_people(workbook_file(rows), actor=county_admin)
    assert not report.ok and report.total == 0
    assert "未找到表头" in report.errors[0].message
