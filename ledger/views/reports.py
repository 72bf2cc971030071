"""The monthly dispatch summary (每月调度) and the township half-year report (004 四.二.3).

The dispatch needs ledger.compliance (township: its own township; county and leaders: any
township or all in one table). Reports: report.view to read (out of scope → 404),
report.write on the township to write and submit, report.file on the county to file or return
(TownshipReport.workflow); every change goes through ledger.services.reports and the generic
views.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from ledger.filters import HalfYearFilterSet
from ledger.forms.reports import DispatchForm, ReportTextForm, ReturnReportForm
from ledger.models import TownshipReport
from ledger.services import reports as services
from ledger.summaries import (
    computed_at,
    dispatch_summary,
    report_overview,
    township_report_figures,
)
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.pdf_cache import cached_pdf, slot_kind
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import (
    BatchActionView,
    FilteredListView,
    ObjectActionView,
    ServiceFormView,
)
from portal.workflow import can

DISPATCH_CAPABILITY = "ledger.compliance"
# A city-scale county has 250 townships: the all-townships dispatch shows them a page at a
# time (the whole table, each township naming its silent villages, was 147 KB); the figure
# cards and the total row still cover every township, and the print layout lists them all.
TOWNSHIPS_PER_PAGE = 25
# A township row names this many silent villages, then links to the township's own dispatch.
SILENT_NAMES_PER_ROW = 10
# The half-year report list: townships of the table, and reports of the history, per page.
TOWNSHIP_PAGE_PARAM = "townships"
REPORTS_PER_PAGE = 25
REPORT_PDF = slot_kind("ledger/township_report", TownshipReport)  # portal.cleanup asks it


def _townships(user, capability):
    return (Organization.objects.visible_to(user, capability)
            .filter(kind=OrgKind.TOWNSHIP, is_active=True)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


@login_required
def dispatch(request):
    """每月调度: per village (or per township) activities, participation, talents, needs and
    claims of one month, silent villages highlighted; `?print=1` gives the print layout."""
    user = request.user
    if not has_capability(user, DISPATCH_CAPABILITY):
        raise PermissionDenied("您没有查看每月调度的权限。")
    townships = _townships(user, DISPATCH_CAPABILITY)
    today = timezone.localdate()
    form = DispatchForm(request.GET or None, townships=townships,
                        initial={"month": f"{today:%Y-%m}"})
    form.is_valid()  # a bad month or township is shown as an error and ignored
    data = getattr(form, "cleaned_data", {})
    year, month = data.get("month") or (today.year, today.month)
    listed = list(townships)
    single = data.get("township") or (listed[0] if len(listed) == 1 else None)
    printing = bool(request.GET.get("print"))
    # The print layout is the complete table; the page shows a page of townships.
    page = None if printing or single else paginate(request, listed, TOWNSHIPS_PER_PAGE)
    summary = dispatch_summary(listed, year, month, single=single, today=today,
                               shown=page.object_list if page else None)
    context = {
        "form": form, "summary": summary, "single": single, "today": today,
        "many_townships": len(listed) > 1,
        "month_value": f"{year}-{month:02d}",
        "print_query": query_without_page(request),
        "page": page, "query_string": query_without_page(request),
        "silent_names_slice": f":{SILENT_NAMES_PER_ROW}" if page else ":",
    }
    template = ("ledger/reports/dispatch_print.html" if printing
                else "ledger/reports/dispatch.html")
    return render(request, template, context)


class ReportListView(FilteredListView):
    """Which townships have written, submitted or had filed their report for a half year, and
    every report in the user's scope below."""

    # The list shows no report's text: without it the rows sorted for a page are ~200 bytes,
    # not 1.5 KB (a city county's 250 reports a half year).
    queryset = (TownshipReport.objects.select_related("township")
                .defer("figures", "summary", "problems", "next_steps")
                .order_by("-year", "-half", "township__path"))
    list_capability = "report.view"
    denied_message = "您没有查看半年报告的权限。"
    filterset_class = HalfYearFilterSet
    template_name = "ledger/reports/list.html"
    table_template = "ledger/reports/_tables.html"

    paginate_by = REPORTS_PER_PAGE

    def get_context_data(self, **kwargs):
        user = self.request.user
        year, half = kwargs["filter"].selected_half
        reports = {r.township_id: r for r in TownshipReport.objects.visible_to(user)
                   .filter(year=year, half=half).only(
                       "id", "township_id", "status", "submitted_at", "filed_at", "year", "half")}
        townships = list(_townships(user, "report.view"))
        missing = {t.pk for t in townships if _missing(reports.get(t.pk))}
        # The figures cover every township; the table shows a page of them (a city-scale
        # county has 250: the whole table was most of a 120 KB page).
        shown = _paginate_on(self.request, TOWNSHIP_PAGE_PARAM, townships, TOWNSHIPS_PER_PAGE)
        rows = []
        for township in shown:
            report = reports.get(township.pk)
            rows.append({
                "township": township, "report": report, "missing": township.pk in missing,
                "can_write": has_capability(user, "report.write", township),
                "fileable": report is not None
                and TownshipReport.workflow.in_state(report, "file"),
            })
        params = self.request.GET.copy()
        params.pop(TOWNSHIP_PAGE_PARAM, None)
        return super().get_context_data(
            year=year, half=half, half_label=services.half_label(year, half), rows=rows,
            township_count=len(townships), township_page=shown,
            township_page_param=TOWNSHIP_PAGE_PARAM, township_query=params.urlencode(),
            not_submitted=len(missing),
            filed=sum(1 for t in townships if reports.get(t.pk) and reports[t.pk].filed_at),
            can_file=has_capability(user, "report.file"),
            writable=services.period_problem(year, half) is None, **kwargs)


