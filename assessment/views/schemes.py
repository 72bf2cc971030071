"""Schemes (考核方案): the list, the scoring table (考核明细表) with its grading rules and the
quarters' runs, and — for 组织部 (assessment.scheme) — creating a scheme from the default
table, editing it and its indicators while unlocked, and a new version once it is locked.

A scheme outside the user's scope is 404 (assessment.view on its assessing body), a change
without assessment.scheme on that body is 403.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from assessment.filters import SchemeFilterSet
from assessment.forms.gradings import QuarterForm
from assessment.forms.schemes import IndicatorForm, SchemeCreateForm, SchemeEditForm
from assessment.metrics import METRICS
from assessment.models import Grading, Indicator, IndicatorKind, Scheme
from assessment.rules import describe_rule
from assessment.services.grading import check_gradable
from assessment.services.schemes import (
    check_editable,
    create_default_scheme,
    delete_indicator,
    new_version,
    save_indicator,
    update_scheme,
)
from portal.scope import has_capability
from portal.views.common import error_text, visible_or_404
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView
from portal.workflow import can

SCHEME_QUERYSET = Scheme.objects.select_related("assessing_body", "action")
ENTERED_RULES = {
    IndicatorKind.MANUAL: "考核单位评价打分，可附评语",
    IndicatorKind.BONUS: "按级别（县级、市级、省级及以上）加分，须注明理由并上传佐证",
    IndicatorKind.DEDUCTION: "扣分，须注明理由并上传佐证",
    IndicatorKind.VETO: "一票否决，直接评定为“差”，须注明理由并上传佐证，可申诉",
}


# --- Pages


class SchemeListView(FilteredListView):
    queryset = (SCHEME_QUERYSET.select_related("superseded_by")
                .order_by("-year", "assessing_body__path", "target_kind", "-version"))
    list_capability = "assessment.view"
    denied_message = "您没有查看考核方案的权限。"
    filterset_class = SchemeFilterSet
    template_name = "assessment/scoring/scheme_list.html"
    table_template = "assessment/scoring/_scheme_table.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_create=has_capability(self.request.user, "assessment.scheme"), **kwargs)


def indicator_rows(indicators):
    """The scoring table's rows: each indicator with its data source and rule in words."""
    rows = []
    for indicator in indicators:
        metric = METRICS.get(indicator.metric) if indicator.metric else None
        rule = (describe_rule(indicator.rule, indicator.max_points)
                if indicator.kind == IndicatorKind.AUTO else ENTERED_RULES[indicator.kind])
        rows.append({"indicator": indicator, "metric": metric, "rule": rule})
    return rows


def grading_of(scheme):
    """The scheme's grading, or None (a missing reverse one-to-one raises AttributeError)."""
    return getattr(scheme, "grading", None)


def percent(ratio):
    return f"{ratio * 100:.1f}".rstrip("0").rstrip(".") + "%"


def grading_rules(scheme, indicators):
    """The grading rules in words: 差 floor (seed), 优秀 (本县规定), tie-break, part year."""
    names = {i.code: i.name for i in indicators}
    excellent = []
    if scheme.excellent_max_ratio is not None:
        excellent.append(f"不超过总人数的{percent(scheme.excellent_max_ratio)}（向下取整）")
    if scheme.excellent_min_score is not None:
        excellent.append(f"年度积分不低于 {scheme.excellent_min_score.normalize():f} 分")
    return {
        "poor": f"不低于总人数的{percent(scheme.poor_min_ratio)}（向上取整），一票否决的计入；"
                "同分的不拆分，整组评为“差”",
        "excellent": "，且".join(excellent),
        "tie_break": [names.get(code, code) for code in scheme.tie_break],
        "part_year": scheme.get_part_year_rule_display(),
        "appeal_days": scheme.appeal_days,
    }


def quarter_rows(scheme, user):
    runs = {run.quarter: run for run in scheme.runs.select_related("scheme__assessing_body")}
    may_score = has_capability(user, "assessment.score", scheme.assessing_body)
    rows = []
    for quarter in scheme.quarters():
        run = runs.get(quarter)
        rows.append({"quarter": quarter, "run": run,
                     "can_score": may_score and (run is None or can(run, "rescore", user))})
    return rows, may_score


