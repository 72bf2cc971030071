"""Exporters of the pairing app: 《“双结对双帮扶”工作台账》 and 结对共建统计.

The ledger is a village's cadre–household pairings and their visits of one year, exported to
Excel as a background job.

One row per visit; a pairing without visits that year still gets a row. The pairing's own
columns are merged down over its visit rows, the way the paper ledger is kept. Only pairings
the job's owner may see with `aid.view` are written (the job re-checks that capability).
"""

import datetime

from django import forms
from django.db.models import Prefetch
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pairing.forms.pairings import StatisticsForm
from pairing.models import AidPairing, AidVisit
from pairing.statistics import STATISTICS_CAPABILITY, pairing_statistics, statistics_workbook
from portal.charts import scope_label
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.spreadsheets import (
    LINE_HEIGHT,
    PAPER_A4,
    XLSX_MIMETYPE,
    Column,
    column_widths,
    safe_cell,
    sheet_caption,
    workbook_bytes,
    wrapped_lines,
)

LEDGER_KIND = "aid_ledger"
LEDGER_COLUMNS = (
    ("序号", 6), ("帮扶干部", 10), ("所在单位", 20), ("联系电话", 14),
    ("帮扶对象（户主）", 14), ("家庭人口", 8), ("困难类型", 10), ("帮扶计划", 36),
    ("走访日期", 12), ("帮扶内容", 44),
)
# Columns 1..PAIRING_COLUMNS describe the pairing; the rest describe one visit.
PAIRING_COLUMNS = 8
DATE_FORMAT = "yyyy-mm-dd"
FIRST_YEAR = 2000

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(bold=True, size=16)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TEXT = Alignment(vertical="center", wrap_text=True)


def ledger_title(village, year):
    return f"{village.name}“双结对双帮扶”工作台账（{year}年）"


def ledger_filename(village, year):
    return f"{village.name}双结对双帮扶工作台账_{year}.xlsx"


def ledger_entries(owner, village, year):
    """[(aid pairing, visits of `year`)] in the village that the owner may see: pairings that
    had started by the year's end and were still active or visited during the year."""
    visits = AidVisit.objects.filter(date__year=year).order_by("date", "id")
    pairings = (AidPairing.objects.visible_to(owner)
                .filter(household__village_org=village, since__lte=datetime.date(year, 12, 31))
                .select_related("cadre__home_org", "household")
                .prefetch_related(Prefetch("visits", queryset=visits, to_attr="year_visits"))
                .order_by("household__head_name", "household_id", "cadre__name", "pk"))
    return [(p, p.year_visits) for p in pairings if p.is_active or p.year_visits]


def _ledger_rows(entries):
    """[(pairing values, [(visit date, content)])] of the ledger's entries."""
    for number, (aid_pairing, visits) in enumerate(entries, start=1):
        cadre, household = aid_pairing.cadre, aid_pairing.household
        pairing_values = (number, cadre.name, cadre.home_org.name, cadre.phone,
                          household.head_name, household.members,
                          household.get_difficulty_display(), aid_pairing.plan)
        yield pairing_values, [(v.date, v.content) for v in visits] or [(None, "")]