def _missing(report):
    return report is None or TownshipReport.workflow.in_state(report, "submit")


def _paginate_on(request, param, rows, per_page):
    """A page of `rows` numbered by the query parameter `param` (the page's other list keeps
    `page`); a bad number gives the nearest page."""
    return Paginator(rows, per_page).get_page(request.GET.get(param))


class ReportWriteView(ServiceFormView):
    """The township writes (and submits) its report for one half year; figures are compiled
    from the ledger on every save. The URL names the township and the half year."""

    queryset = Organization.objects.filter(kind=OrgKind.TOWNSHIP, is_active=True)
    visible_action = "report.view"
    pk_url_kwarg = "township_pk"
    capability = "report.write"
    denied_message = "只有乡镇可以撰写本乡镇的半年报告。"
    form_class = ReportTextForm
    template_name = "ledger/reports/form.html"

    def capability_orgs(self, township):
        return [township]

    def guarded(self, township):
        year, half = self.kwargs["year"], self.kwargs["half"]
        if half not in services.HALF_LABELS:
            raise Http404("报告期不正确。")
        problem = services.period_problem(year, half)
        if problem:
            messages.warning(self.request, problem)
            return redirect("ledger:report_list")
        self.report = TownshipReport.objects.filter(township=township, year=year,
                                                    half=half).first()
        if self.report is not None and not TownshipReport.workflow.in_state(self.report,
                                                                            "write"):
            messages.info(self.request, f"报告{self.report.get_status_display()}，不能修改。")
            return redirect(self.report)
        return None

    def extra_form_kwargs(self, township):
        return {"instance": self.report}

    def call_service(self, township, **texts):
        self.submitting = "submit" in self.request.POST
        write = services.do_submit_report if self.submitting else services.do_save_report
        return write(township, self.kwargs["year"], self.kwargs["half"],
                     actor=self.request.user, **texts)

    def get_success_message(self, township, report):
        return "报告已提交县委组织部。" if self.submitting else "已保存草稿，统计数据已更新。"

    def get_title(self, township):
        return services.report_title(township, self.kwargs["year"], self.kwargs["half"])

    def get_context_data(self, **kwargs):
        township = kwargs["object"]
        year, half = self.kwargs["year"], self.kwargs["half"]
        figures = township_report_figures(township, year, half)
        return super().get_context_data(
            report=self.report, township=township, year=year, half=half, figures=figures,
            overview=report_overview(figures), computed_at=computed_at(figures), **kwargs)


def _report_or_404(request, pk):
    return visible_or_404(TownshipReport.objects.select_related("township", "filed_by"),
                          request.user, pk=pk)


@login_required
def report_detail(request, pk):
    report = _report_or_404(request, pk)
    return render(request, "ledger/reports/detail.html", {
        "report": report,
        "title": services.report_title(report.township, report.year, report.half),
        "figures": report.figures, "overview": report_overview(report.figures),
        "computed_at": computed_at(report.figures),
        "can_write": can(report, "write", request.user),
        "can_file": can(report, "file", request.user),
    })


class ReportAction(ObjectActionView):
    queryset = TownshipReport.objects.select_related("township")

    def capability_orgs(self, report):
        return [report.township]


class ReportFileView(ReportAction):
    transition = "file"
    service = services.do_file_report
    success_message = "已备案，报告及统计数据已锁定。"


class ReportReturnView(ReportAction):
    transition = "return"
    form_class = ReturnReportForm
    service = services.do_return_report
    success_message = "已退回，乡镇修改后可重新提交。"


class ReportBatchFileView(BatchActionView):
    """县委组织部 files the ticked submitted reports at once: all of them, or none."""

    queryset = TownshipReport.objects.select_related("township")
    capability = "report.file"
    denied_message = "只有县委组织部可以备案半年报告。"
    service = services.do_file_reports
    success_message = "已备案 {count} 份半年报告。"
    success_url = "ledger:report_list"
    error_prefix = "没有备案任何报告："


@login_required
def report_pdf(request, pk):
    """The report's PDF, rendered once per version of what it shows (portal.pdf_cache); the
    printed date in its footer makes a version last at most a day."""
    report = _report_or_404(request, pk)
    title = services.report_title(report.township, report.year, report.half)
    pdf = cached_pdf(REPORT_PDF.slot(report.pk), "pdf/township_report.html", {
        "report": report, "title": title, "figures": report.figures,
        "overview": report_overview(report.figures), "computed_at": computed_at(report.figures),
    })
    return FileResponse(pdf, as_attachment=True, filename=f"{title}.pdf",
                        content_type="application/pdf")