@login_required
def scheme_detail(request, pk):
    user = request.user
    scheme = visible_or_404(SCHEME_QUERYSET.select_related("supersedes", "superseded_by",
                                                           "grading"), user, pk=pk)
    indicators = list(scheme.indicators.all())
    quarters, may_score = quarter_rows(scheme, user)
    grading = grading_of(scheme)
    try:
        check_gradable(scheme)
        grade_refusal = ""
    except ValidationError as exc:
        grade_refusal = error_text(exc)
    if grading is not None and not grade_refusal and not can(grading, "regrade", user):
        grade_refusal = Grading.workflow["regrade"].state_error
    may_edit = has_capability(user, "assessment.scheme", scheme.assessing_body)
    superseded = getattr(scheme, "superseded_by", None)  # a missing reverse one-to-one
    return render(request, "assessment/scoring/scheme_detail.html", {
        "scheme": scheme, "rows": indicator_rows(indicators),
        "rules": grading_rules(scheme, indicators), "quarters": quarters,
        "grading": grading, "grade_refusal": grade_refusal, "may_score": may_score,
        "has_entered": any(i.is_entered for i in indicators),
        "can_edit": may_edit and not scheme.is_locked,
        "can_version": may_edit and scheme.is_locked and superseded is None,
        "superseded": superseded,
        "quarter_form": QuarterForm(scheme=scheme),
    })


class SchemeCreateView(ServiceFormView):
    capability = "assessment.scheme"
    denied_message = "只有县委组织部可以新建考核方案。"
    form_class = SchemeCreateForm
    form_takes_user = True
    service = create_default_scheme
    title = "新建考核方案"
    submit_label = "按默认考核明细表新建"
    template_name = "assessment/scoring/scheme_form.html"
    success_message = "已新建“{result}”，可在锁定前修改指标和评定规则。"

    def get_cancel_url(self, obj):
        return reverse("assessment:scheme_list")


class SchemeChangeMixin:
    """A change to an unlocked scheme: scope (404), assessment.scheme on its body (403), then
    the lock (a message back on the scheme's page)."""

    queryset = SCHEME_QUERYSET
    capability = "assessment.scheme"
    denied_message = "只有县委组织部可以修改考核方案。"

    def capability_orgs(self, scheme):
        return [scheme.assessing_body]

    def refusal(self, scheme):
        try:
            check_editable(scheme)
        except ValidationError as exc:
            return error_text(exc)
        return ""


class SchemeEditView(SchemeChangeMixin, ServiceFormView):
    form_class = SchemeEditForm
    model_form_instance = True
    service = update_scheme
    title = "修改考核方案：{obj}"
    template_name = "assessment/scoring/scheme_form.html"
    success_message = "已保存方案。"


class IndicatorFormMixin(SchemeChangeMixin):
    form_class = IndicatorForm
    template_name = "assessment/scoring/scheme_form.html"
    url_anchor = "#indicators"
    success_message = "已保存指标“{result.name}”。"

    def get_indicator(self, scheme):
        return Indicator(scheme=scheme)

    def extra_form_kwargs(self, scheme):
        self.indicator = self.get_indicator(scheme)
        return {"scheme": scheme, "instance": self.indicator}

    def call_service(self, scheme, **cleaned):
        indicator = self.indicator if self.indicator.pk else None
        return save_indicator(scheme, actor=self.request.user, indicator=indicator, **cleaned)

    def get_success_url(self, scheme, result):
        return scheme.get_absolute_url() + self.url_anchor


class IndicatorCreateView(IndicatorFormMixin, ServiceFormView):
    title = "新增考核指标：{obj}"


class IndicatorEditView(IndicatorFormMixin, ServiceFormView):
    title = "修改考核指标：{obj}"

    def get_indicator(self, scheme):
        return get_object_or_404(scheme.indicators.all(), pk=self.kwargs["indicator_pk"])


class IndicatorDeleteView(SchemeChangeMixin, ObjectActionView):
    success_message = "已删除指标。"
    url_anchor = "#indicators"

    def check_permission(self, scheme):
        super().check_permission(scheme)
        self.indicator = get_object_or_404(scheme.indicators.all(),
                                           pk=self.kwargs["indicator_pk"])

    def call_service(self, scheme, **cleaned):
        return delete_indicator(scheme, actor=self.request.user, indicator=self.indicator)


class SchemeNewVersionView(ObjectActionView):
    queryset = SCHEME_QUERYSET
    capability = "assessment.scheme"
    denied_message = "只有县委组织部可以新建方案版本。"
    service = new_version
    success_message = "已新建第{result.version}版，可修改后使用；原版本保留。"

    def capability_orgs(self, scheme):
        return [scheme.assessing_body]
