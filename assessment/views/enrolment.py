"""行动报名 for 县委组织部 (assessment.enrol): per year, the units with their cadres enrolled per
action and the "未报名" count; per unit, who is in which action, the "未报名" list, 一键报名,
特殊情况 (exempt) and 更换人员 (replace). The rules live in assessment.services.enrolment.

A unit outside the user's scope is not found (404); a role without assessment.enrol gets 403.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from assessment.forms.people import EnrolUnitForm, ExemptForm, ReplaceForm, YearForm
from assessment.models import Action, Enrolment, EnrolmentStatus
from assessment.services import enrolment as services
from portal.models import Organization
from portal.models.orgs import CITY_KINDS
from portal.scope import has_capability, under_any_path
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView

ENROL = "assessment.enrol"
DENIED = "只有县委组织部可以维护行动报名。"
MISSING_SHOWN = 50


def _require_enrol(user, org=None):
    if not has_capability(user, ENROL, org):
        raise PermissionDenied(DENIED)


def _year(request):
    form = YearForm(request.GET or None)
    return form, form.value("year", timezone.localdate().year)


def _with_cadres(units):
    """The units with a cadre at them or at a city unit under them (`cadres_of`). The unit's
    own cadres are found through the home organization's index; only a unit without any looks
    under its path (no index serves a LIKE on another row's path)."""
    own = services.cadres_under([OuterRef("path")]).filter(home_org=OuterRef("pk"))
    under = services.cadres_at(Organization.objects.filter(
        path__startswith=OuterRef(OuterRef("path"))))
    return units.filter(Exists(own) | Exists(under))


def _add_up(units, rows):
    """Sum per unit the figures of `rows` ((organization path, key, n)), each counted for every
    unit of the page at or above its organization: a unit's figures include its sub-units."""
    steplen = Organization.steplen
    by_path = {unit.path: {} for unit in units}
    for path, key, n in rows:
        for end in range(steplen, len(path) + 1, steplen):
            totals = by_path.get(path[:end])
            if totals is not None:
                totals[key] = totals.get(key, 0) + n
    return by_path


def _units_page(request, user, year, name):
    """The page of units (city organizations with cadres under them) with their figures: the
    units counted and paged first, then the page's figures in two grouped queries (per
    organization under the page's units, added up here), whatever the number of units."""
    actions = list(Action.objects.filter(is_active=True))
    units = _with_cadres(Organization.objects.visible_to(user, ENROL)
                         .filter(kind__in=CITY_KINDS, is_active=True)).order_by("path")
    if name:
        units = units.filter(name__contains=name)
    page = paginate(request, units)
    page.object_list = list(page.object_list)
    if not page.object_list:
        return actions, page
    paths = [unit.path for unit in page.object_list]
    rows = [row for path, n, missing in (
        services.cadres_under(paths).values("home_org__path").order_by()
        .annotate(n=Count("pk"), missing=Count("pk", filter=services.missing_enrolment(year)))
        .values_list("home_org__path", "n", "missing"))
        for row in ((path, "cadres", n), (path, "missing", missing))]
    rows += (Enrolment.objects.filter(
        under_any_path("org__path", paths),
        year=year, action__in=actions, status=EnrolmentStatus.ACTIVE)
        .values("org__path", "action_id").order_by().annotate(n=Count("pk"))
        .values_list("org__path", "action_id", "n"))
    figures = _add_up(page.object_list, rows)
    for unit in page.object_list:
        totals = figures[unit.path]
        unit.cadres = totals.get("cadres", 0)
        unit.missing = totals.get("missing", 0)
        unit.by_action = [totals.get(a.pk, 0) for a in actions]
    return actions, page


@login_required
def enrolment_units(request):
    """Per year, per unit: cadres, enrolled per action, 未报名."""
    user = request.user
    _require_enrol(user)
    form, year = _year(request)
    actions, page = _units_page(request, user, year, form.value("q", ""))
    return render(request, "assessment/people/enrolment_units.html", {
        "form": form, "year": year, "actions": actions, "page": page,
        "query_string": query_without_page(request),
    })


def _unit_or_404(user, pk):
    org = get_object_or_404(Organization.objects.visible_to(user, "org.view"), pk=pk)
    _require_enrol(user, org)
    return org


def _default_start(year):
    today = timezone.localdate()
    return today if today.year == year else datetime.date(year, 1, 1)


@login_required
def enrolment_unit(request, pk):
    """One unit's year: enrolments per action (paginated), the 未报名 list, the actions."""
    user = request.user
    org = _unit_or_404(user, pk)
    form, year = _year(request)
    enrolments = (Enrolment.objects.filter(org__path__startswith=org.path, year=year)
                  .select_related("person", "action", "org", "replaced_by__person")
                  .order_by("action__order", "action_id", "person__name", "id"))
    counts = {(a, s): n for a, s, n in Enrolment.objects.filter(
        org__path__startswith=org.path, year=year).values("action_id", "status").order_by()
        .annotate(n=Count("id")).values_list("action_id", "status", "n")}
    actions = [(a, {s: counts.get((a.pk, s), 0) for s in EnrolmentStatus.values},
                EnrolUnitForm(initial={"action": a.pk, "year": year,
                                       "start_date": _default_start(year)},
                              auto_id=f"id_a{a.pk}_%s"))
               for a in Action.objects.filter(is_active=True)]
    missing = services.not_enrolled(org, year).select_related("home_org").order_by("name", "id")
    page = paginate(request, enrolments)
    for row in page:
        row.changeable = row.status == EnrolmentStatus.ACTIVE  # exempt and replace need it
    return render(request, "assessment/people/enrolment_unit.html", {
        "org": org, "form": form, "year": year, "actions": actions,
        "page": page, "query_string": query_without_page(request),
        "missing": list(missing[:MISSING_SHOWN]), "missing_count": missing.count(),
    })


def unit_url(org, year):
    return reverse("assessment:enrolment_unit", args=[org.pk]) + f"?year={year}"


class EnrolUnitView(ObjectActionView):
    """一键报名: every cadre of the unit not yet in the action."""

    queryset = Organization.objects.all()
    capability = ENROL
    denied_message = DENIED
    form_class = EnrolUnitForm
    error_prefix = "未能报名："

    def capability_orgs(self, org):
        return [org]

    def call_service(self, org, *, action, year, start_date):
        self.year = year
        return services.enrol_unit(org, action, year, actor=self.request.user,
                                   start_date=start_date)

    def get_success_message(self, org, count):
        if not count:
            return "没有需要报名的人员：本单位党员干部均已报名该行动。"
        return f"已为{org.name} {count} 名党员干部报名。"

    def get_success_url(self, org, count):
        return unit_url(org, self.year)

    def get_failure_url(self, org):
        year = self.request.POST.get("year", "")
        return unit_url(org, year if year.isdigit() else timezone.localdate().year)


class EnrolmentFormView(ServiceFormView):
    """A change to one enrolment: found through the assessment scope (404), then
    assessment.enrol on its unit (403); refused unless it is still active."""

    queryset = Enrolment.objects.select_related("person", "action", "org")
    capability = ENROL
    denied_message = DENIED
    template_name = "assessment/people/enrolment_form.html"

    def refusal(self, enrolment):
        if enrolment.status != EnrolmentStatus.ACTIVE:
            return (f"{enrolment.person.name} 的报名状态为“{enrolment.get_status_display()}”，"
                    "不能再更改。")
        return ""

    def guarded(self, enrolment):
        message = self.refusal(enrolment)
        if message:
            messages.error(self.request, message)
            return redirect(unit_url(enrolment.org, enrolment.year))
        return None

    def get_cancel_url(self, enrolment):
        return unit_url(enrolment.org, enrolment.year)

    def get_success_url(self, enrolment, result):
        return unit_url(enrolment.org, enrolment.year)

    def get_context_data(self, **kwargs):
        return super().get_context_data(enrolment=kwargs["object"], **kwargs)


class ExemptView(EnrolmentFormView):
    form_class = ExemptForm
    title = "特殊情况免参加：{obj.person.name}（{obj.year}年{obj.action}）"
    submit_label = "确认免参加"
    service = services.exempt
    success_message = "已将 {obj.person.name} 按特殊情况免参加，不再计入考核人数。"


class ReplaceView(EnrolmentFormView):
    form_class = ReplaceForm
    title = "更换人员：{obj.person.name}（{obj.year}年{obj.action}）"
    submit_label = "确认更换"
    service = services.replace

    def extra_form_kwargs(self, enrolment):
        return {"enrolment": enrolment}

    def get_success_message(self, enrolment, new):
        return (f"已更换：{enrolment.person.name} → {new.person.name}，"
                f"{new.start_date:%Y年%-m月%-d日}起由接替人员参加。")
