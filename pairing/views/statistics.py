"""结对共建统计 page and its Excel export (a background job)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pairing.exporters import StatisticsExporter
from pairing.forms.pairings import StatisticsForm
from pairing.statistics import FIGURES, STATISTICS_CAPABILITY, pairing_statistics
from portal.exporting import start_export
from portal.models import Organization
from portal.scope import active_roles, has_capability, role_grants


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


@login_required
def statistics(request):
    _require_statistics(request.user)
    form = StatisticsForm(request.GET or None)
    stats = pairing_statistics(request.user, form.chosen_year())
    return render(request, "pairing/statistics/index.html", {
        "form": form, "stats": stats, "headers": [column.header for _, column in FIGURES],
        "chart": stats.chart(),
    })


@login_required
@require_POST
def statistics_export(request):
    _require_statistics(request.user)
    form = StatisticsForm(request.POST)
    year = form.chosen_year()
    org = _scope_org(request.user)
    if org is None:
        messages.error(request, "系统中还没有组织，无法导出。")
        return redirect("pairing:statistics")
    job = start_export(StatisticsExporter.identifier, org, {"year": year}, actor=request.user)
    return redirect("portal:job_detail", job_uuid=job.uuid)
