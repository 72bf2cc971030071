"""结对共建统计 page and its Excel export (a background job)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from pairing.exporters import StatisticsExporter
from pairing.forms.pairings import StatisticsForm
from pairing.statistics import (
    FIGURES,
    STATISTICS_CAPABILITY,
    pairing_statistics,
    statistics_townships,
)
from portal.models import Organization
from portal.scope import active_roles, has_capability, role_grants
from portal.views.common import paginate, query_without_page
from portal.views.generic import StartExportView


def _require_statistics(user):
    if not has_capability(user, STATISTICS_CAPABILITY):
        raise PermissionDenied("您没有查看结对共建统计的权限。")


def _scope_org(user):
    """The widest organization where the user may see the statistics (the job's scope)."""
    ids = [org_id for role, path, org_id in sorted(active_roles(user), key=lambda r: len(r[1]))
           if role_grants(role, STATISTICS_CAPABILITY)]
    if ids:
        return Organization.objects.get(pk=ids[0])
    return Organization.objects.filter(depth=1).order_by("path").first()  # superuser, no roles


# A city-scale county has 250 townships: the table and chart show them a page at a time (the
# whole table was 137 KB); the total row and the figure cards still cover every township, and
# the Excel lists them all.
TOWNSHIPS_PER_PAGE = 25


@login_required
def statistics(request):
    _require_statistics(request.user)
    form = StatisticsForm(request.GET or None)
    page = paginate(request, statistics_townships(request.user), per_page=TOWNSHIPS_PER_PAGE)
    stats = pairing_statistics(request.user, form.chosen_year(), townships=page.object_list)
    return render(request, "pairing/statistics/index.html", {
        "form": form, "stats": stats, "headers": [column.header for _, column in FIGURES],
        "page": page, "query_string": query_without_page(request), "chart": stats.chart(),
    })


class StatisticsExportView(StartExportView):
    """The statistics as an Excel job, for the widest organization the user may see."""

    exporter = StatisticsExporter.identifier
    list_capability = STATISTICS_CAPABILITY
    denied_message = "您没有查看结对共建统计的权限。"
    back_url = "pairing:statistics"

    def get_form(self):
        return StatisticsForm(self.request.POST)

    def export_target(self, form):
        org = _scope_org(self.request.user)
        if org is None:
            raise ValidationError("系统中还没有组织，无法导出。")
        return org, {"year": form.chosen_year()}
