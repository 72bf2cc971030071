"""三清单一协议 pages: county list and “未签订” view, detail with the workflow, editing the
terms and the three lists, submit / file / return / new version, PDF and the signed scan.

Every page fetches the agreement through `visible_to` (out of scope → 404) and checks the
capability for the action (→ 403); the rules themselves live in pairing.services.agreements.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from pairing.forms.agreements import (
    ITEM_FORMS,
    AgreementCreateForm,
    AgreementFilterForm,
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
)
from pairing.services import agreements as services
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.pdf import render_pdf
from portal.scope import has_capability, require, require_any
from portal.views.common import (
    error_text,
    paginate,
    query_without_page,
    stored_file_response,
    visible_or_404,
)

ITEM_MODELS = {"resource": ResourceItem, "need": NeedItem, "project": ProjectItem}
ITEM_LABELS = {"resource": "资源清单", "need": "需求清单", "project": "项目清单"}
READ_ONLY_MESSAGE = "协议已提交或已备案，不能修改；如需变更请新建版本。"
SCAN_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def _agreements():
    return AnnualAgreement.objects.select_related(
        "pairing__city_org", "pairing__village_org", "village_submitted_by",
        "unit_submitted_by", "filed_by")


def _get_agreement(request, pk):
    return visible_or_404(_agreements(), request.user, pk=pk)


def _sides(agreement):
    return (agreement.pairing.village_org, agreement.pairing.city_org)


def _can_plan(user, agreement):
    return any(has_capability(user, "pairing.plan", org) for org in _sides(agreement))


def _require_plan(user, agreement):
    require_any(user, "pairing.plan", _sides(agreement))


def _read_only_redirect(request, agreement):
    """Filed or submitted: say so clearly and change nothing."""
    messages.error(request, READ_ONLY_MESSAGE)
    return redirect("pairing:agreement_detail", pk=agreement.pk)


def _require_list_access(user):
    if not has_capability(user, "pairing.view"):
        raise PermissionDenied("您没有查看结对共建协议的权限。")


def _filter_by_orgs(queryset, filters, prefix):
    if filters.get("township"):
        queryset = queryset.filter(**{f"{prefix}village_org__path__startswith":
                                      filters["township"].path})
    if filters.get("unit"):
        queryset = queryset.filter(**{f"{prefix}city_org": filters["unit"]})
    if filters.get("q"):
        queryset = queryset.filter(Q(**{f"{prefix}village_org__name__contains": filters["q"]})
                                   | Q(**{f"{prefix}city_org__name__contains": filters["q"]}))
    return queryset


def _attach_townships(pairings):
    """Set `township_name` on each pairing with one query for the whole page."""
    step = Organization.steplen
    ancestors = {p.village_org.path[:end] for p in pairings
                 for end in range(step, len(p.village_org.path), step)}
    townships = dict(Organization.objects.filter(path__in=ancestors, kind=OrgKind.TOWNSHIP)
                     .values_list("path", "name")) if ancestors else {}
    for p in pairings:
        p.township_name = next((name for path, name in townships.items()
                                if p.village_org.path.startswith(path)), "")


@login_required
def agreement_list(request):
    _require_list_access(request.user)
    form = AgreementFilterForm(request.GET, user=request.user)
    filters = form.filters()
    agreements = (_agreements().visible_to(request.user).current()
                  .filter(year=filters["year"])
                  .order_by("pairing__village_org__path", "pairing__city_org__path"))
    agreements = _filter_by_orgs(agreements, filters, "pairing__")
    if filters.get("status"):
        agreements = agreements.filter(status=filters["status"])
    page = paginate(request, agreements)
    _attach_townships([a.pairing for a in page])
    return render(request, "pairing/agreements/list.html", {
        "form": form, "page": page, "year": filters["year"],
        "query_string": query_without_page(request),
    })


@login_required
def agreement_unsigned(request):
    """Active pairings without a filed agreement for the year (未签订)."""
    _require_list_access(request.user)
    form = AgreementFilterForm(request.GET, user=request.user, with_status=False)
    filters = form.filters()
    year = filters["year"]
    of_year = AnnualAgreement.objects.filter(pairing=OuterRef("pk"), year=year)
    latest = of_year.order_by("-version")
    pairings = (Pairing.objects.visible_to(request.user).active()
                .filter(since__year__lte=year)
                .select_related("city_org", "village_org")
                .annotate(has_filed=Exists(of_year.filter(status=AgreementStatus.FILED)),
                          agreement_id=Subquery(latest.values("pk")[:1]),
                          agreement_status=Subquery(latest.values("status")[:1]))
                .filter(has_filed=False)
                .order_by("village_org__path", "city_org__path"))
    pairings = _filter_by_orgs(pairings, filters, "")
    page = paginate(request, pairings)
    _attach_townships(list(page))
    for p in page:
        p.agreement_status_label = (AgreementStatus(p.agreement_status).label
                                    if p.agreement_status else "未起草")
        p.can_create = p.agreement_id is None and any(
            has_capability(request.user, "pairing.plan", org)
            for org in (p.village_org, p.city_org))
    return render(request, "pairing/agreements/unsigned.html", {
        "form": form, "page": page, "year": year,
        "query_string": query_without_page(request),
    })


@login_required
def agreement_create(request, pairing_pk):
    pairing = visible_or_404(Pairing.objects.select_related("city_org", "village_org"),
                             request.user, pk=pairing_pk)
    require_any(request.user, "pairing.plan", (pairing.village_org, pairing.city_org))
    form = AgreementCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.do_create_agreement(pairing, form.cleaned_data["year"],
                                                     actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已创建{agreement.year}年三清单一协议草稿，"
                                      "请完善协议条款和三份清单。")
            return redirect("pairing:agreement_detail", pk=agreement.pk)
    return render(request, "pairing/agreements/form.html", {
        "form": form, "title": f"新建三清单一协议：{pairing}",
        "cancel_url": reverse("pairing:agreement_unsigned"), "submit_label": "创建",
    })


@login_required
def agreement_detail(request, pk):
    agreement = _get_agreement(request, pk)
    user, pairing = request.user, agreement.pairing
    projects = list(agreement.projects.prefetch_related("needs", "resources"))
    resources = list(agreement.resources.all())
    versions = list(AnnualAgreement.objects.filter(pairing=pairing, year=agreement.year)
                    .order_by("version").only("id", "version", "status", "created_at"))
    position = next(i for i, v in enumerate(versions) if v.pk == agreement.pk)
    can_plan = _can_plan(user, agreement)
    editable = agreement.is_editable
    return render(request, "pairing/agreements/detail.html", {
        "agreement": agreement, "pairing": pairing,
        "resources": resources, "needs": list(agreement.needs.all()), "projects": projects,
        "resource_total": sum(r.estimated_amount or 0 for r in resources),
        "budget_total": sum(p.budget for p in projects),
        "versions": versions,
        "previous_version": versions[position - 1] if position > 0 else None,
        "next_version": versions[position + 1] if position + 1 < len(versions) else None,
        "can_edit": can_plan and editable,
        "can_sign_village": (editable and not agreement.village_submitted_at
                             and has_capability(user, "pairing.sign_village",
                                                pairing.village_org)),
        "can_sign_unit": (editable and not agreement.unit_submitted_at
                          and has_capability(user, "pairing.sign_unit", pairing.city_org)),
        "can_file": (agreement.status == AgreementStatus.SUBMITTED
                     and has_capability(user, "pairing.file", pairing.village_org)),
        "can_new_version": (can_plan and agreement.status == AgreementStatus.FILED
                            and versions[-1].pk == agreement.pk),
        "can_upload_scan": (agreement.status in (AgreementStatus.SUBMITTED,
                                                 AgreementStatus.FILED)
                            and versions[-1].pk == agreement.pk
                            and services.can_upload_scan(user, agreement)),
        "return_form": ReturnForm(),
    })


@login_required
def agreement_edit_terms(request, pk):
    agreement = _get_agreement(request, pk)
    _require_plan(request.user, agreement)
    if not agreement.is_editable:
        return _read_only_redirect(request, agreement)
    form = AgreementTermsForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_terms(agreement, actor=request.user,
                                     terms=form.cleaned_data["terms"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存协议条款。")
            return redirect("pairing:agreement_detail", pk=agreement.pk)
    return render(request, "pairing/agreements/form.html", {
        "form": form, "title": f"编辑协议条款：{agreement}",
        "cancel_url": reverse("pairing:agreement_detail", args=[agreement.pk]),
    })


def _item_kind_or_404(kind):
    if kind not in ITEM_MODELS:
        raise Http404("没有这种清单。")
    return kind


def _save_item(request, agreement, kind, item):
    form_class = ITEM_FORMS[kind]
    extra = {"agreement": agreement} if kind == "project" else {}
    form = form_class(request.POST or None, instance=item, **extra)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        try:
            if kind == "project":
                services.do_save_project(agreement, entry, actor=request.user,
                                         needs=list(form.cleaned_data["needs"]),
                                         resources=list(form.cleaned_data["resources"]))
            else:
                services.do_save_item(agreement, entry, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存{ITEM_LABELS[kind]}条目“{entry}”。")
            return redirect(reverse("pairing:agreement_detail", args=[agreement.pk])
                            + f"#{kind}s")
    action = "编辑" if item.pk else "添加"
    return render(request, "pairing/agreements/form.html", {
        "form": form, "title": f"{action}{ITEM_LABELS[kind]}条目",
        "subtitle": str(agreement),
        "cancel_url": reverse("pairing:agreement_detail", args=[agreement.pk]) + f"#{kind}s",
    })


@login_required
def agreement_item_create(request, pk, kind):
    kind = _item_kind_or_404(kind)
    agreement = _get_agreement(request, pk)
    _require_plan(request.user, agreement)
    if not agreement.is_editable:
        return _read_only_redirect(request, agreement)
    return _save_item(request, agreement, kind, ITEM_MODELS[kind](agreement=agreement))


@login_required
def agreement_item_edit(request, pk, kind, item_pk):
    kind = _item_kind_or_404(kind)
    agreement = _get_agreement(request, pk)
    item = get_object_or_404(ITEM_MODELS[kind], agreement=agreement, pk=item_pk)
    _require_plan(request.user, agreement)
    if not agreement.is_editable:
        return _read_only_redirect(request, agreement)
    return _save_item(request, agreement, kind, item)


@login_required
@require_POST
def agreement_item_delete(request, pk, kind, item_pk):
    kind = _item_kind_or_404(kind)
    agreement = _get_agreement(request, pk)
    item = get_object_or_404(ITEM_MODELS[kind], agreement=agreement, pk=item_pk)
    _require_plan(request.user, agreement)
    if not agreement.is_editable:
        return _read_only_redirect(request, agreement)
    try:
        services.do_delete_item(agreement, item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已删除{ITEM_LABELS[kind]}条目“{item}”。")
    return redirect(reverse("pairing:agreement_detail", args=[agreement.pk]) + f"#{kind}s")


def _workflow_action(request, pk, action, success):
    """Run one workflow service on a POST; rule violations come back as a message."""
    agreement = _get_agreement(request, pk)
    try:
        result = action(agreement)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("pairing:agreement_detail", pk=agreement.pk)
    messages.success(request, success(result))
    return redirect("pairing:agreement_detail", pk=result.pk)


def _submitted_message(agreement):
    if agreement.status == AgreementStatus.SUBMITTED:
        return "双方均已确认，协议已提交县委组织部备案。"
    waiting = "结对单位" if agreement.village_submitted_at else "村党组织"
    return f"已确认提交，等待{waiting}确认。"


@login_required
@require_POST
def agreement_submit(request, pk):
    return _workflow_action(
        request, pk, lambda a: services.do_submit_agreement(a, actor=request.user),
        _submitted_message)


@login_required
@require_POST
def agreement_file(request, pk):
    return _workflow_action(
        request, pk,
        lambda a: services.do_file_agreement(a, actor=request.user, request=request),
        lambda a: "协议已备案，需求清单已发布到村需求看板。")


@login_required
@require_POST
def agreement_return(request, pk):
    agreement = _get_agreement(request, pk)
    require(request.user, "pairing.file", agreement.pairing.village_org)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
        return redirect("pairing:agreement_detail", pk=agreement.pk)
    return _workflow_action(
        request, pk,
        lambda a: services.do_return_agreement(a, actor=request.user,
                                               reason=form.cleaned_data["reason"]),
        lambda a: "已退回协议，双方修改后需重新确认提交。")


@login_required
@require_POST
def agreement_new_version(request, pk):
    return _workflow_action(
        request, pk, lambda a: services.do_new_version(a, actor=request.user),
        lambda a: f"已新建第{a.version}版草稿；原备案版本保留在版本记录中。")


def _filename_stem(agreement):
    pairing = agreement.pairing
    return (f"{agreement.year}年三清单一协议-{pairing.city_org.name}-{pairing.village_org.name}"
            f"-第{agreement.version}版")


@login_required
def agreement_pdf(request, pk):
    agreement = _get_agreement(request, pk)
    pdf = render_pdf("pdf/agreement.html", {
        "agreement": agreement, "pairing": agreement.pairing,
        "resources": list(agreement.resources.all()),
        "needs": list(agreement.needs.all()),
        "projects": list(agreement.projects.prefetch_related("needs", "resources")),
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{_filename_stem(agreement)}.pdf")
    return response


@login_required
def agreement_scan_upload(request, pk):
    agreement = _get_agreement(request, pk)
    if not services.can_upload_scan(request.user, agreement):
        raise PermissionDenied("您没有上传该协议扫描件的权限。")
    form = ScanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_upload_scan(agreement, form.cleaned_data["scan"], actor=request.user,
                                    request=request)
        except ValidationError as exc:
            form.add_error("scan", exc)
        else:
            messages.success(request, "已上传签字扫描件。")
            return redirect("pairing:agreement_detail", pk=agreement.pk)
    return render(request, "pairing/agreements/form.html", {
        "form": form, "title": "上传签字扫描件", "subtitle": str(agreement), "multipart": True,
        "submit_label": "上传",
        "cancel_url": reverse("pairing:agreement_detail", args=[agreement.pk]),
    })


@login_required
def agreement_scan(request, pk):
    """The signed scan, served through the scope check (never the raw media URL)."""
    agreement = _get_agreement(request, pk)
    if not agreement.signed_scan:
        raise Http404("该协议尚未上传签字扫描件。")
    return stored_file_response(agreement.signed_scan, f"{_filename_stem(agreement)}-签字扫描件",
                                request=request, audit_summary=f"下载协议签字扫描件：{agreement}",
                                agreement=agreement.pk)
