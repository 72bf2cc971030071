"""台账导出: the form that queues an organization's ledger of a month or a year as a job."""

from django.http import Http404

from ledger.exporters import EXPORT_CAPABILITY, EXPORT_KIND, ledger_params
from ledger.forms.exports import LedgerExportForm
from portal.models import Job
from portal.views.generic import StartExportView

RECENT_JOBS = 5


class LedgerExportView(StartExportView):
    """GET: the form (?org= preselects an organization in scope; any other → 404).
    POST: start the export job and go to its progress page."""

    exporter = EXPORT_KIND
    list_capability = EXPORT_CAPABILITY
    denied_message = "您没有导出活动台账的权限。"
    form_class = LedgerExportForm
    template_name = "ledger/exports/form.html"

    def wanted_org(self):
        return self.request.GET.get("org", "") if self.request.method == "GET" else ""

    def extra_form_kwargs(self):
        return {"initial": {"org": self.wanted_org()}} if self.wanted_org() else {}

    def get_form(self):
        form = super().get_form()
        wanted = self.wanted_org()
        if wanted and not (wanted.isdigit()
                           and form.fields["org"].queryset.filter(pk=wanted).exists()):
            raise Http404("没有找到该组织。")
        return form

    def export_target(self, form):
        data = form.cleaned_data
        return data["org"], ledger_params(form.period(), data["format"],
                                          data["include_drafts"])

    def get_context_data(self, **kwargs):
        recent = (Job.objects.filter(owner=self.request.user, kind=EXPORT_KIND)
                  .select_related("output").order_by("-created_at", "-id")[:RECENT_JOBS])
        return super().get_context_data(recent=recent, **kwargs)
