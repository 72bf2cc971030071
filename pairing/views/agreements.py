"""三清单一协议 pages: county list and “未签订” view, detail with the workflow, editing the
terms and the three lists, submit / file / return / new version, PDF and the signed scan.

Pages are declared on the generic views (portal.views.generic): the agreement is fetched
through `visible_to` (out of scope → 404), the capability or workflow transition is checked
(→ 403), and the rules live in pairing.services.agreements.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from pairing.filters import AgreementFilterSet, UnsignedFilterSet
from pairing.forms.agreements import (
    ITEM_FORMS,
    AgreementCreateForm,
    AgreementTermsForm,
    ReturnForm,
    ScanUploadForm,
)
from pairing.models import (
    AgreementStatus,
    AnnualAgreement,
    NeedItem,
    Pairing,
    ProjectItem,
    ResourceItem,
    pairing_ids_below_roots,
)
from pairing.progress import attach_progress
from pairing.services import agreements as services
from pairing.services.agreements import READ_ONLY_MESSAGE
from portal.pdf_cache import cached_pdf, slot_kind
from portal.scope import has_capability
from portal.views.common import stored_file_response, visible_or_404
from portal.views.generic import (
    BatchActionView,
    FilteredListView,
    ObjectActionView,
    ServiceFormView,
)
from portal.workflow import can

__all__ = ["READ_ONLY_MESSAGE"]

ITEM_MODELS = {"resource": ResourceItem, "need": NeedItem, "project": ProjectItem}
ITEM_LABELS = {"resource": "资源清单", "need": "需求清单", "project": "项目清单"}
AGREEMENT_PDF = slot_kind("pairing/agreement", AnnualAgreement)  # portal.cleanup asks it


def _agreements():
    return AnnualAgreement.objects.select_related(
        "pairing__city_org", "pairing__village_org", "village_submitted_by",
        "unit_submitted_by", "filed_by")


def _get_agreement(request, pk):
    return visible_or_404(_agreements(), request.user, pk=pk)


class YearListView(FilteredListView):
    list_capability = "pairing.view"
    denied_message = "您没有查看结对共建协议的权限。"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["year"] = context["filter"].selected_year
        context["can_file"] = has_capability(self.request.user, "pairing.file")
        return context


class AgreementListView(YearListView):
    # The lists show the pairing's two organizations, not who submitted or filed: three user
    # joins more made PostgreSQL spend 14-19 ms planning the join order of an 8-table query
    # (executed in 1-9 ms) at every scale.
    queryset = (AnnualAgreement.objects.select_related("pairing__city_org", "pairing__village_org")
                .current().with_township_name("pairing__village_org__path")
                .order_by("pairing__village_org__path", "pairing__city_org__path"))
    filterset_class = AgreementFilterSet
    template_name = "pairing/agreements/list.html"
    table_template = "pairing/agreements/_table.html"

    def get_queryset(self):
        """Below the tree's roots, the agreements of the scope's pairings named by id: with
        the pairings as a subquery PostgreSQL joined a city's every agreement of the year with
        both organizations before keeping a unit's 90 (5,800 organizations hashed twice)."""
        ids = pairing_ids_below_roots(self.request.user, self.visible_action)
        if ids is None:
            return super().get_queryset()
        return self.queryset.all().filter(pairing__in=[row["pk"] for row in ids])


class AgreementToFileView(AgreementListView):
    """待备案: the year's submitted agreements, ticked and filed together by the county."""

    queryset = AgreementListView.queryset.filter(status=AgreementStatus.SUBMITTED)
    visible_action = "pairing.file"
    list_capability = "pairing.file"
    denied_message = "只有县委组织部可以备案协议。"
    template_name = "pairing/agreements/to_file.html"
    table_template = "pairing/agreements/_to_file_table.html"


class AgreementBatchFileView(BatchActionView):
    """备案 the ticked agreements: each through do_file_agreement, all or none."""

    queryset = _agreements()
    visible_action = "pairing.file"
    capability = "pairing.file"
    denied_message = "只有县委组织部可以备案协议。"
    service = services.do_file_agreements
    success_message = "已备案 {count} 份协议，需求清单已发布到村需求看板。"
    success_url = "pairing:agreement_to_file"
    error_prefix = "没有备案任何协议："


