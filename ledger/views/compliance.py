"""履职情况 pages: the org, talent and unit × month matrices, the activities behind a cell, and
the Excel exports (background jobs).

Scope: the matrices need `ledger.compliance` (county admin, leader, assessor: the county;
township admin: the township). A cell's list is found among the rows of the matrix the user
may see (missing → 404); someone who can see the organization or person but lacks the
capability gets 403.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from ledger import compliance
from ledger.compliance_exports import ORGS_KIND, TALENTS_KIND, UNITS_KIND
from ledger.forms.compliance import (
    ComplianceFilterForm,
    OrgMatrixForm,
    TalentMatrixForm,
    UnitMatrixForm,
)
from portal.fragments import CSRF_HOLE, cached_fragment
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import has_capability
from portal.views.common import paginate, paginate_groups, query_without_page
from portal.views.generic import StartExportView

TALENTS_PER_PAGE = 50
# The county-wide org matrix (400 villages × 12 months at county scale, 4,000 at city scale)
# shows whole townships, as many as hold at most this many rows (at least one township), so a
# page weighs the same whether townships have 7 villages or 40; column totals still cover the
# whole county.
ORG_ROWS_PER_PAGE = 50
UNITS_PER_PAGE = 50
ACTIVITIES_PER_PAGE = 30
# The query parameters the matrix pages read (their filters and the pager).
MATRIX_PARAMS = ("area", "period", "kind", "unit", "q", "page")


def _require_compliance(user):
    if not has_capability(user, compliance.CAPABILITY):
        raise PermissionDenied("您没有查看履职情况的权限。")


def _month_or_404(year, month):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404("没有这个月份。")


def _cell_urls(matrix, url_name, area, page_path):
    """Give each non-empty cell of the matrix's rows (those shown) the URL of its activities;
    the path is composed from one reverse() rather than one per cell, and written relative to
    the matrix page `page_path` (the cells' paths lie under it): a county page's ~1,000 links
    then weigh ~25 bytes less each (131 KB at city scale)."""
    sample = reverse(url_name, args=[1, 2000, 1])
    prefix = sample.removesuffix("1/2000/1/")
    if page_path.endswith("/") and prefix.startswith(page_path):
        prefix = prefix.removeprefix(page_path)
    for row in matrix.rows:
        for cell in row.cells:
            if cell.count:
                cell.url = f"{prefix}{row.pk}/{cell.year}/{cell.month}/?area={area.pk}"


def _filter_query(form, *names):
    """The filter's query string (for pagination links), built from the resolved values."""
    values = {"area": form.selected_area.pk, "period": form.selected_period.key}
    for name in names:
        value = form.choice(name)
        if value not in (None, ""):
            values[name] = getattr(value, "pk", value)
    return urlencode(values)


def _render_matrix(request, tab, form_class, build, **context):
    """The matrix page of `tab` (orgs, talents, units): its title, export button, tabs,
    filters, summary, matrix and pager (ledger/compliance/_<tab>_body.html), the matrix and
    the pager's query string from `build(form)`. Cached until the data changes
    (portal.fragments): county staff reload these all day, and they change only when someone
    writes. A `context` value that is callable is called with the form."""
    def content():
        form = form_class(request.GET or None, user=request.user)
        form.prepare_widgets()
        shown = form.selected_area is not None
        matrix, query = build(form) if shown else (None, "")
        extra = {name: value(form) if callable(value) else value
                 for name, value in context.items()}
        return render_to_string(f"ledger/compliance/_{tab}_body.html", {
            "form": form, "tab": tab, "shown": shown, "matrix": matrix, "query_string": query,
            "page": matrix.page if matrix else None, "csrf_token": CSRF_HOLE, **extra})

    return render(request, f"ledger/compliance/{tab}.html",
                  {"content": cached_fragment(request, f"compliance:{tab}", content,
                                              params=MATRIX_PARAMS)})


@login_required
def org_matrix(request):
    _require_compliance(request.user)

    def build(form):
        # County-wide: a page of townships is built, the column figures cover all of them.
        matrix = compliance.org_matrix(
            request.user, form.selected_area, form.selected_period, form.kind_value,
            paginate=lambda groups: paginate_groups(request, groups, ORG_ROWS_PER_PAGE,
                                                    size=lambda group: group.size,
                                                    count_unit="个乡镇"))
        _cell_urls(matrix, "ledger:compliance_org_month", form.selected_area,
                   request.path)
        return matrix, _filter_query(form, "kind") if matrix.page is not None else ""
    return _render_matrix(request, "orgs", OrgMatrixForm, build, help_text=compliance.ORG_HELP,
                          kind_label=lambda form: OrgKind(form.kind_value).label)


@login_required
def talent_matrix(request):
    _require_compliance(request.user)

    def build(form):
        matrix = compliance.talent_matrix(
            request.user, form.selected_area, form.selected_period, home_org=form.unit_value,
            search=form.search,
            paginate=lambda qs, **known: paginate(request, qs, TALENTS_PER_PAGE, **known))
        _cell_urls(matrix, "ledger:compliance_talent_month", form.selected_area,
                   request.path)
        return matrix, _filter_query(form, "unit", "q")
    return _render_matrix(request, "talents", TalentMatrixForm, build,
                          help_text=compliance.TALENT_HELP)


@login_required
def unit_matrix(request):
    _require_compliance(request.user)

    def build(form):
        # Only the page's units are counted; the column figures cover every unit.
        matrix = compliance.unit_matrix(
            request.user, form.selected_area, form.selected_period,
            paginate=lambda units: paginate(request, units, UNITS_PER_PAGE))
        _cell_urls(matrix, "ledger:compliance_unit_month", form.selected_area,
                   request.path)
        return matrix, _filter_query(form)
    return _render_matrix(request, "units", UnitMatrixForm, build,
                          help_text=compliance.UNIT_HELP)


# --- The activities behind one cell ----------------------------------------------------------

def _area_for(request):
    """The area named by ?area= (or the user's widest one), among the user's own."""
    form = ComplianceFilterForm(request.GET or None, user=request.user)
    return form.selected_area


def _denied_or_missing(user, visible):
    """403 for someone who may see the record but not the matrices, 404 otherwise."""
    if visible and not has_capability(user, compliance.CAPABILITY):
        raise PermissionDenied("您没有查看履职情况的权限。")
    raise Http404("没有找到该记录。")


def _activity_page(request, activities):
    activities = (activities.select_related("org", "theme")
                  .annotate(participant_count=Count("participations"))
                  .order_by("date", "id"))
    return paginate(request, activities, ACTIVITIES_PER_PAGE)


def _render_cell(request, *, subject, year, month, activities, back, note):
    return render(request, "ledger/compliance/cell.html", {
        "subject": subject, "year": year, "month": month, "back": back, "note": note,
        "page": _activity_page(request, activities), "query_string": query_without_page(request),
    })


@login_required
def org_month(request, pk, year, month):
    _month_or_404(year, month)
    org = Organization.objects.visible_to(request.user).filter(pk=pk).first()
    if org is None or not has_capability(request.user, compliance.CAPABILITY, org):
        _denied_or_missing(request.user, org is not None)
    back = reverse("ledger:compliance_orgs")
    area = request.GET.get("area", "")
    if org.kind in compliance.MATRIX_KINDS:
        back += f"?area={area}&kind={org.kind}" if area.isdigit() else f"?kind={org.kind}"
    return _render_cell(request, subject=org.name, year=year, month=month, back=back,
                        activities=compliance.org_month_activities(org, year, month),
                        note="该组织当月已提交或已确认的活动。")


@login_required
def talent_month(request, pk, year, month):
    _month_or_404(year, month)
    area = _area_for(request)
    person = None
    if area is not None:
        person = compliance.talents_in(area).filter(pk=pk).first()
    if person is None:
        _denied_or_missing(request.user,
                           Person.objects.visible_to(request.user).filter(pk=pk).exists())
    return _render_cell(
        request, subject=person.name, year=year, month=month,
        back=f"{reverse('ledger:compliance_talents')}?area={area.pk}",
        activities=compliance.talent_month_activities(person, area, year, month),
        note=f"{person.name}当月参加的{area.name}村级活动（已提交或已确认）。")


@login_required
def unit_month(request, pk, year, month):
    _month_or_404(year, month)
    area = _area_for(request)
    unit = None
    if area is not None:
        unit = compliance.paired_units(area).filter(pk=pk).first()
    if unit is None:
        _denied_or_missing(request.user,
                           Organization.objects.visible_to(request.user).filter(pk=pk).exists())
    return _render_cell(
        request, subject=unit.name, year=year, month=month,
        back=f"{reverse('ledger:compliance_units')}?area={area.pk}",
        activities=compliance.unit_month_activities(unit, area, year, month),
        note=f"{unit.name}当月与{area.name}结对村联系的活动（已提交或已确认）。")


# --- Exports ---------------------------------------------------------------------------------

class MatrixExportView(StartExportView):
    """POST the matrix page's filters to export what the page shows as an Excel job; with no
    area to export, say so on the matrix page."""

    list_capability = compliance.CAPABILITY
    denied_message = "您没有查看履职情况的权限。"

    def export_target(self, form):
        if form.selected_area is None:
            raise ValidationError("您没有可导出的范围。")
        return form.selected_area, form.export_params()


class OrgMatrixExportView(MatrixExportView):
    exporter = ORGS_KIND
    form_class = OrgMatrixForm
    back_url = "ledger:compliance_orgs"


class TalentMatrixExportView(MatrixExportView):
    exporter = TALENTS_KIND
    form_class = TalentMatrixForm
    back_url = "ledger:compliance_talents"


class UnitMatrixExportView(MatrixExportView):
    exporter = UNITS_KIND
    form_class = UnitMatrixForm
    back_url = "ledger:compliance_units"
