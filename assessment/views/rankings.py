"""考核排名 (Rankings) for leaders: a year's cohorts (schemes) × quarters with the published
rankings to download as PDF or Excel, the submitted or filed annual gradings with their grade
distribution, and the two POST actions that start a download job.

The page reads a fixed number of queries whatever the number of cohorts or people: the years,
the year's schemes, their published runs, their gradings, and the grade counts grouped by
grading. Only what is published reaches this page: a quarter once published, a grading once
submitted to 组织部.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from assessment import reports
from assessment.exporters import CAPABILITY, ReportFormatForm, identifier_for, report_params
from assessment.grading import GRADE_LABELS, Grade
from assessment.models import AnnualGrade, Grading, Scheme, ScoringRun
from portal.scope import has_capability
from portal.views.generic import StartExportView

DENIED = "您没有查看考核排名的权限。"


@dataclass
class QuarterCell:
    quarter: int
    run: ScoringRun | None = None


@dataclass
class CohortRow:
    """One cohort (scheme) of the year: its quarters and its annual grading."""

    scheme: Scheme
    quarters: list = field(default_factory=list)
    grading: Grading | None = None
    counts: dict = field(default_factory=dict)  # grade label -> count

    @property
    def published(self):
        return sum(1 for cell in self.quarters if cell.run)


def grade_counts(gradings):
    """{grading id: {"优秀": n, "良好": n, "差": n}} in one grouped query."""
    counts = defaultdict(lambda: dict.fromkeys(GRADE_LABELS.values(), 0))
    rows = (AnnualGrade.objects.filter(grading__in=gradings).values_list("grading_id", "grade")
            .order_by().annotate(n=Count("id")))
    for grading_id, grade, n in rows:
        counts[grading_id][GRADE_LABELS[Grade(grade)]] = n
    return counts


def chart_data(cohorts):
    """The grade distribution chart: one stacked bar per cohort with a grading shown."""
    graded = [c for c in cohorts if c.grading]
    return {
        "cohorts": [f"{c.scheme.name}（{c.scheme.assessing_body.name}）" for c in graded],
        "series": [{"name": label, "data": [c.counts.get(label, 0) for c in graded]}
                   for label in GRADE_LABELS.values()],
    }


def _year(request, years):
    value = request.GET.get("year", "")
    if value.isdigit() and int(value) in years:
        return int(value)
    return years[0] if years else timezone.localdate().year


@login_required
def rankings(request):
    user = request.user
    if not has_capability(user, CAPABILITY):
        raise PermissionDenied(DENIED)
    visible = Scheme.objects.visible_to(user, CAPABILITY)
    years = sorted(set(visible.values_list("year", flat=True).order_by()), reverse=True)
    year = _year(request, years)
    schemes = list(visible.filter(year=year).select_related("assessing_body")
                   .order_by("assessing_body__path", "target_kind", "version", "pk"))
    runs = {(run.scheme_id, run.quarter): run
            for run in ScoringRun.objects.filter(scheme__in=schemes,
                                                 status__in=reports.VISIBLE_RUNS)}
    gradings = {g.scheme_id: g for g in Grading.objects.filter(
        scheme__in=schemes, status__in=reports.VISIBLE_GRADINGS)}
    counts = grade_counts(list(gradings.values())) if gradings else {}
    cohorts = []
    for scheme in schemes:
        grading = gradings.get(scheme.pk)
        cohorts.append(CohortRow(
            scheme=scheme,
            quarters=[QuarterCell(q, runs.get((scheme.pk, q))) for q in scheme.quarters()],
            grading=grading, counts=counts.get(grading.pk, {}) if grading else {}))
    chart = chart_data(cohorts)
    return render(request, "assessment/rankings/index.html", {
        "year": year, "years": years, "cohorts": cohorts, "chart": chart,
        "has_chart": bool(chart["cohorts"]),
        "anything_published": any(c.published or c.grading for c in cohorts),
        "formats": ReportFormatForm.base_fields["format"].choices,
    })


class CohortExportView(StartExportView):
    """POST format=pdf|xlsx: start the download job of one cohort's report and go to the job
    page. A run or grading outside the user's scope, or not published, is not found (404)."""

    list_capability = CAPABILITY
    denied_message = DENIED
    form_class = ReportFormatForm
    back_url = "assessment:rankings"
    cohorts = None

    def post(self, request, *args, **kwargs):
        self.cohort = get_object_or_404(
            self.cohorts.select_related("scheme__assessing_body").visible_to(request.user,
                                                                             CAPABILITY),
            pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def get_exporter_identifier(self):
        return identifier_for(self.cohort)

    def export_target(self, form):
        return report_params(self.cohort, form.cleaned_data["format"])


class RankingExportView(CohortExportView):
    cohorts = ScoringRun.objects.filter(status__in=reports.VISIBLE_RUNS)


class GradesExportView(CohortExportView):
    cohorts = Grading.objects.filter(status__in=reports.VISIBLE_GRADINGS)
