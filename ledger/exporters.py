"""《XX村2026年10月城乡党建统筹共建活动台账》: one organization's activities of a month or a
year, exported as Excel or PDF in the layout of the paper ledger, as a background job.

One data function (`ledger_data`) feeds both formats, so the two always list the same
activities and the same totals. Activities are read in chunks (`iterator(chunk_size=...)`,
participants and evidence prefetched per chunk), so a busy organization's year stays within
bounded memory; the Excel sheet is written row by row into a write-only workbook.
"""

import base64
import datetime
import io
import logging
import mimetypes
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from ledger.models import Activity, EvidenceKind, Participation
from ledger.periods import month_range
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.models.orgs import OrgKind
from portal.pdf import html_to_pdf, render_print_html
from portal.spreadsheets import PAPER_A4, XLSX_MIMETYPE, new_workbook, safe_cell, workbook_bytes

log = logging.getLogger(__name__)

EXPORT_KIND = "ledger_export"
EXPORT_CAPABILITY = "ledger.export"
EXCEL, PDF = "xlsx", "pdf"
FORMATS = ((EXCEL, "Excel 表格"), (PDF, "PDF 文档（含照片）"))
PDF_MIMETYPE = "application/pdf"

# Activities read per query; participants and evidence are prefetched for each chunk.
CHUNK_SIZE = 100
# Thumbnails printed per activity in the PDF; the rest are counted, not printed.
PDF_PHOTOS_PER_ACTIVITY = 4
# WeasyPrint takes about 0.1 s a page (one page per activity with photos: 300 activities took
# 30 s), so a PDF is refused above this size; memory is bounded by rendering a month at a time.
PDF_MAX_ACTIVITIES = 400

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
MONEY_FORMAT = '"¥"#,##0.00'
COUNT_FORMATS = {"people": '0"人"', "activities": '0"项活动"', "times": '0"人次参与"'}

