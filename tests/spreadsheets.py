"""Test helpers: an in-memory .xlsx as users upload them; page 1 of an export printed by
LibreOffice."""

import io
import shutil
import subprocess
from pathlib import Path

from openpyxl import Workbook

from tests.conftest import need_service


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


def first_pdf_page_text(content: bytes, workdir, office: str) -> str:
    """The text of page 1 of the PDF LibreOffice prints from the .xlsx `content`, line by
    printed line (`-layout`: a wrapped cell shows as broken text).

    Each call uses its own LibreOffice profile under `workdir` (parallel runs would otherwise
    share ~/.config/libreoffice and block each other)."""
    need_service(shutil.which("pdftotext") is not None,
                 "poppler-utils (pdftotext) is not installed")
    workdir = Path(workdir)
    source = workdir / "export.xlsx"
    source.write_bytes(content)
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{workdir}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(workdir), str(source)],
                   check=True, capture_output=True, timeout=180)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-f", "1", "-l", "1",
                           str(workdir / "export.pdf"), "-"],
                          check=True, capture_output=True, timeout=60).stdout.decode("utf-8")
