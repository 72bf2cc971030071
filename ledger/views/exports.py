"""台账导出: the form that queues an organization's ledger of a month or a year as a job."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from ledger.exporters import EXPORT_CAPABILITY, EXPORT_KIND, ledger_params
from ledger.forms.exports import LedgerExportForm
from portal.exporting import start_export
from portal.models import Job
from portal.scope import has_capability

RECENT_JOBS = 5


@login_required
def ledger_export(request):
    """GET: the form (?org= preselects an organization in scope; any other → 404).
    POST: start the export job and go to its progress page."""
    if not has_capability(request.user, EXPORT_CAPABILITY):
        raise PermissionDenied("您没有导出活动台账的权限。")
    initial = {}
    if request.method == "GET" and request.GET.get("org"):
        initial["org"] = request.GET["org"]
    form = LedgerExportForm(request.POST if request.method == "POST" else None,
                            user=request.user, initial=initial)
    if "org" in initial:
        wanted = initial["org"]
        if not (wanted.isdigit() and form.fields["org"].queryset.filter(pk=wanted).exists()):
            raise Http404("没有找到该组织。")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = start_export(EXPORT_KIND, data["org"],
                           ledger_params(form.period(), data["format"], data["include_drafts"]),
                           actor=request.user)
        return redirect("portal:job_detail", job_uuid=job.uuid)
    recent = (Job.objects.filter(owner=request.user, kind=EXPORT_KIND)
              .select_related("output").order_by("-created_at", "-id")[:RECENT_JOBS])
    return render(request, "ledger/exports/form.html", {"form": form, "recent": recent})
