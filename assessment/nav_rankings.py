"""Navigation items and home-page panels of assessment: rankings — 考核排名 in the 考核评价
group, and the leader's panel (the latest published quarterly rankings, the grade distribution
of the latest submitted or filed gradings). The panel reads three queries: the latest runs,
the latest year's gradings, their grade counts."""

from assessment import reports
from assessment.exporters import CAPABILITY
from assessment.models import Grading, ScoringRun
from assessment.views.rankings import grade_counts
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.scope import LEADER

GROUP = "考核评价"
PANEL_RUNS = 5
PANEL_GRADINGS = 5

register_nav(NavItem("考核排名", "assessment:rankings", "bi-bar-chart-line", CAPABILITY, 58,
                     GROUP))


def _leader_panel(request):
    user = request.user
    runs = list(ScoringRun.objects.visible_to(user, CAPABILITY)
                .filter(status__in=reports.VISIBLE_RUNS)
                .select_related("scheme__assessing_body")
                .order_by("-scheme__year", "-quarter", "-published_at", "-id")[:PANEL_RUNS])
    gradings = list(Grading.objects.visible_to(user, CAPABILITY)
                    .filter(status__in=reports.VISIBLE_GRADINGS)
                    .select_related("scheme__assessing_body")
                    .order_by("-scheme__year", "scheme__assessing_body__path", "id")
                    [:PANEL_GRADINGS])
    if gradings:  # the latest year's only
        gradings = [g for g in gradings if g.scheme.year == gradings[0].scheme.year]
    counts = grade_counts(gradings) if gradings else {}
    return {"runs": runs,
            "gradings": [(g, counts.get(g.pk, {})) for g in gradings]}


register_panel(Panel("assessment_rankings", "考核排名", "assessment/rankings/panel.html",
                     frozenset({LEADER}), _leader_panel, order=12))
