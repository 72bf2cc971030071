"""The ranking reports as files: the quarterly ranking of a cohort and the annual grading table
for filing, each as PDF (A4 landscape, title, date, "第 X 页 共 Y 页", embedded CJK font, the table
header repeated on every page) or Excel (a sheet per cohort: title row, frozen header, filters,
landscape print set-up fitted to the page width). The rows come from assessment/reports.py, so
the two formats always agree.

Exported as background jobs (`assessment_ranking` with params {run, format},
`assessment_grades` with {grading, format}); the scope org is the scheme's assessing body, the
capability `assessment.view` — what a leader (county), an assessor (their body) and the county
admin hold there. Only a published quarter and a submitted or filed grading are exported.

Cached as generated files: the job's params get the report's fingerprint (a hash of every
printed figure, name and rule: `reports.fingerprint`, plus the format). When an earlier job of
the same exporter and scope already produced a file for the same fingerprint, and the file is
still in storage, that GeneratedFile is handed back instead of rendering again. A re-score, an
accepted appeal, a grade changed after filing or a renamed person changes the fingerprint, so
the next download is built afresh.
"""

from django import forms
from django.utils import timezone

from assessment import reports
from assessment.models import Grading, ScoringRun
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.models import Job
from portal.models.jobs import JobStatus
from portal.pdf import render_pdf
from portal.spreadsheets import XLSX_MIMETYPE, Column, new_workbook, workbook_bytes, write_sheet

RANKING_KIND = "assessment_ranking"
GRADES_KIND = "assessment_grades"
CAPABILITY = "assessment.view"
PDF, EXCEL = "pdf", "xlsx"
FORMATS = ((PDF, "PDF"), (EXCEL, "Excel"))
PDF_MIMETYPE = "application/pdf"
MIMETYPES = {PDF: PDF_MIMETYPE, EXCEL: XLSX_MIMETYPE}

# A4 landscape less the page margins, in millimetres.
PRINT_WIDTH_MM = 297 - 2 * 12
RANK_MM, NAME_MM, UNIT_MM, TOTAL_MM = 12, 24, 46, 18


