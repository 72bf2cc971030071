"""Home-page trend charts with their tables (issue 11 item 13).

One `ChartTable` feeds a chart's JSON (drawn by static/js/home-charts.js), the accessible
<table> under it (templates/portal/panels/_chart.html) and its Excel download, so the three
always show the same numbers. Apps build the tables in their own trend panels; portal knows no
app.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe

from portal import audit
from portal.models.audit import AuditAction
from portal.scope import scope_paths
from portal.spreadsheets import (
    XLSX_MIMETYPE,
    Column,
    new_workbook,
    sheet_caption,
    workbook_bytes,
    write_sheet,
)

MONTH_COLUMN = Column("月份", 12)
PERCENT_FORMAT = "0.0"  # shares as the page shows them: 50.0
MONTH_LABELS = [f"{month}月" for month in range(1, 13)]


@dataclass
class ChartTable:
    """A chart's numbers: `rows` hold one value per column (None where there is no figure yet,
    e.g. a month that has not begun); `chart` tells home-charts.js how to draw them."""

    key: str
    title: str
    columns: tuple
    rows: list = field(default_factory=list)
    chart: dict = field(default_factory=dict)
    row_header: int = 0  # the column that names a row (th scope="row")
    note: str = ""
    excel_url: str = ""

    @property
    def element_id(self):
        return f"chart-{self.key}"

    @property
    def data_id(self):
        return f"chart-{self.key}-data"

    @property
    def headers(self):
        return [column.header for column in self.columns]

    @property
    def body_html(self):
        """The table's <tbody> rows, built here rather than by nested template loops: a ranking
        of 250 townships (1,500 cells) took 30 ms of the home page through the template."""
        if not self.rows:
            return format_html('<tr><td colspan="{}" class="text-muted">暂无数据</td></tr>',
                               len(self.columns))
        return mark_safe("".join(
            "<tr>" + "".join(self._cell(index, value) for index, value in enumerate(row))
            + "</tr>\n          " for row in self.rows))

    def _cell(self, index, value):
        if index == self.row_header:
            return f'<th scope="row" class="fw-normal">{_text(value)}</th>'
        return f'<td class="text-end">{"—" if value is None else _text(value)}</td>'


def _text(value):
    """`value` as the template's {{ value }} shows it: localized, escaped (an int without
    thousand separators is its digits, and localize's settings lookups were most of the cost)."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


def month_label(year, month):
    return f"{year}年{month}月"


def percent(part, whole):
    """`part` of `whole` in percent with one decimal, or None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None


def chart_workbook(table, scope="", period="") -> bytes:
    """The table as an .xlsx file: a title row (what, scope, period, when), the note, then the
    same columns and rows as the page's table."""
    workbook = new_workbook()
    write_sheet(workbook, table.title[:31], table.columns, table.rows,
                caption=sheet_caption(table.title, scope, period),
                notes=[table.note] if table.note else ())
    return workbook_bytes(workbook)


def scope_label(user, capability):
    """The organizations whose subtrees `capability` covers for the user, by name ("全部" for
    a superuser): the scope in an Excel title row."""
    from portal.models import Organization

    paths = scope_paths(user, capability)
    if paths is None:
        return "全部"
    names = Organization.objects.filter(path__in=paths).order_by("path").values_list(
        "name", flat=True)
    return "、".join(names) or "无"


def chart_excel_response(request, table, capability, period_label):
    """The table as an .xlsx download with its title row; the export is audited."""
    content = chart_workbook(table, scope_label(request.user, capability), period_label)
    audit.record(AuditAction.EXPORT, f"导出{table.title}", actor=request.user,
                 chart=table.key, rows=len(table.rows))
    filename = f"{table.title}_{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(content, filename)


def xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX_MIMETYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
