"""The entries grid (录入): for a scheme and a period (a quarter or "年度"), the indicators the
assessing body enters (evaluation, bonus, deduction, veto) × the cohort's targets.

One indicator at a time, one row per target, each row its own form saved with htmx (the page
works without it: a plain POST comes back to the grid). On a phone each row is a stacked card.
`record_entry` holds the rules (points within the cap, reason and evidence for bonus,
deduction and veto, the period still open); a refusal is shown on its row. Targets without an
entry of an evaluation (评价打分) indicator are marked "未录入" and can be listed alone.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alliances.models import Alliance
from assessment.cohorts import alliances_assessed, enrolments_in, orgs_assessed, target_field
from assessment.forms.entries import EntryForm, parse_period, period_choices
from assessment.models import (
    GradingStatus,
    IndicatorKind,
    IndicatorPeriod,
    RunStatus,
    ScoreEntry,
    ScoringRun,
    TargetKind,
)
from assessment.periods import scheme_quarter_range, scheme_range
from assessment.services.entries import NEEDS_EVIDENCE, record_entry
from assessment.views.schemes import SCHEME_QUERYSET, grading_of
from portal.models import Person
from portal.scope import has_capability
from portal.transient import retrying
from portal.views.common import (
    add_service_errors,
    error_text,
    paginate,
    stored_file_response,
    visible_or_404,
)

GRID_PAGE = 30
DENIED = "只有考核单位可以录入考核分值。"


def _scheme_for_entry(request, pk):
    scheme = visible_or_404(SCHEME_QUERYSET, request.user, pk=pk)
    if not has_capability(request.user, "assessment.score", scheme.assessing_body):
        raise PermissionDenied(DENIED)
    return scheme


def cohort_targets(scheme, quarter):
    """The people, organizations or alliances assessed in the period, as a queryset to page
    through."""
    window = scheme_quarter_range(scheme, quarter) if quarter else scheme_range(scheme)
    if scheme.target_kind == TargetKind.ALLIANCE:
        if window is None:
            return Alliance.objects.none()
        return alliances_assessed(scheme, *window).order_by("owner__path", "kind", "name", "id")
    if scheme.target_kind == TargetKind.PERSON:
        if window is None:
            return Person.objects.none()
        ids = enrolments_in(scheme, *window).values("person_id")
        return (Person.objects.filter(pk__in=ids).select_related("home_org")
                .order_by("home_org__path", "name", "id"))
    return orgs_assessed(scheme).order_by("path")


def entered_indicators(scheme, quarter):
    period = IndicatorPeriod.YEAR if quarter is None else IndicatorPeriod.QUARTER
    return list(scheme.indicators.filter(period=period).exclude(kind=IndicatorKind.AUTO)
                .order_by("order", "id"))


def closed_message(scheme, quarter):
    """Why the period takes no more entries (shown above the grid; the service enforces)."""
    if quarter is not None:
        if ScoringRun.objects.filter(scheme=scheme, quarter=quarter,
                                     status=RunStatus.PUBLISHED).exists():
            return "该季度排位已发布，不能再录入；如需更正请通过申诉处理。"
        return ""
    grading = grading_of(scheme)
    if grading is not None and grading.status != GradingStatus.PREVIEW:
        return "年度等次已报送或备案，不能再录入年度指标。"
    return ""


def grid_url(scheme, period, indicator=None, **extra):
    params = {"period": period, **({"indicator": indicator.pk} if indicator else {}), **extra}
    return reverse("assessment:entry_grid", args=[scheme.pk]) + "?" + urlencode(params)


def kind_flags(indicator):
    """What a row of this indicator asks for (the service checks the same)."""
    kind = indicator.kind if indicator is not None else None
    return {"needs_evidence": kind in NEEDS_EVIDENCE, "is_bonus": kind == IndicatorKind.BONUS,
            "is_veto": kind == IndicatorKind.VETO, "level_choices": ScoreEntry.Level.choices}


def _row(target, entry, indicator, form=None, saved=False):
    return {"target": target, "entry": entry, "form": form, "saved": saved,
            "missing": entry is None and indicator.kind == IndicatorKind.MANUAL}


@login_required
def entry_grid(request, pk):
    scheme = _scheme_for_entry(request, pk)
    period, quarter = parse_period(request.GET.get("period", ""), scheme)
    indicators = entered_indicators(scheme, quarter)
    chosen = next((i for i in indicators if str(i.pk) == request.GET.get("indicator")),
                  indicators[0] if indicators else None)
    field = target_field(scheme)
    targets = cohort_targets(scheme, quarter)
    size = targets.count()
    counts = {}
    if indicators:
        counts = dict(ScoreEntry.objects.filter(
            indicator__in=indicators, quarter=quarter,
            **{f"{field}__in": targets.values("pk")}).values("indicator")
            .order_by().annotate(n=Count("id")).values_list("indicator", "n"))
    query = request.GET.get("q", "").strip()[:50]
    shown = targets.filter(name__icontains=query) if query else targets
    only_missing = bool(request.GET.get("missing")) and chosen is not None
    if only_missing:
        shown = shown.exclude(pk__in=ScoreEntry.objects.filter(
            indicator=chosen, quarter=quarter).values(field))
    page = paginate(request, shown, GRID_PAGE)
    rows = []
    if chosen is not None:
        entries = {getattr(e, field): e for e in ScoreEntry.objects.filter(
            indicator=chosen, quarter=quarter, **{f"{field}__in": [t.pk for t in page]})}
        rows = [_row(t, entries.get(t.pk), chosen) for t in page]
    tabs = [{"indicator": i, "entered": counts.get(i.pk, 0),
             "missing": size - counts.get(i.pk, 0) if i.kind == IndicatorKind.MANUAL else 0,
             "url": grid_url(scheme, period, i)} for i in indicators]
    return render(request, "assessment/scoring/entry_grid.html", {
        "scheme": scheme, "period": period, "quarter": quarter,
        "periods": [{"key": k, "label": label, "url": grid_url(scheme, k)}
                    for k, label in period_choices(scheme)],
        "tabs": tabs, "chosen": chosen, "rows": rows, "page": page, "size": size,
        "query": query, "only_missing": only_missing,
        "query_string": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "closed": closed_message(scheme, quarter), **kind_flags(chosen),
    })


@login_required
@require_POST
def entry_save(request, pk):
    """Save one row: the target's entry of one indicator in one period."""
    scheme = _scheme_for_entry(request, pk)
    period, quarter = parse_period(request.POST.get("period", ""), scheme)
    if request.POST.get("period") != period:
        raise Http404("考核期不正确。")
    indicator = get_object_or_404(
        scheme.indicators.exclude(kind=IndicatorKind.AUTO),
        pk=request.POST.get("indicator") if str(request.POST.get("indicator", "")).isdigit()
        else None)
    form = EntryForm(request.POST, request.FILES, indicator=indicator)
    target_id = request.POST.get("target", "")
    if not target_id.isdigit():
        raise Http404("考核对象不存在。")
    target = get_object_or_404(cohort_targets(scheme, quarter), pk=int(target_id))
    field = target_field(scheme)
    existing = ScoreEntry.objects.filter(indicator=indicator, quarter=quarter,
                                         **{field: target.pk}).first()
    saved = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = retrying(record_entry, indicator, target, actor=request.user,
                             quarter=quarter, points=data["points"], reason=data["reason"],
                             level=data["level"], evidence=data["evidence"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not request.htmx:
        if saved is not None:
            messages.success(request, f"已保存 {target.name} 的“{indicator.name}”。")
        else:
            messages.error(request, f"{target.name}：{error_text(form)}")
        return redirect(grid_url(scheme, period, indicator))
    row = _row(target, saved or existing, indicator, form=None if saved else form,
               saved=saved is not None)
    return render(request, "assessment/scoring/_entry_row.html", {
        "scheme": scheme, "period": period, "chosen": indicator, "row": row,
        "closed": closed_message(scheme, quarter), **kind_flags(indicator)})


@login_required
def entry_evidence(request, pk):
    """An entry's evidence, for the assessing body and 组织部."""
    entry = visible_or_404(ScoreEntry.objects.select_related("indicator__scheme__assessing_body"),
                           request.user, pk=pk)
    body = entry.indicator.scheme.assessing_body
    if not any(has_capability(request.user, c, body)
               for c in ("assessment.score", "assessment.file")):
        raise PermissionDenied("只有考核单位和县委组织部可以查看佐证材料。")
    return stored_file_response(entry.evidence, f"佐证材料-{entry.indicator.name}-{entry.pk}",
                                actor=request.user,
                                audit_summary=f"下载考核佐证材料：{entry}", entry=entry.pk)

