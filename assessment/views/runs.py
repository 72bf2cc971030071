"""Quarterly scoring (季度计分): the assessing body starts scoring a quarter (a job with
progress), reads the cohort's ranking and publishes it (ScoringRun.workflow).

A run outside the user's scope is 404; scoring and publishing need assessment.score on the
scheme's assessing body (403 otherwise)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from assessment.cohorts import search_targets, target_field
from assessment.forms.gradings import QuarterForm
from assessment.jobs import start_scoring
from assessment.models import IndicatorPeriod, QuarterScore, ScoreItem, ScoringRun
from assessment.services.scoring import publish_run
from assessment.views.schemes import SCHEME_QUERYSET
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import ObjectActionView
from portal.workflow import can

RANKING_PAGE = 50


class RunStartView(ObjectActionView):
    """Score (or re-score) one quarter of a scheme as a job; its page shows the progress."""

    queryset = SCHEME_QUERYSET
    capability = "assessment.score"
    denied_message = "只有考核单位可以计分。"
    form_class = QuarterForm
    error_prefix = "未能开始计分："

    def capability_orgs(self, scheme):
        return [scheme.assessing_body]

    def get_form(self, scheme):
        return QuarterForm(self.request.POST, scheme=scheme)

    def call_service(self, scheme, *, quarter):
        return start_scoring(scheme, quarter, actor=self.request.user)

    def get_success_url(self, scheme, job):
        return reverse("portal:job_detail", kwargs={"job_uuid": job.uuid})

    def get_success_message(self, scheme, job):
        return f"已开始计分：{job.title}。完成后回到方案页面查看排位。"


def score_rows(run, scores, indicators):
    """The page's scores with their indicator points in table order (one query)."""
    points = {(score_id, indicator_id): value for score_id, indicator_id, value in
              ScoreItem.objects.filter(score__in=[s.pk for s in scores])
              .values_list("score_id", "indicator_id", "points")}
    return [{"score": s, "points": [points.get((s.pk, i.pk)) for i in indicators]}
            for s in scores]


@login_required
def run_detail(request, pk):
    """The cohort's ranking for the quarter: rank, name, unit, total, each indicator's points;
    searchable by name or unit and paginated."""
    run = visible_or_404(ScoringRun.objects.select_related(
        "scheme__assessing_body", "scheme__action", "published_by"), request.user, pk=pk)
    scheme = run.scheme
    query = request.GET.get("q", "").strip()[:50]
    scores = (QuarterScore.objects.filter(run=run)
              .select_related("person__home_org", "org", "alliance__owner")
              .order_by("rank", "id"))
    page = paginate(request, search_targets(scores, scheme, query), RANKING_PAGE)
    indicators = list(scheme.indicators.filter(period=IndicatorPeriod.QUARTER)
                      .order_by("order", "id"))
    return render(request, "assessment/scoring/run_detail.html", {
        "run": run, "scheme": scheme, "page": page, "query": query,
        "query_string": query_without_page(request), "indicators": indicators,
        "rows": score_rows(run, list(page), indicators),
        "is_person": target_field(scheme) == "person_id",
        "is_alliance": target_field(scheme) == "alliance_id",
        "can_rescore": can(run, "rescore", request.user),
    })


class RunPublishView(ObjectActionView):
    queryset = ScoringRun.objects.select_related("scheme__assessing_body")
    transition = "publish"
    success_message = "已发布{obj}排位；考核对象可查看得分，方案已锁定。"
    service = publish_run
