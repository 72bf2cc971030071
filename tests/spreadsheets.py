"""Test helper: an in-memory .xlsx with a header row and data rows, as users upload them."""

import io

from openpyxl import Workbook


def xlsx_file(headers, rows) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer
