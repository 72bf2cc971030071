"""Locked months: the village's 申请补录, the township's grant or refusal (with the existing
reopen service), and 开放补录 for several organizations of a township at once."""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from ledger.forms.activities import BatchReopenForm, RefuseForm, ReopenRequestForm
from ledger.models import ReopenRequest
from ledger.services import locks as services
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import has_capability, scope_holds_every_org
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView


class ReopenRequestCreateView(ServiceFormView):
    """申请补录 of a locked month (from the activity's page, or on its own)."""

    capability = "ledger.log"
    denied_message = "只有村党组织书记或单位联络员可以申请补录。"
    form_class = ReopenRequestForm
    form_takes_user = True
    service = services.do_request_reopen
    title = "申请补录"
    submit_label = "提交申请"

    def extra_form_kwargs(self, obj):
        if self.request.method == "POST":
            return {}
        return {"initial": {key: self.request.GET[key]
                            for key in ("org", "year", "month", "activity")
                            if self.request.GET.get(key)}}

    def get_success_message(self, obj, result):
        return (f"已提交“{result.org.name}”{result.year}年{result.month}月的补录申请，"
                "等待乡镇处理。")

    def get_success_url(self, obj, result):
        target = result.activity or result
        return target.get_absolute_url()


class ReopenRequestListView(FilteredListView):
    """补录申请: the village sees its requests and their state; the township those to handle."""

    # The organizations are fetched for the page's rows: joined, a city's 5,811 were hashed.
    queryset = (ReopenRequest.objects.select_related("activity", "requested_by", "handled_by")
                .prefetch_related("org").order_by("-requested_at", "-id"))
    list_capability = "ledger.view"
    denied_message = "您没有查看补录申请的权限。"
    template_name = "ledger/activities/reopen_requests.html"

    def get_queryset(self):
        # A scope that holds the whole tree needs no path test: with it every organization of
        # the city was hashed (5,811) before the newest requests were sorted.
        if scope_holds_every_org(self.request.user, self.list_capability):
            return self.queryset.all()
        return super().get_queryset()


class ReopenRequestAction(ObjectActionView):
    queryset = ReopenRequest.objects.select_related("org")
    success_url = "ledger:reopen_request_list"


class ReopenRequestGrantView(ReopenRequestAction):
    transition = "grant"
    service = services.do_grant_reopen_request
    success_message = "已同意“{obj.org.name}”{obj.year}年{obj.month}月的补录申请，该月已开放补录。"


class ReopenRequestRefuseView(ReopenRequestAction):
    transition = "refuse"
    form_class = RefuseForm
    service = services.do_refuse_reopen_request
    success_message = "已答复“{obj.org.name}”的补录申请（不同意）。"


class MonthReopenBatchView(ServiceFormView):
    """开放补录 for several villages of a township (or all of them) at once: each through the
    reopen service, all or none."""

    capability = "ledger.reopen"
    denied_message = "只有乡镇（县）管理员可以开放补录。"
    form_class = BatchReopenForm
    form_takes_user = True
    template_name = "ledger/activities/reopen_batch.html"
    success_url = "ledger:month_reopen"

    def extra_form_kwargs(self, obj):
        raw = (self.request.POST if self.request.method == "POST" else self.request.GET).get(
            "township", "")
        township = None
        if raw.isdigit():
            township = get_object_or_404(
                Organization.objects.visible_to(self.request.user, "ledger.reopen")
                .filter(kind=OrgKind.TOWNSHIP), pk=raw)
        return {"township": township}

    def service_kwargs(self, form):
        data = form.cleaned_data
        return {"orgs": data["orgs"], "year": data["year"], "month": data["month"],
                "reason": data["reason"]}

    def call_service(self, obj, *, orgs, **kwargs):
        return services.do_reopen_months(orgs, actor=self.request.user, **kwargs)

    def get_success_message(self, obj, result):
        first, names = result[0], "、".join(r.org.name for r in result[:5])
        more = "等" if len(result) > 5 else ""
        return (f"已开放 {len(result)} 个组织{first.year}年{first.month}月的台账补录"
                f"（{names}{more}）。")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            township=kwargs["form"].township,
            choose_url=reverse("ledger:month_reopen_batch"),
            many_townships=has_capability(self.request.user, "ledger.reopen")
            and kwargs["form"].fields["township"].queryset.count() > 1, **kwargs)
