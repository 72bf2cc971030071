"""Navigation items and home-page panels of assessment: scoring — the schemes (考核方案), the
county's grading overview (等次评定总览), and the assessing body's home panel (its cohorts'
quarters, evaluations not yet entered, open appeals).

The panel's cost follows the number of the body's schemes this year (a handful, capped), not
the size of their cohorts: grouped counts, one cohort count per scheme shown."""

from django.db.models import Count, Q

from assessment.models import (
    Appeal,
    AppealStatus,
    IndicatorKind,
    IndicatorPeriod,
    Scheme,
    ScoreEntry,
    ScoringRun,
)
from assessment.views.entries import cohort_targets
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.roles import role_org_ids
from portal.scope import ASSESSOR

GROUP = "考核评价"
PANEL_SCHEMES = 5

register_nav(NavItem("考核方案", "assessment:scheme_list", "bi-clipboard-check", "assessment.view",
                     60, GROUP))
register_nav(NavItem("等次评定总览", "assessment:grading_overview", "bi-award", "assessment.file",
                     64, GROUP))


def _assessor_panel(request):
    body_ids = role_org_ids(request.user, ASSESSOR)
    if not body_ids:
        return None
    # The body's newest current schemes: last year's stay until this year's are set up.
    schemes = list(Scheme.objects.filter(assessing_body_id__in=body_ids,
                                         superseded_by__isnull=True)
                   .order_by("-year", "target_kind", "id")[:PANEL_SCHEMES])
    runs = {(r.scheme_id, r.quarter): r for r in ScoringRun.objects.filter(scheme__in=schemes)}
    appeals = dict(Appeal.objects.filter(run__scheme__in=schemes, status=AppealStatus.OPEN)
                   .values("run__scheme").order_by().annotate(n=Count("id"))
                   .values_list("run__scheme", "n"))
    annual = dict(ScoreEntry.objects.filter(
        indicator__scheme__in=schemes, indicator__kind=IndicatorKind.MANUAL,
        indicator__period=IndicatorPeriod.YEAR, quarter__isnull=True)
        .values("indicator__scheme").order_by().annotate(n=Count("id"))
        .values_list("indicator__scheme", "n"))
    annual_manual = Q(indicators__kind=IndicatorKind.MANUAL,
                      indicators__period=IndicatorPeriod.YEAR)
    manual = dict(Scheme.objects.filter(pk__in=[s.pk for s in schemes])
                  .annotate(n=Count("indicators", filter=annual_manual)).values_list("pk", "n"))
    rows = []
    for scheme in schemes:
        size = cohort_targets(scheme, None).count()
        rows.append({
            "scheme": scheme, "size": size,
            "quarters": [{"quarter": q, "run": runs.get((scheme.pk, q))}
                         for q in scheme.quarters()],
            "missing": max(size * manual.get(scheme.pk, 0) - annual.get(scheme.pk, 0), 0),
            "appeals": appeals.get(scheme.pk, 0),
        })
    return {"schemes": rows}


register_panel(Panel("assessment_assessor", "考核工作", "assessment/scoring/panels/assessor.html",
                     frozenset({ASSESSOR}), _assessor_panel, order=12))
