"""Appeals (申诉): the person files one from their score page within the scheme's window; the
assessing body lists them (open first) and accepts (the quarter is scored again, as a draft) or
rejects, each with a reason. The rules live in assessment.services.appeals."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from assessment.forms.people import AppealFilterSet, AppealForm, DecisionForm
from assessment.models import Appeal, AppealStatus, QuarterScore, RunStatus
from assessment.services import appeals as services
from assessment.views.people import scores_for
from portal.scope import scope_q
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView


class ScoreAppealView(ServiceFormView):
    """申诉: the person scored, on a published quarter, within the window."""

    queryset = QuarterScore.objects.select_related("run__scheme", "person", "alliance__leader")
    form_class = AppealForm
    template_name = "assessment/people/appeal_form.html"
    title = "对得分提出申诉"
    submit_label = "提交申诉"
    service = services.file_appeal
    success_message = "已提交申诉。考核单位处理后，处理意见会显示在得分页上。"

    def get_object(self):
        return get_object_or_404(scores_for(self.request.user).select_related(
            "run__scheme", "person", "alliance__leader"), pk=self.kwargs["pk"])

    def check_permission(self, score):
        if not services.may_appeal(score, self.request.user):
            raise PermissionDenied("只有考核对象本人可以申诉。")

    def refusal(self, score):
        run = score.run
        if run.status != RunStatus.PUBLISHED:
            return "该季度排位尚未发布，不能申诉。"
        deadline = services.appeal_deadline(run)
        if timezone.now() > deadline:
            return f"申诉期已于 {timezone.localtime(deadline):%Y-%m-%d %H:%M} 结束。"
        return ""

    def get_success_url(self, score, appeal):
        return score.get_absolute_url() + "#appeals"

    def get_context_data(self, **kwargs):
        score = kwargs["object"]
        return super().get_context_data(
            score=score, deadline=services.appeal_deadline(score.run), **kwargs)


def _open_first(queryset):
    return queryset.annotate(open_first=Case(When(status=AppealStatus.OPEN, then=Value(0)),
                                             default=Value(1), output_field=IntegerField()))


class AppealListView(FilteredListView):
    """申诉处理: appeals in scope, open ones first — the assessing body decides them; 组织部,
    leaders and townships read them (assessment.view)."""

    queryset = _open_first(Appeal.objects.select_related(
        "run__scheme", "person__home_org", "org", "alliance")).order_by(
            "open_first", "-created_at", "-id")
    visible_action = "assessment.view"
    list_capability = "assessment.view"
    denied_message = "您没有查看考核申诉的权限。"
    filterset_class = AppealFilterSet
    template_name = "assessment/people/appeal_list.html"
    table_template = "assessment/people/_appeal_table.html"


def appeals_for(user):
    """Appeals the user may read: those they filed or that are theirs, and those in scope."""
    own = Q(person__user=user) | Q(filed_by=user)
    return Appeal.objects.filter(own | scope_q(user, "assessment.view",
                                               Appeal.objects.all().scope_path_field))


@login_required
def appeal_detail(request, pk):
    appeal = get_object_or_404(appeals_for(request.user).select_related(
        "run__scheme__assessing_body", "person__home_org", "org", "alliance", "filed_by",
        "decided_by"),
        pk=pk)
    score = (scores_for(request.user).filter(run=appeal.run, **appeal.target_lookup)
             .only("id", "total", "rank", "run_id").first())
    may_decide = any(
        Appeal.workflow.permitted(appeal, name, request.user) for name in ("accept", "reject"))
    return render(request, "assessment/people/appeal_detail.html", {
        "appeal": appeal, "run": appeal.run, "score": score,
        "run_url": appeal.run.get_absolute_url() if may_decide else "",
        "back_url": reverse("assessment:appeal_list") if may_decide else "",
    })


class AppealDecisionView(ObjectActionView):
    queryset = Appeal.objects.select_related("run__scheme__assessing_body")
    form_class = DecisionForm
    error_prefix = "未能处理申诉："


class AppealAcceptView(AppealDecisionView):
    transition = "accept"
    service = services.accept_appeal
    success_message = "已受理申诉：该季度已重新计分，排位退回草稿，请复核后重新发布。"


class AppealRejectView(AppealDecisionView):
    transition = "reject"
    service = services.reject_appeal
    success_message = "已驳回申诉，处理意见已告知申诉人。"
