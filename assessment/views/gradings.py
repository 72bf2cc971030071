"""Annual grading (年度等次): the assessing body previews the grades (a job), reads N, the 差
quota and each 差 with its reason, submits them; 组织部 files (备案) or returns them
(Grading.workflow), adjusts a grade with a reason (never below the 10% floor), and checks every
cohort of a year on the county overview (等次评定总览).

A grading outside the user's scope is 404; without the capability the workflow names, 403.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from assessment.cohorts import search_targets, target_field
from assessment.filters import GradingYearFilterSet
from assessment.forms.gradings import ChangeGradeForm, ReturnGradingForm
from assessment.grading import GRADE_LABELS, Grade
from assessment.jobs import start_grading
from assessment.models import (
    AnnualGrade,
    Grading,
    GradingStatus,
    RunStatus,
    Scheme,
    ScoringRun,
)
from assessment.services.grading import (
    change_grade,
    file_grading,
    return_grading,
    submit_grading,
)
from assessment.views.schemes import SCHEME_QUERYSET, grading_of, percent
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import FilteredListView, ObjectActionView
from portal.workflow import available_actions, can

GRADES_PAGE = 50
GRADE_COLOURS = {Grade.EXCELLENT: "success", Grade.GOOD: "primary", Grade.POOR: "danger"}


class GradingStartView(ObjectActionView):
    """评定等次（预览）: a job; its page shows the progress."""

    queryset = SCHEME_QUERYSET.select_related("grading")
    capability = "assessment.score"
    denied_message = "只有考核单位可以评定等次。"
    service = start_grading
    error_prefix = "未能评定等次："

    def capability_orgs(self, scheme):
        return [scheme.assessing_body]

    def get_success_url(self, scheme, job):
        return reverse("portal:job_detail", kwargs={"job_uuid": job.uuid})

    def get_success_message(self, scheme, job):
        return f"已开始：{job.title}。完成后在方案页面打开等次预览。"


def may_change(grading, user):
    """Who may adjust a grade now: the assessing body or 组织部, after filing 组织部 only
    (the service holds the same rule)."""
    body = grading.scheme.assessing_body
    if has_capability(user, "assessment.file", body):
        return True
    return grading.status != GradingStatus.FILED and has_capability(user, "assessment.score",
                                                                     body)


def grade_figures(grading):
    """Counts per grade on record, and how many were adjusted (one query)."""
    return grading.grades.aggregate(
        **{g.value: Count("id", filter=Q(grade=g.value)) for g in Grade},
        changed=Count("id", filter=~Q(grade=F("computed_grade"))))


def search_grades(grades, scheme, query, grade):
    if grade in {g.value for g in Grade}:
        grades = grades.filter(grade=grade)
    return search_targets(grades, scheme, query)


@login_required
def grading_detail(request, pk):
    user = request.user
    grading = visible_or_404(Grading.objects.select_related(
        "scheme__assessing_body", "scheme__action", "submitted_by", "filed_by"), user, pk=pk)
    scheme = grading.scheme
    figures = grade_figures(grading)
    grades = AnnualGrade.objects.filter(grading=grading).select_related(
        "person__home_org", "org", "alliance__owner").order_by("rank", "id")
    poor = list(grades.filter(grade=Grade.POOR).order_by("-rank", "id"))
    query = request.GET.get("q", "").strip()[:50]
    chosen_grade = request.GET.get("grade", "")
    page = paginate(request, search_grades(grades, scheme, query, chosen_grade), GRADES_PAGE)
    return render(request, "assessment/scoring/grading_detail.html", {
        "grading": grading, "scheme": scheme, "figures": figures,
        "counts": [(GRADE_LABELS[g], figures[g.value], GRADE_COLOURS[g]) for g in Grade],
        "poor": poor, "page": page, "query": query, "chosen_grade": chosen_grade,
        "grade_choices": [(g.value, GRADE_LABELS[g]) for g in Grade],
        "query_string": query_without_page(request),
        "is_person": target_field(scheme) == "person_id",
        "is_alliance": target_field(scheme) == "alliance_id",
        "can_change": may_change(grading, user),
        "can_regrade": can(grading, "regrade", user),
        "actions": available_actions(grading, user),
        "poor_percent": percent(scheme.poor_min_ratio),
        "excellent_percent": percent(scheme.excellent_max_ratio)
        if scheme.excellent_max_ratio is not None else "",
    })


class GradingAction(ObjectActionView):
    queryset = Grading.objects.select_related("scheme__assessing_body")


class GradingSubmitView(GradingAction):
    transition = "submit"
    service = submit_grading
    success_message = "已报送县委组织部备案。"


class GradingFileView(GradingAction):
    transition = "file"
    service = file_grading
    success_message = "已备案，等次锁定；此后调整须填写理由并留痕。"


class GradingReturnView(GradingAction):
    transition = "return"
    form_class = ReturnGradingForm
    service = return_grading
    success_message = "已退回考核单位。"


class GradeChangeView(ObjectActionView):
    """调整等次: a grade and a reason; the service refuses dropping 差 below the quota."""

    queryset = AnnualGrade.objects.select_related("grading__scheme__assessing_body",
                                                  "person", "org", "alliance")
    form_class = ChangeGradeForm
    service = change_grade
    error_prefix = "未调整："

    def check_permission(self, grade):
        if not may_change(grade.grading, self.request.user):
            raise PermissionDenied("只有考核单位或县委组织部可以调整等次；"
                                   "备案后只有县委组织部可以调整。")

    def get_success_message(self, grade, result):
        return f"已将 {result.target} 的等次调整为“{result.get_grade_display()}”。"

    def get_success_url(self, grade, result):
        return grade.grading.get_absolute_url() + "#grades"

    def get_failure_url(self, grade):
        return grade.grading.get_absolute_url() + "#grades"


class GradingOverviewView(FilteredListView):
    """等次评定总览: every cohort (current scheme) of a year with N, the 差 quota, 差 on record
    and the grading's state, so 组织部 checks each one."""

    queryset = (Scheme.objects.filter(superseded_by__isnull=True)
                .select_related("assessing_body", "grading")
                .order_by("assessing_body__path", "target_kind", "id"))
    list_capability = "assessment.file"
    denied_message = "只有县委组织部可以查看等次评定总览。"
    filterset_class = GradingYearFilterSet
    template_name = "assessment/scoring/grading_overview.html"
    table_template = "assessment/scoring/_grading_overview_table.html"

    def decorate(self, page):
        schemes = list(page)
        gradings = [g for g in (grading_of(s) for s in schemes) if g is not None]
        poor = dict(AnnualGrade.objects.filter(grading__in=gradings, grade=Grade.POOR)
                    .values("grading").order_by().annotate(n=Count("id"))
                    .values_list("grading", "n"))
        published = {}
        for scheme_id, quarter in ScoringRun.objects.filter(
                scheme__in=schemes, status=RunStatus.PUBLISHED).values_list("scheme", "quarter"):
            published.setdefault(scheme_id, set()).add(quarter)
        for scheme in schemes:
            grading = grading_of(scheme)
            scheme.row_grading = grading
            scheme.row_poor = poor.get(grading.pk, 0) if grading else None
            quarters = scheme.quarters()
            scheme.row_published = len(published.get(scheme.pk, set()) & set(quarters))
            scheme.row_quarters = len(quarters)

    def get_context_data(self, **kwargs):
        year = kwargs["filter"].selected_year
        states = (Grading.objects.visible_to(self.request.user)
                  .filter(scheme__year=year, scheme__superseded_by__isnull=True)
                  .values("status").order_by().annotate(n=Count("id")))
        by_state = {row["status"]: row["n"] for row in states}
        cohorts = kwargs["page"].paginator.count
        return super().get_context_data(
            year=year, cohorts=cohorts, today=timezone.localdate(),
            filed=by_state.get("filed", 0),
            submitted=by_state.get("submitted", 0),
            not_submitted=cohorts - by_state.get("filed", 0) - by_state.get("submitted", 0),
            **kwargs)