def ledger_workbook(entries, title) -> Workbook:
    """The ledger: a title row with the generation time, the header (frozen, filtered, printed
    on every page), one bordered row per visit with the pairing's cells merged down over its
    visits, widths fitted to the text and rows as tall as their wrapped text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "工作台账"
    width = len(LEDGER_COLUMNS)
    rows = list(_ledger_rows(entries))
    columns = [Column(header, column_width) for header, column_width in LEDGER_COLUMNS]
    widths = column_widths(columns, [pairing_values + visit for pairing_values, visits in rows
                                     for visit in visits])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    title_cell = sheet.cell(row=1, column=1, value=safe_cell(sheet_caption(title)))
    title_cell.font, title_cell.alignment = _TITLE_FONT, _CENTER
    sheet.row_dimensions[1].height = 32
    for index, (header, _) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[index - 1]
        cell = sheet.cell(row=2, column=index, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = (_HEADER_FONT, _HEADER_FILL,
                                                             _CENTER, _BORDER)
    sheet.freeze_panes = "A3"
    row = 3
    for pairing_values, visit_values in rows:
        for offset, (date, content) in enumerate(visit_values):
            values = (pairing_values if offset == 0 else (None,) * PAIRING_COLUMNS) + (date,
                                                                                      content)
            lines = wrapped_lines(values, widths)
            if lines > 1:
                sheet.row_dimensions[row + offset].height = LINE_HEIGHT * lines
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row + offset, column=column, value=safe_cell(value))
                cell.border = _BORDER
                cell.alignment = _TEXT if isinstance(value, str) else _CENTER
                if isinstance(value, datetime.date):
                    cell.number_format = DATE_FORMAT
        if len(visit_values) > 1:
            for column in range(1, PAIRING_COLUMNS + 1):
                sheet.merge_cells(start_row=row, start_column=column,
                                  end_row=row + len(visit_values) - 1, end_column=column)
        # The merged pairing cells span the visit rows: the last one grows if they need more.
        short = (wrapped_lines(pairing_values, widths) * LINE_HEIGHT
                 - sum(sheet.row_dimensions[r].height or LINE_HEIGHT
                       for r in range(row, row + len(visit_values))))
        if short > 0:
            last = row + len(visit_values) - 1
            sheet.row_dimensions[last].height = (sheet.row_dimensions[last].height
                                                 or LINE_HEIGHT) + short
        row += len(visit_values)
    sheet.auto_filter.ref = f"A2:{get_column_letter(width)}{max(row - 1, 2)}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", PAPER_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    return workbook


class AidLedgerForm(forms.Form):
    """The year of a village's ledger; the village comes from the page it is started on."""

    year = forms.TypedChoiceField(label="年度", coerce=int)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, f"{y}年") for y in range(this_year, FIRST_YEAR - 1,
                                                                    -1)]
        self.fields["year"].initial = this_year


@register_exporter
class AidLedgerExporter(Exporter):
    """The village's ledger of a year; the download needs `aid.view` on the village."""

    identifier = LEDGER_KIND
    verbose_name = "双结对双帮扶工作台账"
    capability = "aid.view"
    form_class = AidLedgerForm

    def clean_params(self, scope_org, params):
        return {"year": int(params["year"])}

    def job_title(self, scope_org, params):
        return f"{scope_org.name}双结对双帮扶工作台账（{params['year']}年）"

    def audit_summary(self, scope_org, params):
        return f"导出双结对双帮扶工作台账（{scope_org.name}，{params['year']}年）"

    def render(self, job, report):
        year = int(job.params["year"])
        village = job.scope_org
        entries = ledger_entries(job.owner, village, year)
        report(50, f"共 {len(entries)} 对结对帮扶")
        workbook = ledger_workbook(entries, ledger_title(village, year))
        return ExportFile(ledger_filename(village, year), XLSX_MIMETYPE,
                          workbook_bytes(workbook))


class StatisticsExportForm(StatisticsForm):
    """结对共建统计's year; the figures cover the user's whole statistics scope."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


@register_exporter
class StatisticsExporter(Exporter):
    """结对共建统计 of a year as Excel: the same data function as the page."""

    identifier = "pairing_statistics"
    verbose_name = "结对共建统计"
    capability = STATISTICS_CAPABILITY
    form_class = StatisticsExportForm

    def clean_params(self, scope_org, params):
        return {"year": int(params["year"])}

    def job_title(self, scope_org, params):
        return f"{params['year']}年结对共建统计"

    def audit_summary(self, scope_org, params):
        return f"导出{params['year']}年结对共建统计（{scope_org.name}）"

    def render(self, job, report):
        year = int(job.params["year"])
        report(10, "正在统计")
        content = statistics_workbook(pairing_statistics(job.owner, year),
                                      scope_label(job.owner, STATISTICS_CAPABILITY))
        return ExportFile(f"结对共建统计_{year}年.xlsx", XLSX_MIMETYPE, content)
