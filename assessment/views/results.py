"""结果运用 (004 六.4): the year's 差 list ("不得提拔重用和评先评优") with 组织部's reasoned
exceptions, nominations for 表现特别突出 and the commendations with their approval, the Excel
for the cadre department (干部科), and the grade history on a person's page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from assessment.forms.results import (
    DecisionForm,
    NominationForm,
    ReasonForm,
    ResultsYearForm,
    year_choices,
)
from assessment.models import AnnualGrade, Nomination, NominationStatus
from assessment.services import consequences
from portal.models import Organization
from portal.scope import has_capability, require
from portal.views.common import paginate
from portal.views.generic import ObjectActionView, ServiceFormView, StartExportView

VIEW = "assessment.view"
RESULTS_EXPORTER = "assessment_results"


def results_url(year):
    return reverse("assessment:results") + f"?year={year}"


def _year(request):
    form = ResultsYearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"], form
    year = year_choices()[1][0]  # last year: its results are the ones in use
    return year, ResultsYearForm(initial={"year": year})


@login_required
def results(request):
    require(request.user, VIEW)
    year, form = _year(request)
    poor = paginate(request, consequences.ineligible(year)
                    .filter(pk__in=AnnualGrade.objects.visible_to(request.user, VIEW)
                            .values("pk"))
                    .select_related("person__home_org", "org", "grading__scheme",
                                    "eligibility_override")
                    .order_by("grading__scheme__assessing_body__path", "grading_id", "rank"))
    nominations = list(Nomination.objects.visible_to(request.user, VIEW)
                       .filter(year=year).select_related("person__home_org", "org")
                       .order_by("kind", "status", "-created_at")[:200])
    return render(request, "assessment/results/index.html", {
        "year": year, "form": form, "poor": poor, "nominations": nominations,
        "confirmed_outstanding": [n for n in nominations if n.kind == "outstanding"
                                  and n.status == NominationStatus.CONFIRMED],
        "can_override": has_capability(request.user, "assessment.file"),
        "can_export": has_capability(request.user, VIEW),
    })


def _target_org(grade):
    if grade.alliance_id:
        return grade.alliance.owner
    return grade.person.home_org if grade.person_id else grade.org


class GradeNominateView(ServiceFormView):
    """Nominate the person (or organization) of an annual grade."""

    queryset = AnnualGrade.objects.select_related("person__home_org", "org", "alliance__owner",
                                                  "grading__scheme__assessing_body")
    visible_action = VIEW
    form_class = NominationForm
    submit_label = "提交推荐"
    success_message = "已提交推荐，待县委组织部审核。"

    def nominating_body(self, grade):
        body = grade.grading.scheme.assessing_body
        return body if has_capability(self.request.user, "assessment.score", body) else None

    def check_permission(self, grade):
        if self.nominating_body(grade) is None and not has_capability(
                self.request.user, "assessment.file", _target_org(grade)):
            raise PermissionDenied("只有考核单位或县委组织部可以推荐。")

    def extra_form_kwargs(self, grade):
        return {"for_org": grade.org_id is not None}

    def get_title(self, grade):
        return f"推荐：{grade.target}（{grade.grading.scheme.year}年 {grade.get_grade_display()}）"

    def call_service(self, grade, **cleaned):
        return consequences.nominate(cleaned["kind"], grade.target,
                                     year=grade.grading.scheme.year, reason=cleaned["reason"],
                                     poor_override=cleaned["poor_override"],
                                     body=self.nominating_body(grade), actor=self.request.user)

    def get_cancel_url(self, grade):
        return grade.get_absolute_url()


class GradeOverrideView(ObjectActionView):
    """组织部's exception for one 差 (POST with a reason)."""

    queryset = AnnualGrade.objects.select_related("person__home_org", "org", "alliance__owner",
                                                  "grading__scheme")
    visible_action = VIEW
    capability = "assessment.file"
    denied_message = "只有县委组织部可以作例外处理。"
    form_class = ReasonForm
    success_message = "已记录例外理由。"

    def capability_orgs(self, grade):
        return [_target_org(grade)]

    def call_service(self, grade, *, reason):
        return consequences.override_eligibility(grade, actor=self.request.user, reason=reason)

    def get_success_url(self, grade, result):
        return results_url(grade.grading.scheme.year)

    def get_failure_url(self, grade):
        return results_url(grade.grading.scheme.year)


class NominationConfirmView(ObjectActionView):
    queryset = Nomination.objects.select_related("person__home_org", "org")
    visible_action = VIEW
    transition = "confirm"
    service = consequences.confirm_nomination
    success_message = "已确认推荐：{obj.target}。"


class NominationRejectView(ObjectActionView):
    queryset = Nomination.objects.select_related("person__home_org", "org")
    visible_action = VIEW
    transition = "reject"
    service = consequences.reject_nomination
    success_message = "已将推荐标记为不予通过：{obj.target}。"

    form_class = DecisionForm


class ResultsExportView(StartExportView):
    """The year's results for the cadre department: 表现特别突出, commendations, the 差 list."""

    exporter = RESULTS_EXPORTER
    list_capability = VIEW
    back_url = "assessment:results"

    def export_target(self, form):
        county = Organization.objects.filter(depth=1).order_by("path").first()
        return county, {"year": form.cleaned_data["year"]}


def person_section(request, person):
    """The person's grades (the grade on record per year, others beside it) and the results'
    use, for whoever may see assessment results of the person's org — or the person."""
    user = request.user
    own = person.user_id is not None and person.user_id == user.pk
    if not own and not has_capability(user, VIEW, person.home_org):
        return None
    grades = consequences.person_grades(person)
    nominations = list(Nomination.objects.filter(person=person).order_by("-year", "kind"))
    if not grades and not nominations:
        return None
    years = sorted(consequences.record_grades(grades).items(), reverse=True)
    return {"years": [(year, chosen, others, consequences.is_excluded(chosen))
                      for year, (chosen, others) in years],
            "nominations": nominations}