# Four columns: label | value | label | value; a long value spans columns B to D.
COLUMN_WIDTHS = (16, 34, 14, 30)
LINE_HEIGHT = 15  # points per printed line of 11-pt text
# Roughly how many Chinese characters fit on one line of a value spanning B:D, or of B alone.
WIDE_CHARS, NARROW_CHARS = 38, 16

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(bold=True, size=16)
_BOLD = Font(bold=True)
_LABEL_FILL = PatternFill("solid", fgColor="F2DCDB")
_HEAD_FILL = PatternFill("solid", fgColor="E6B8B7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TEXT = Alignment(horizontal="left", vertical="top", wrap_text=True)
_NUMBER = Alignment(horizontal="left", vertical="center")


@dataclass(frozen=True)
class LedgerPeriod:
    """A month of a year, or the whole year when `month` is None."""

    year: int
    month: int | None = None

    @property
    def label(self):
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"

    def filter(self, activities):
        if self.month:
            first, next_first = month_range(self.year, self.month)
        else:
            first, next_first = datetime.date(self.year, 1, 1), datetime.date(self.year + 1, 1, 1)
        return activities.filter(date__gte=first, date__lt=next_first)


@dataclass
class LedgerEntry:
    """One activity as the paper ledger prints it."""

    number: int
    date: datetime.date
    theme: str
    title: str
    place: str
    participants: list  # [(name, hours)]
    content: str
    outcome: str
    beneficiaries: int
    funds: Decimal
    photos: int
    files: int
    status: str
    thumbnails: list = field(default_factory=list)  # [thumbnail FieldFile] of the photos

    @property
    def participants_text(self):
        if not self.participants:
            return "无"
        return "、".join(f"{name}（{_hours(hours)}小时）" for name, hours in self.participants)

    @property
    def evidence_text(self):
        parts = [f"照片{self.photos}张"] if self.photos else []
        parts += [f"文件{self.files}份"] if self.files else []
        return "、".join(parts) or "无"


@dataclass(frozen=True)
class LedgerSummary:
    activities: int
    participations: int
    people: int
    hours: Decimal
    beneficiaries: int
    funds: Decimal


@dataclass
class LedgerData:
    org: object
    period: LedgerPeriod
    include_drafts: bool
    summary: LedgerSummary
    activities: object  # the queryset the entries are read from

    @property
    def title(self):
        return f"《{self.org.name}{self.period.label}城乡党建统筹共建活动台账》"

    @property
    def scope_note(self):
        statuses = "全部条目（含草稿、已退回）" if self.include_drafts else "已提交、已确认的条目"
        return f"收录范围：{statuses}"

    def entries(self, progress=None) -> Iterator[LedgerEntry]:
        """The activities in date order, read CHUNK_SIZE at a time; `progress(done)` is called
        after each chunk."""
        participations = (Participation.objects.select_related("person")
                          .only("activity", "hours", "person__name")
                          .order_by("id"))
        rows = (self.activities.select_related("theme")
                .prefetch_related(Prefetch("participations", queryset=participations),
                                  "evidence")
                .order_by("date", "id").iterator(chunk_size=CHUNK_SIZE))
        for number, activity in enumerate(rows, start=1):
            evidence = list(activity.evidence.all())
            photos = [e for e in evidence if e.kind == EvidenceKind.PHOTO]
            yield LedgerEntry(
                number=number, date=activity.date, theme=activity.theme.name,
                title=activity.title, place=activity.place,
                participants=[(p.person.name, p.hours) for p in activity.participations.all()],
                content=activity.content, outcome=activity.outcome,
                beneficiaries=activity.beneficiaries, funds=activity.funds,
                photos=len(photos), files=len(evidence) - len(photos),
                status=activity.get_status_display(),
                thumbnails=[e.thumbnail for e in photos if e.thumbnail])
            if progress is not None and number % CHUNK_SIZE == 0:
                progress(number)


def _hours(value):
    """2 → "2", 1.50 → "1.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ledger_data(owner, org, period: LedgerPeriod, include_drafts=False) -> LedgerData:
    """The ledger of `org` for `period` as `owner` may export it: the entries and their totals
    come from the same queryset."""
    activities = period.filter(Activity.objects.visible_to(owner, EXPORT_CAPABILITY)
                               .filter(org=org))
    if not include_drafts:
        activities = activities.counted()
    figures = activities.aggregate(count=Count("id"), funds=Sum("funds"),
                                   beneficiaries=Sum("beneficiaries"))
    people = Participation.objects.filter(activity__in=activities.values("pk")).aggregate(
        times=Count("id"), people=Count("person", distinct=True), hours=Sum("hours"))
    summary = LedgerSummary(
        activities=figures["count"], participations=people["times"], people=people["people"],
        hours=people["hours"] or Decimal("0"), beneficiaries=figures["beneficiaries"] or 0,
        funds=figures["funds"] or Decimal("0"))
    return LedgerData(org=org, period=period, include_drafts=include_drafts, summary=summary,
                      activities=activities)


def pdf_too_large(count):
    return (f"该期间共有{count}项活动，PDF 最多收录{PDF_MAX_ACTIVITIES}项，"
            f"请按月导出 PDF，或选择 Excel 格式。")


def ledger_filename(org, period, fmt):
    return f"{org.name}{period.label}活动台账.{fmt}"


# ---------------------------------------------------------------- Excel


class _SheetWriter:
    """Appends styled rows to a write-only sheet, recording merges and row heights."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.row = 0

    def cell(self, value, *, style=_TEXT, font=None, fill=None, number_format=None,
             border=True):
        cell = WriteOnlyCell(self.sheet, value=safe_cell(value))
        cell.alignment = style
        if border:
            cell.border = _BORDER
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format is not None:
            cell.number_format = number_format
        return cell

    def label(self, text):
        return self.cell(text, style=_CENTER, font=_BOLD, fill=_LABEL_FILL)

    def append(self, cells, *, merge_from=None, lines=1):
        """Write one row; `merge_from` merges that column through the last one."""
        self.row += 1
        self.sheet.row_dimensions[self.row].height = max(lines, 1) * LINE_HEIGHT + 4
        while len(cells) < len(COLUMN_WIDTHS):
            cells.append(self.cell(None))
        self.sheet.append(cells)
        if merge_from is not None:
            self.merge(merge_from)

    def merge(self, first_column):
        self.sheet.merged_cells.add(CellRange(min_col=first_column, min_row=self.row,
                                              max_col=len(COLUMN_WIDTHS), max_row=self.row))

    def wide(self, label, text):
        """A row whose value spans columns B to D."""
        self.append([self.label(label), self.cell(text or "—")], merge_from=2,
                    lines=_lines(text, WIDE_CHARS))


def _lines(text, per_line):
    """Printed lines of `text` in a cell about `per_line` characters wide."""
    if not text:
        return 1
    return sum(max(1, -(-len(line) // per_line)) for line in str(text).splitlines()) or 1


def _write_entry(writer, entry: LedgerEntry):
    writer.append([writer.cell(f"第{entry.number}项活动", style=_CENTER, font=_BOLD,
                               fill=_HEAD_FILL)], merge_from=1)
    writer.append([writer.label("活动日期"),
                   writer.cell(entry.date, style=_NUMBER, number_format=DATE_FORMAT),
                   writer.label("活动主题"), writer.cell(entry.theme)],
                  lines=_lines(entry.theme, NARROW_CHARS))
    writer.wide("活动名称", entry.title)
    writer.wide("活动地点", entry.place)
    writer.wide("参与人员（姓名、时长）", entry.participants_text)
    writer.wide("活动内容", entry.content)
    writer.wide("活动成效", entry.outcome)
    writer.append([writer.label("受益群众"),
                   writer.cell(entry.beneficiaries, style=_NUMBER,
                               number_format=COUNT_FORMATS["people"]),
                   writer.label("投入资金"),
                   writer.cell(entry.funds, style=_NUMBER, number_format=MONEY_FORMAT)])
    writer.append([writer.label("佐证材料（数量）"), writer.cell(entry.evidence_text),
                   writer.label("状态"), writer.cell(entry.status, style=_CENTER)])
    writer.append([writer.cell(None, border=False)])  # a blank line between blocks


def ledger_workbook(data: LedgerData, progress=None) -> bytes:
    """The ledger as an .xlsx file: a title, one bordered block per activity, a total row."""
    workbook = new_workbook()
    sheet = workbook.create_sheet("活动台账")
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Portrait, unlike the table exports: four columns laid out as the paper ledger's form.
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "portrait", PAPER_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    writer = _SheetWriter(sheet)
    writer.append([writer.cell(data.title, style=_CENTER, font=_TITLE_FONT, border=False)],
                  merge_from=1, lines=2)
    writer.append([writer.cell(f"{data.scope_note}　导出时间："
                               f"{timezone.localtime():%Y-%m-%d %H:%M}", style=_CENTER,
                               border=False)], merge_from=1)
    count = 0
    for entry in data.entries(progress):
        _write_entry(writer, entry)
        count += 1
    if not count:
        writer.append([writer.cell("本期没有活动记录。", style=_CENTER)], merge_from=1)
    total = data.summary
    writer.append([writer.label("合计"),
                   writer.cell(total.activities, style=_NUMBER, font=_BOLD,
                               number_format=COUNT_FORMATS["activities"]),
                   writer.cell(total.participations, style=_NUMBER, font=_BOLD,
                               number_format=COUNT_FORMATS["times"]),
                   writer.cell(total.funds, style=_NUMBER, font=_BOLD,
                               number_format=MONEY_FORMAT)])
    writer.append([writer.cell(
        f"共{total.activities}项活动，参与{total.participations}人次（{total.people}人），"
        f"累计{_hours(total.hours)}小时，受益群众{total.beneficiaries}人，"
        f"投入资金¥{total.funds:,.2f}。", border=False)], merge_from=1)
    return workbook_bytes(workbook)


# ---------------------------------------------------------------- PDF


def _data_uri(thumbnail):
    """The thumbnail as a data: URI (the PDF renderer fetches nothing), or None if unreadable."""
    try:
        with thumbnail.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        log.warning("thumbnail %s is missing; left out of the ledger PDF", thumbnail.name)
        return None
    mimetype = mimetypes.guess_type(thumbnail.name)[0] or "image/jpeg"
    return f"data:{mimetype};base64,{base64.b64encode(content).decode('ascii')}"


def _printed(entry: LedgerEntry):
    images = [uri for uri in map(_data_uri, entry.thumbnails[:PDF_PHOTOS_PER_ACTIVITY]) if uri]
    return entry, images, max(entry.photos - len(images), 0)


def ledger_pdf(data: LedgerData, report=None) -> bytes:
    """The ledger as a PDF: a bordered table per activity with its photos, the totals and the
    signature lines.

    WeasyPrint holds a whole document's layout in memory, so each month is rendered on its own
    into a temporary file (only that month's activities and photos are in memory), the months
    are merged with pypdf, and the page numbers (第 n 页 / 共 N 页) are stamped on afterwards
    from a PDF of blank numbered pages. `report(percent, message)` is told after each month."""
    if data.summary.activities > PDF_MAX_ACTIVITIES:
        raise ValueError(pdf_too_large(data.summary.activities))
    context = {"data": data, "summary": data.summary, "total_hours": _hours(data.summary.hours),
               "is_village": data.org.kind == OrgKind.VILLAGE,
               "exported_at": timezone.localtime(), "unnumbered": True}
    months = 1 if data.period.month else 12
    with tempfile.TemporaryDirectory(prefix="ledger-pdf-") as folder:
        parts = []
        # Each month's entries are read as the previous month is rendered, so whether a month
        # is the last one (it carries the totals and signatures) is known without a count.
        groups = ((month, list(entries)) for month, entries
                  in groupby(data.entries(), key=lambda entry: entry.date.month))
        current = next(groups, None)
        while True:
            following = next(groups, None) if current else None
            entries = [_printed(entry) for entry in current[1]] if current else []
            html = render_print_html("pdf/ledger.html", {
                **context, "entries": entries, "continued": bool(parts),
                "to_be_continued": following is not None})
            part = Path(folder) / f"part-{len(parts):02d}.pdf"
            part.write_bytes(html_to_pdf(html))
            parts.append(part)
            del entries, html
            if report is not None and current:
                month, rows = current
                done = month if not data.period.month else 1
                report(5 + 85 * done // months,
                       f"已排版 {data.period.year}年{month}月（{len(rows)} 项活动）")
            if following is None:
                break
            current = following
        if report is not None:
            report(92, "正在合并 PDF")
        return _merge_numbered(parts, data.title)


def _merge_numbered(parts, title) -> bytes:
    """The parts' pages in order in one PDF, each stamped with 第 n 页 / 共 N 页."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    total = len(writer.pages)
    numbers = PdfReader(io.BytesIO(html_to_pdf(render_print_html(
        "pdf/ledger_page_numbers.html", {"pages": range(total)}))))
    for page, stamp in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(stamp)
    writer.add_metadata({"/Title": title})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# ---------------------------------------------------------------- the job


def ledger_params(period: LedgerPeriod, fmt, include_drafts) -> dict:
    """start_export's parameters of a ledger export."""
    return {"year": period.year, "month": period.month, "format": fmt,
            "include_drafts": bool(include_drafts)}


def _period(params) -> LedgerPeriod:
    return LedgerPeriod(int(params["year"]), int(params["month"]) if params.get("month")
                        else None)


def _format_label(fmt):
    return dict(FORMATS)[fmt].split("（")[0]


@register_exporter
class LedgerExporter(Exporter):
    """An organization's ledger of a month or a year as Excel or PDF; the file is
    downloadable with ledger.export."""

    identifier = EXPORT_KIND
    verbose_name = "活动台账"
    capability = EXPORT_CAPABILITY

    @property
    def form_class(self):
        from ledger.forms.exports import LedgerExportForm  # that module imports this one

        return LedgerExportForm

    def clean_params(self, scope_org, params):
        fmt = params.get("format", EXCEL)
        if fmt not in dict(FORMATS):
            raise ValueError(f"不支持的导出格式：{fmt}")
        return ledger_params(_period(params), fmt, params.get("include_drafts"))

    def job_title(self, scope_org, params):
        return (f"{scope_org.name}{_period(params).label}活动台账"
                f"（{_format_label(params['format'])}）")

    def audit_summary(self, scope_org, params):
        return (f"导出活动台账（{scope_org.name}，{_period(params).label}，"
                f"{_format_label(params['format'])}）")

    def render(self, job, report):
        params = job.params
        period = _period(params)
        fmt = params.get("format", EXCEL)
        data = ledger_data(job.owner, job.scope_org, period, bool(params.get("include_drafts")))
        total = data.summary.activities
        report(5, f"共 {total} 项活动，正在读取")
        # Excel: reading the activities takes 5–85 %, saving the workbook the rest.
        read_share = 80

        def progress(done):
            report(5 + read_share * done / max(total, 1), f"已处理 {done}/{total} 项活动")

        if fmt == PDF:  # reported month by month
            content, mimetype = ledger_pdf(data, report), PDF_MIMETYPE
        else:
            content, mimetype = ledger_workbook(data, progress), XLSX_MIMETYPE
        return ExportFile(ledger_filename(job.scope_org, period, fmt), mimetype, content)