class ReportFormatForm(forms.Form):
    """The one choice a ranking download leaves: the format."""

    format = forms.ChoiceField(label="格式", choices=FORMATS, initial=PDF, error_messages={
        "required": "请选择下载格式（PDF 或 Excel）。",
        "invalid_choice": "请选择下载格式（PDF 或 Excel）。"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


# ---------------------------------------------------------------- PDF


def _widths(table, fixed_after):
    """Column widths (mm): rank, name, [unit], the rest shared by the columns in between,
    `fixed_after` (mm each) at the end."""
    head = [RANK_MM, NAME_MM] + ([UNIT_MM] if table.unit_header else [])
    middle = len(table.headers()) - len(head) - len(fixed_after)
    left = PRINT_WIDTH_MM - sum(head) - sum(fixed_after)
    return head + [round(left / max(middle, 1), 1)] * middle + list(fixed_after)


def ranking_pdf(tables, *, generated_at=None) -> bytes:
    """The rankings as one PDF, a section (new page) per cohort."""
    sections = [(table, _widths(table, [TOTAL_MM])) for table in tables]
    return render_pdf("pdf/assessment_ranking.html", {
        "sections": sections, "generated_at": generated_at or timezone.localtime(),
        "title": tables[0].title if len(tables) == 1 else "季度考核排名表"})


def grades_pdf(tables, *, generated_at=None) -> bytes:
    """The annual grading tables as one PDF, a section (new page) per cohort."""
    sections = [(table, _widths(table, [22, 16, 40])) for table in tables]
    return render_pdf("pdf/assessment_grades.html", {
        "sections": sections, "generated_at": generated_at or timezone.localtime(),
        "title": tables[0].title if len(tables) == 1 else "年度考核等次评定表"})


# ---------------------------------------------------------------- Excel

POINTS_FORMAT = "0.00"
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_name(wanted, taken):
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = wanted.translate(SHEET_NAME_FORBIDDEN).strip("'") or "Sheet"
    name, number = base[:SHEET_NAME_MAX], 1
    while name in taken:
        number += 1
        suffix = f"（{number}）"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(name)
    return name


def write_report_sheet(workbook, name, *, title, info_lines, headers, widths, rows,
                       number_columns=()):
    """A sheet (portal.spreadsheets.write_sheet): the title row, the info lines, the header
    row (frozen, filtered, printed on every page), bordered rows (text formula-safe), widths
    fitted to the text, landscape A4 fitted to the page width."""
    numbers = set(number_columns)
    columns = [Column(text, width, number_format=POINTS_FORMAT if index in numbers else "")
               for index, (text, width) in enumerate(zip(headers, widths, strict=True))]
    write_sheet(workbook, name, columns, rows, caption=title, notes=info_lines)


def _generated_line(generated_at):
    return f"生成时间：{generated_at:%Y年%-m月%-d日 %H:%M}"


def _excel_widths(table, tail):
    return [7, 12] + ([24] if table.unit_header else []) + tail


def ranking_workbook(tables, *, generated_at=None) -> bytes:
    """The rankings as one workbook, a sheet per cohort."""
    generated_at = generated_at or timezone.localtime()
    workbook, taken = new_workbook(), set()
    for table in tables:
        lead = 3 if table.unit_header else 2
        rows = ([r.rank, r.name, *([r.unit] if table.unit_header else []), *r.cells, r.total]
                for r in table.rows)
        numbers = [lead + i for i, c in enumerate(table.columns) if not c.is_veto]
        write_report_sheet(
            workbook, sheet_name(table.sheet_name, taken), title=table.title,
            info_lines=[*table.info_lines, _generated_line(generated_at)],
            headers=table.headers(), rows=rows,
            widths=_excel_widths(table, [14] * len(table.columns) + [10]),
            number_columns=[*numbers, lead + len(table.columns)])
    if not tables:
        workbook.create_sheet("无数据").append(["没有已发布的季度排名。"])
    return workbook_bytes(workbook)


def grades_workbook(tables, *, generated_at=None) -> bytes:
    """The annual grading tables as one workbook, a sheet per cohort."""
    generated_at = generated_at or timezone.localtime()
    workbook, taken = new_workbook(), set()
    for table in tables:
        lead = 3 if table.unit_header else 2
        rows = ([r.rank, r.name, *([r.unit] if table.unit_header else []), r.total, r.grade,
                 r.poor_reason, r.note] for r in table.rows)
        write_report_sheet(
            workbook, sheet_name(table.sheet_name, taken), title=table.title,
            info_lines=[*table.info_lines, _generated_line(generated_at)],
            headers=table.headers(), rows=rows, widths=_excel_widths(table, [12, 8, 16, 40]),
            number_columns=[lead])
    if not tables:
        workbook.create_sheet("无数据").append(["没有已报送的年度等次。"])
    return workbook_bytes(workbook)


RENDERERS = {
    (RANKING_KIND, PDF): ranking_pdf, (RANKING_KIND, EXCEL): ranking_workbook,
    (GRADES_KIND, PDF): grades_pdf, (GRADES_KIND, EXCEL): grades_workbook,
}


def render_report(kind, fmt, tables, *, generated_at=None) -> bytes:
    return RENDERERS[(kind, fmt)](tables, generated_at=generated_at)


def report_filename(tables, fmt, *, fallback):
    base = tables[0].title if len(tables) == 1 else fallback
    return f"{base}.{fmt}"


# ---------------------------------------------------------------- the jobs


def cached_file(kind, scope_org, key):
    """The GeneratedFile an earlier job of `kind` in `scope_org` produced for `key`, if its
    file is still in storage."""
    earlier = (Job.objects.filter(kind=kind, scope_org=scope_org, status=JobStatus.SUCCEEDED,
                                  output__isnull=False, params__cache_key=key)
               .select_related("output").order_by("-finished_at", "-id").first())
    if earlier is None:
        return None
    output = earlier.output
    return output if output.file and output.file.storage.exists(output.file.name) else None


def _format(params):
    fmt = params.get("format", PDF)
    if fmt not in MIMETYPES:
        raise ValueError(f"不支持的导出格式：{fmt}")
    return fmt


def _pk(params, name):
    try:
        return int(params[name])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"缺少或无效的参数：{name}") from None


class ReportExporter(Exporter):
    """One cohort's report (a run or a grading of the job's scope org) as PDF or Excel."""

    capability = CAPABILITY
    form_class = ReportFormatForm
    model = None
    param = ""
    visible_statuses = ()
    not_visible = ""

    def cohort_of(self, scope_org, params, owner=None):
        objects = self.model.objects.select_related("scheme__assessing_body").filter(
            scheme__assessing_body=scope_org, status__in=self.visible_statuses)
        if owner is not None:  # the job re-checks the owner's scope on the object itself
            objects = objects.visible_to(owner, CAPABILITY)
        found = objects.filter(pk=_pk(params, self.param)).first()
        if found is None:
            raise ValueError(self.not_visible)
        return found

    def clean_params(self, scope_org, params):
        cohort = self.cohort_of(scope_org, params)
        return {self.param: cohort.pk, "format": _format(params)}

    def job_title(self, scope_org, params):
        cohort = self.cohort_of(scope_org, params)
        return f"{self.title_of(cohort)}（{dict(FORMATS)[params['format']]}）"

    def audit_summary(self, scope_org, params):
        return f"导出{self.job_title(scope_org, params)}"

    def title_of(self, cohort):
        raise NotImplementedError

    def tables(self, cohort):
        raise NotImplementedError

    def render(self, job, report):
        fmt = _format(job.params)
        cohort = self.cohort_of(job.scope_org, job.params, owner=job.owner)
        report(10, "正在读取数据")
        tables = self.tables(cohort)
        key = f"{fmt}:{reports.fingerprint(tables)}"
        Job.objects.filter(pk=job.pk).update(params={**job.params, "cache_key": key})
        cached = cached_file(self.identifier, job.scope_org, key)
        if cached is not None:
            report(100, "数据未变化，沿用已生成的文件")
            return cached
        rows = sum(len(t.rows) for t in tables)
        report(30, f"共 {rows} 行，正在生成{dict(FORMATS)[fmt]}")
        content = render_report(self.identifier, fmt, tables)
        return ExportFile(report_filename(tables, fmt, fallback=self.verbose_name),
                          MIMETYPES[fmt], content)


@register_exporter
class RankingExporter(ReportExporter):
    """A published quarter's ranking of one cohort."""

    identifier = RANKING_KIND
    verbose_name = "季度考核排名表"
    model = ScoringRun
    param = "run"
    visible_statuses = reports.VISIBLE_RUNS
    not_visible = "没有找到该季度的已发布排名。"

    def title_of(self, cohort):
        return f"{cohort.scheme.year}年第{cohort.quarter}季度{cohort.scheme.name}排名表"

    def tables(self, cohort):
        return reports.ranking_tables([cohort])


@register_exporter
class GradesExporter(ReportExporter):
    """A submitted or filed annual grading of one cohort, for filing."""

    identifier = GRADES_KIND
    verbose_name = "年度考核等次评定表"
    model = Grading
    param = "grading"
    visible_statuses = reports.VISIBLE_GRADINGS
    not_visible = "没有找到已报送的年度等次。"

    def title_of(self, cohort):
        return f"{cohort.scheme.year}年度{cohort.scheme.name}等次评定表"

    def tables(self, cohort):
        return reports.grade_tables([cohort])


def report_params(cohort, fmt) -> tuple:
    """(scope org, params) of start_export for a run's ranking or a grading's table."""
    param = "run" if isinstance(cohort, ScoringRun) else "grading"
    return cohort.scheme.assessing_body, {param: cohort.pk, "format": fmt}


def identifier_for(cohort) -> str:
    return RANKING_KIND if isinstance(cohort, ScoringRun) else GRADES_KIND

