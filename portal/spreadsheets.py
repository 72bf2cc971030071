"""Excel helpers shared by every importer and exporter.

One rule for formula injection: text written to a sheet that starts with = + - @ (or a tab or
carriage return) gets one leading apostrophe, so Excel and openpyxl store it as text, never as
a formula. On import `unescape_cell` removes exactly that apostrophe again, and only when what
follows it starts with one of those characters, so an exported file re-imports unchanged.
"""

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
# Data validations in templates cover this many rows below the header.
TEMPLATE_ROWS = 20000

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="C0392B")
_REQUIRED_FILL = PatternFill("solid", fgColor="8E1B10")


def safe_cell(value):
    """The value to write: text that Excel would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return ESCAPE + value
    return value


def unescape_cell(value):
    """Undo `safe_cell`: strip one leading apostrophe only when a formula trigger follows."""
    if (isinstance(value, str) and len(value) > 1 and value[0] == ESCAPE
            and value[1:].startswith(FORMULA_TRIGGERS)):
        return value[1:]
    return value


@dataclass(frozen=True)
class Column:
    """One column of an import/export format: its Chinese header and how it is laid out."""

    header: str
    width: int = 14
    required: bool = False
    choices: tuple[str, ...] = field(default=())  # offered as a drop-down in templates
    text: bool = False  # digits kept as text (ID numbers, phones, codes)
    note: str = ""


class UnreadableWorkbook(Exception):
    """The upload is not an .xlsx file openpyxl can read; the message is for the user."""


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def write_sheet(workbook: Workbook, title: str, columns: Sequence[Column],
                rows: Iterable[Sequence]) -> int:
    """Stream `rows` into a new sheet of a write-only workbook: bold frozen header, autofilter,
    column widths, formula-safe text. Returns the number of data rows written."""
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return count


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(title: str, columns: Sequence[Column], examples: Sequence[Sequence] = (),
                      notes: Sequence[str] = ()) -> bytes:
    """An import template: header row, drop-down lists for columns with choices, text format
    for digit columns, optional example rows and a second sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append([column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        header = sheet.cell(row=1, column=index)
        header.font = _HEADER_FONT
        header.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        header.alignment = Alignment(horizontal="center")
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"',
                allow_blank=not column.required, showErrorMessage=True,
                errorTitle="输入无效", error=f"请从下拉列表中选择“{column.header}”。")
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    for row in examples:
        sheet.append([safe_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 80
    guide.append(["列", "说明"])
    for column in columns:
        guide.append([column.header, ("必填。" if column.required else "选填。") + column.note])
    for line in notes:
        guide.append(["", line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_rows(fileobj):
    """(workbook, row iterator) of the first sheet, opened read-only; the caller closes the
    workbook. Raises UnreadableWorkbook with a Chinese message for anything that is not a
    readable .xlsx file."""
    try:
        fileobj.seek(0)
        if not zipfile.is_zipfile(fileobj):
            raise UnreadableWorkbook(
                "文件不是 .xlsx 格式的 Excel 文件，请使用下载的模板填写后上传。")
        fileobj.seek(0)
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        return workbook, sheet.iter_rows(values_only=True)
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableWorkbook("文件已损坏或不是有效的 .xlsx 文件，无法读取。") from exc