class UnsignedListView(YearListView):
    """Active pairings without a filed agreement for the year (未签订)."""

    queryset = (Pairing.objects.active().select_related("city_org", "village_org")
                .with_township_name("village_org__path")
                .order_by("village_org__path", "city_org__path"))
    filterset_class = UnsignedFilterSet
    template_name = "pairing/agreements/unsigned.html"
    table_template = "pairing/agreements/_unsigned_table.html"

    def decorate(self, page):
        user = self.request.user
        for p in page:
            p.agreement_status_label = (AgreementStatus(p.agreement_status).label
                                        if p.agreement_status else "未起草")
            p.latest_agreement = (AnnualAgreement(pk=p.agreement_id, status=p.agreement_status)
                                  if p.agreement_id else None)
            p.can_create = p.agreement_id is None and any(
                has_capability(user, "pairing.plan", org)
                for org in (p.village_org, p.city_org))


class AgreementCreateView(ServiceFormView):
    queryset = Pairing.objects.select_related("city_org", "village_org")
    pk_url_kwarg = "pairing_pk"
    capability = "pairing.plan"
    form_class = AgreementCreateForm
    service = services.do_create_agreement
    submit_label = "创建"
    title = "新建三清单一协议：{obj}"
    success_message = ("已创建{result.year}年三清单一协议草稿，"
                       "请完善协议条款和三份清单。")

    def capability_orgs(self, pairing):
        return [pairing.village_org, pairing.city_org]

    def get_cancel_url(self, obj):
        return reverse("pairing:agreement_unsigned")


@login_required
def agreement_detail(request, pk):
    agreement = _get_agreement(request, pk)
    user, pairing = request.user, agreement.pairing
    projects = attach_progress(agreement.projects.prefetch_related("needs", "resources"))
    resources = list(agreement.resources.all())
    versions = list(AnnualAgreement.objects.filter(pairing=pairing, year=agreement.year)
                    .order_by("version")
                    .only("id", "version", "status", "created_at", "filed_at"))
    position = next(i for i, v in enumerate(versions) if v.pk == agreement.pk)
    latest = versions[-1].pk == agreement.pk
    return render(request, "pairing/agreements/detail.html", {
        "agreement": agreement, "pairing": pairing,
        "resources": resources, "needs": list(agreement.needs.all()), "projects": projects,
        "resource_total": sum(r.estimated_amount or 0 for r in resources),
        "budget_total": sum(p.budget for p in projects),
        "versions": versions,
        "previous_version": versions[position - 1] if position > 0 else None,
        "next_version": versions[position + 1] if position + 1 < len(versions) else None,
        "can_edit": can(agreement, "edit", user),
        "can_upload_scan": (not agreement.is_editable and latest
                            and services.can_upload_scan(user, agreement)),
    })


class AgreementFormView(ServiceFormView):
    """An edit page of a draft agreement: planners only (403), read-only once submitted."""

    queryset = _agreements()
    transition = "edit"

    refusal_message = READ_ONLY_MESSAGE


class AgreementTermsView(AgreementFormView):
    form_class = AgreementTermsForm
    model_form_instance = True
    service = services.do_update_terms
    title = "编辑协议条款：{obj}"
    success_message = "已保存协议条款。"


class AgreementItemView(AgreementFormView):
    """Add (no item_pk) or change one entry of the resource, need or project list."""

    def get_object(self):
        if self.kwargs["kind"] not in ITEM_MODELS:
            raise Http404("没有这种清单。")
        self.kind = self.kwargs["kind"]
        self.url_anchor = f"#{self.kind}s"
        agreement = super().get_object()
        model = ITEM_MODELS[self.kind]
        item_pk = self.kwargs.get("item_pk")
        self.item = (get_object_or_404(model, agreement=agreement, pk=item_pk)
                     if item_pk else model(agreement=agreement))
        return agreement

    def get_form(self, agreement):
        extra = {"agreement": agreement} if self.kind == "project" else {}
        return ITEM_FORMS[self.kind](**self.get_form_kwargs(agreement), instance=self.item,
                                     **extra)

    def service_kwargs(self, form):
        entry = form.save(commit=False)
        if self.kind == "project":
            return {"project": entry, "needs": list(form.cleaned_data["needs"]),
                    "resources": list(form.cleaned_data["resources"])}
        return {"item": entry}

    def call_service(self, agreement, **kwargs):
        service = services.do_save_project if self.kind == "project" else services.do_save_item
        return service(agreement, actor=self.request.user, **kwargs)

    def get_title(self, agreement):
        return f"{'编辑' if self.item.pk else '添加'}{ITEM_LABELS[self.kind]}条目"

    def get_success_message(self, agreement, entry):
        return f"已保存{ITEM_LABELS[self.kind]}条目“{entry}”。"

    def get_success_url(self, agreement, entry):
        return agreement.get_absolute_url() + self.url_anchor

    def get_context_data(self, **kwargs):
        return super().get_context_data(subtitle=str(kwargs["object"]), **kwargs)


