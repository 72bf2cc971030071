"""Print-ready Excel (issue 11, item 5): the layout every export gets from
portal.spreadsheets.write_sheet, and each exporter's file converted by LibreOffice."""

import datetime
import io

from openpyxl import load_workbook
from openpyxl.styles import Border

from portal.spreadsheets import Column, new_workbook, sheet_caption, text_width, workbook_bytes
from portal.spreadsheets import write_sheet as write_sheet_


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