class AgreementItemDeleteView(ObjectActionView):
    queryset = _agreements()
    transition = "edit"

    def post(self, request, *args, **kwargs):
        if kwargs["kind"] not in ITEM_MODELS:
            raise Http404("没有这种清单。")
        return super().post(request, *args, **kwargs)

    def get_object(self):
        agreement = super().get_object()
        self.kind = self.kwargs["kind"]
        self.item = get_object_or_404(ITEM_MODELS[self.kind], agreement=agreement,
                                      pk=self.kwargs["item_pk"])
        return agreement

    def call_service(self, agreement):
        return services.do_delete_item(agreement, self.item, actor=self.request.user)

    def get_success_message(self, agreement, result):
        return f"已删除{ITEM_LABELS[self.kind]}条目“{self.item}”。"

    def get_success_url(self, agreement, result):
        return agreement.get_absolute_url() + f"#{self.kind}s"


class AgreementSubmitView(ObjectActionView):
    """Either side's confirmation (村党组织 or 结对单位); both together submit the agreement."""

    queryset = _agreements()
    service = services.do_submit_agreement

    def check_permission(self, agreement):
        workflow = AnnualAgreement.workflow
        if not any(workflow.permitted(agreement, side, self.request.user)
                   for side in services.SIDES):
            raise PermissionDenied(workflow["sign_village"].denied)

    def get_success_message(self, agreement, result):
        if result.village_submitted_at and result.unit_submitted_at:
            return "双方均已确认，协议已提交县委组织部备案。"
        waiting = "结对单位" if result.village_submitted_at else "村党组织"
        return f"已确认提交，等待{waiting}确认。"


class AgreementFileView(ObjectActionView):
    queryset = _agreements()
    transition = "file"
    service = services.do_file_agreement
    success_message = "协议已备案，需求清单已发布到村需求看板。"


class AgreementReturnView(ObjectActionView):
    queryset = _agreements()
    transition = "return"
    form_class = ReturnForm
    service = services.do_return_agreement
    success_message = "已退回协议，双方修改后需重新确认提交。"


class AgreementNewVersionView(ObjectActionView):
    queryset = _agreements()
    transition = "new_version"
    service = services.do_new_version
    success_message = "已新建第{result.version}版草稿；原备案版本保留在版本记录中。"


def _filename_stem(agreement):
    pairing = agreement.pairing
    return (f"{agreement.year}年三清单一协议-{pairing.city_org.name}-{pairing.village_org.name}"
            f"-第{agreement.version}版")


@login_required
def agreement_pdf(request, pk):
    """The agreement's PDF, rendered once per version of what it shows (portal.pdf_cache)."""
    agreement = _get_agreement(request, pk)
    pdf = cached_pdf(AGREEMENT_PDF.slot(agreement.pk), "pdf/agreement.html", {
        "agreement": agreement, "pairing": agreement.pairing,
        "resources": list(agreement.resources.all()),
        "needs": list(agreement.needs.all()),
        "projects": attach_progress(agreement.projects.prefetch_related("needs", "resources")),
    })
    return FileResponse(pdf, as_attachment=True, filename=f"{_filename_stem(agreement)}.pdf",
                        content_type="application/pdf")


class AgreementScanUploadView(ServiceFormView):
    """Either side (pairing.plan) or the county that files it uploads the signed scan."""

    queryset = _agreements()
    form_class = ScanUploadForm
    service = services.do_upload_scan
    title = "上传签字扫描件"
    submit_label = "上传"
    multipart = True
    success_message = "已上传签字扫描件。"

    def check_permission(self, agreement):
        if not services.can_upload_scan(self.request.user, agreement):
            raise PermissionDenied("您没有上传该协议扫描件的权限。")

    def get_context_data(self, **kwargs):
        return super().get_context_data(subtitle=str(kwargs["object"]), **kwargs)


@login_required
def agreement_scan(request, pk):
    """The signed scan, served through the scope check (never the raw media URL)."""
    agreement = _get_agreement(request, pk)
    if not agreement.signed_scan:
        raise Http404("该协议尚未上传签字扫描件。")
    return stored_file_response(agreement.signed_scan, f"{_filename_stem(agreement)}-签字扫描件",
                                actor=request.user, agreement=agreement.pk,
                                audit_summary=f"下载协议签字扫描件：{agreement}")
