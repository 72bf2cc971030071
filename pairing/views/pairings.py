"""Pairing pages: lists (county, unit, village), unpaired villages, detail, create/edit/end,
the co-building plan workflow, and the Excel import of pairings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from pairing.forms.pairings import (
    EndPairingForm,
    PairingCreateForm,
    PairingEditForm,
    PairingFilterForm,
    PlanForm,
    ReturnPlanForm,
    UnpairedFilterForm,
)
from pairing.importers import EXAMPLE_ROWS, PAIRING_COLUMNS, import_pairings
from pairing.models import Need, Pairing, PairingStatus, PlanStatus
from pairing.services import pairings as services
from pairing.statistics import with_this_year
from portal.models import Organization
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.roles import role_org_ids
from portal.scope import TALENT, UNIT_CONTACT, VILLAGE_SECRETARY, has_capability, require
from portal.spreadsheets import XLSX_MIMETYPE, UnreadableWorkbook, template_workbook
from portal.views.common import error_text, paginate, query_without_page
from portal.views.transfer import (
    SESSION_KEY,
    TEMPLATE_NOTES,
    ImportUploadForm,
    forget_pending,
    render_import_preview,
    store_upload,
)

IMPORT_KIND = "pairings"
TOWNSHIP_PREFIX = 2 * Organization.steplen


def _require_view(user):
    if not has_capability(user, "pairing.view"):
        raise PermissionDenied("您没有查看结对共建的权限。")


def _township_name(path_field):
    """The name of the township a village path lies under, as a correlated subquery."""
    return Subquery(Organization.objects.filter(
        path=Substr(OuterRef(path_field), 1, TOWNSHIP_PREFIX)).values("name")[:1])


def unpaired_villages(user):
    """Villages in the user's scope without an active pairing."""
    return (Organization.objects.visible_to(user, "pairing.view")
            .filter(kind=OrgKind.VILLAGE, is_active=True)
            .filter(~Exists(Pairing.objects.active().filter(village_org=OuterRef("pk")))))


def _list_rows(pairings):
    return (pairings.select_related("city_org", "village_org", "honorary_head", "liaison")
            .annotate(township_name=_township_name("village_org__path")))


@login_required
def pairing_list(request):
    _require_view(request.user)
    visible = Pairing.objects.visible_to(request.user)
    form = PairingFilterForm(request.GET or None, user=request.user, pairings=visible)
    pairings = visible
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            text = data["q"].strip()
            pairings = pairings.filter(
                Q(village_org__name__icontains=text) | Q(city_org__name__icontains=text)
                | Q(village_org__code__iexact=text) | Q(city_org__code__iexact=text))
        if data["township"]:
            pairings = pairings.filter(village_org__path__startswith=data["township"].path)
        if data["unit"]:
            pairings = pairings.filter(city_org=data["unit"])
        if data["status"]:
            pairings = pairings.filter(status=data["status"])
        if data["plan"]:
            pairings = pairings.filter(plan_status=data["plan"])
        if data["principle"]:
            # Principle keys are not substrings of each other; works on SQLite and PostgreSQL.
            pairings = pairings.filter(principles__icontains=data["principle"])
    page = paginate(request, _list_rows(pairings))
    return render(request, "pairing/pairings/list.html", {
        "form": form, "page": page, "query_string": query_without_page(request),
        "unpaired_count": unpaired_villages(request.user).count(),
        "can_create": has_capability(request.user, "pairing.change"),
        "can_import": has_capability(request.user, "pairing.import"),
    })


@login_required
def unpaired_list(request):
    _require_view(request.user)
    form = UnpairedFilterForm(request.GET or None, user=request.user)
    villages = unpaired_villages(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            villages = villages.search(data["q"])
        if data["township"]:
            villages = villages.filter(path__startswith=data["township"].path)
    villages = villages.annotate(
        township_name=_township_name("path"),
        ever_paired=Exists(Pairing.objects.filter(village_org=OuterRef("pk"))),
    ).only("id", "name", "code", "path", "depth", "kind")
    return render(request, "pairing/pairings/unpaired.html", {
        "form": form, "page": paginate(request, villages),
        "query_string": query_without_page(request),
        "can_create": has_capability(request.user, "pairing.change"),
    })


def _org_sections(user, orgs):
    """[(org, [pairings])] for the given orgs, in two queries."""
    ids = [org.pk for org in orgs]
    pairings = list(with_this_year(_list_rows(
        Pairing.objects.visible_to(user).filter(Q(city_org_id__in=ids)
                                                | Q(village_org_id__in=ids)))))
    return [(org, [p for p in pairings if org.pk in (p.city_org_id, p.village_org_id)])
            for org in orgs]


@login_required
def my_pairings(request):
    """我的结对村 (a unit's villages) / 结对单位 (a village's units)."""
    _require_view(request.user)
    ids = role_org_ids(request.user, VILLAGE_SECRETARY, UNIT_CONTACT, TALENT)
    if not ids:
        return redirect("pairing:pairing_list")
    orgs = list(Organization.objects.filter(pk__in=ids).order_by("path"))
    return render(request, "pairing/pairings/org.html", {
        "sections": _org_sections(request.user, orgs), "title": "我的结对",
    })


@login_required
def org_pairings(request, pk):
    _require_view(request.user)
    org = get_object_or_404(
        Organization.objects.visible_to(request.user, "pairing.view")
        .filter(kind__in=(OrgKind.VILLAGE, *CITY_KINDS)), pk=pk)
    title = f"{org.name}的结对单位" if org.kind == OrgKind.VILLAGE else f"{org.name}的结对村"
    return render(request, "pairing/pairings/org.html", {
        "sections": _org_sections(request.user, [org]), "title": title, "org": org,
    })


def _visible_pairing(request, pk):
    return get_object_or_404(
        Pairing.objects.visible_to(request.user).select_related(
            "city_org", "village_org", "honorary_head__home_org", "liaison__home_org"), pk=pk)


@login_required
def pairing_detail(request, pk):
    pairing = _visible_pairing(request, pk)
    user = request.user
    plan_editable = pairing.plan_status in (PlanStatus.DRAFT, PlanStatus.RETURNED)
    is_active = pairing.status == PairingStatus.ACTIVE
    can_plan = any(has_capability(user, "pairing.plan", org)
                   for org in (pairing.village_org, pairing.city_org))
    can_change = has_capability(user, "pairing.change", pairing.village_org)
    sides = (pairing.village_org, pairing.city_org)
    can_see_meetings = any(has_capability(user, "meeting.view", org) for org in sides)
    needs = (Need.objects.visible_to(user).filter(village_org=pairing.village_org)
             .order_by("-created_at", "-id")[:10])
    return render(request, "pairing/pairings/detail.html", {
        "pairing": pairing,
        "agreements": pairing.agreements.order_by("-year", "-version"),
        "meetings": (pairing.meetings.select_related("unit_chair", "village_chair")[:10]
                     if can_see_meetings else []),
        "needs": needs,
        "can_change": can_change and is_active,
        "can_edit_plan": can_plan and plan_editable and is_active,
        "can_add_agreement": can_plan and is_active,
        "can_see_meetings": can_see_meetings,
        "can_file": (has_capability(user, "pairing.file", pairing.village_org)
                     and pairing.plan_status == PlanStatus.SUBMITTED),
    })


@login_required
def pairing_create(request):
    if not has_capability(request.user, "pairing.change"):
        raise PermissionDenied("只有县委组织部可以建立结对关系。")
    form = PairingCreateForm(request.POST or None, user=request.user,
                             initial={"village_org": request.GET.get("village_org")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.do_create_pairing(
                data["city_org"], data["village_org"], actor=request.user, since=data["since"],
                principles=data["principles"], request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已建立结对：{pairing}。请设置名誉村长和联络员。")
            return redirect("pairing:pairing_edit", pk=pairing.pk)
    return render(request, "pairing/pairings/form.html", {"form": form, "title": "新建结对"})


def _changeable(request, pk):
    pairing = _visible_pairing(request, pk)
    require(request.user, "pairing.change", pairing.village_org)
    return pairing


@login_required
def pairing_edit(request, pk):
    pairing = _changeable(request, pk)
    if pairing.status != PairingStatus.ACTIVE:
        messages.warning(request, "该结对关系已结束，不能修改。")
        return redirect("pairing:pairing_detail", pk=pairing.pk)
    form = PairingEditForm(request.POST or None, pairing=pairing)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_update_pairing(pairing, actor=request.user,
                                       principles=data["principles"],
                                       honorary_head=data["honorary_head"],
                                       liaison=data["liaison"], request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存结对信息。")
            return redirect("pairing:pairing_detail", pk=pairing.pk)
    return render(request, "pairing/pairings/form.html", {
        "form": form, "title": f"编辑结对：{pairing}", "pairing": pairing})


@login_required
def pairing_end(request, pk):
    pairing = _changeable(request, pk)
    form = EndPairingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_end_pairing(pairing, actor=request.user, until=form.cleaned_data["until"],
                                    request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已结束结对：{pairing}。")
            return redirect("pairing:pairing_detail", pk=pairing.pk)
    return render(request, "pairing/pairings/end.html", {"form": form, "pairing": pairing})


def _plan_side(request, pk):
    pairing = _visible_pairing(request, pk)
    if not any(has_capability(request.user, "pairing.plan", org)
               for org in (pairing.village_org, pairing.city_org)):
        raise PermissionDenied("只有结对双方可以编写共建方案。")
    return pairing


@login_required
def plan_edit(request, pk):
    pairing = _plan_side(request, pk)
    if pairing.plan_status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        messages.warning(request, "共建方案已提交或已备案，不能修改。")
        return redirect("pairing:pairing_detail", pk=pairing.pk)
    form = PlanForm(request.POST or None, initial={
        "goals": pairing.plan_goals, "tasks": pairing.plan_tasks,
        "measures": pairing.plan_measures})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.do_update_plan(pairing, actor=request.user, goals=data["goals"],
                                              tasks=data["tasks"], measures=data["measures"])
            if "submit" in request.POST:
                services.do_submit_plan(pairing, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            submitted = "submit" in request.POST
            messages.success(request, "共建方案已提交，等待县委组织部备案。" if submitted
                             else "已保存共建方案。")
            return redirect("pairing:pairing_detail", pk=pairing.pk)
    return render(request, "pairing/pairings/plan_form.html", {"form": form, "pairing": pairing})


def _plan_action(request, action, success):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, success)


@login_required
@require_POST
def plan_submit(request, pk):
    pairing = _plan_side(request, pk)
    _plan_action(request, lambda: services.do_submit_plan(pairing, actor=request.user),
                 "共建方案已提交，等待县委组织部备案。")
    return redirect("pairing:pairing_detail", pk=pairing.pk)


@login_required
@require_POST
def plan_file(request, pk):
    pairing = _visible_pairing(request, pk)
    require(request.user, "pairing.file", pairing.village_org)
    _plan_action(request, lambda: services.do_file_plan(pairing, actor=request.user,
                                                        request=request),
                 "共建方案已备案。")
    return redirect("pairing:pairing_detail", pk=pairing.pk)


@login_required
def plan_return(request, pk):
    pairing = _visible_pairing(request, pk)
    require(request.user, "pairing.file", pairing.village_org)
    form = ReturnPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_return_plan(pairing, actor=request.user,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已退回共建方案。")
            return redirect("pairing:pairing_detail", pk=pairing.pk)
    return render(request, "pairing/pairings/plan_return.html",
                  {"form": form, "pairing": pairing})


# ---------------------------------------------------------------------------------------------
# Excel import: the foundation's upload → preview → commit flow (portal.views.transfer).


def _require_import(user):
    if not has_capability(user, "pairing.import"):
        raise PermissionDenied("只有县委组织部可以导入结对关系。")


def _import_page(request, form=None):
    return render(request, "pairing/pairings/import.html", {
        "form": form or ImportUploadForm(prefix=IMPORT_KIND), "columns": PAIRING_COLUMNS})


@login_required
def import_index(request):
    _require_import(request.user)
    return _import_page(request)


@login_required
def import_template(request):
    _require_import(request.user)
    content = template_workbook("结对关系", PAIRING_COLUMNS, EXAMPLE_ROWS, TEMPLATE_NOTES)
    return HttpResponse(content, content_type=XLSX_MIMETYPE, headers={
        "Content-Disposition": content_disposition_header(True, "结对关系导入模板.xlsx")})


def _preview(request, report, filename, token=None):
    return render_import_preview(
        request, title="导入结对关系", report=report, filename=filename,
        form=ImportUploadForm(prefix=IMPORT_KIND), token=token,
        upload_url=reverse("pairing:pairing_import_upload"),
        commit_url=reverse("pairing:pairing_import_commit", args=[token]) if token else "",
        back_url=reverse("pairing:pairing_import"))


@login_required
@require_POST
def import_upload(request):
    _require_import(request.user)
    form = ImportUploadForm(request.POST, request.FILES, prefix=IMPORT_KIND)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_pairings(upload, actor=request.user, filename=upload.name)
        except UnreadableWorkbook as exc:
            form.add_error("file", str(exc))
        else:
            token = (store_upload(request, IMPORT_KIND, upload)
                     if report.ok and report.total else None)
            return _preview(request, report, upload.name, token)
    return _import_page(request, form)


@login_required
@require_POST
def import_commit(request, token):
    _require_import(request.user)
    info = request.session.get(SESSION_KEY, {}).get(token)
    if (info is None or info["what"] != IMPORT_KIND
            or not info["name"].startswith(f"imports/{request.user.pk}/")):
        messages.warning(request, "该导入已完成或已过期，请重新上传文件。")
        return redirect("pairing:pairing_import")
    try:
        with default_storage.open(info["name"], "rb") as stored:
            report = import_pairings(stored, actor=request.user, commit=True,
                                     filename=info["filename"], request=request)
    except (UnreadableWorkbook, FileNotFoundError):
        messages.error(request, "暂存的文件已失效，请重新上传。")
        return redirect("pairing:pairing_import")
    finally:
        forget_pending(request, keep=lambda t, _info: t != token)
    if not report.committed:
        messages.error(request, "重新校验时发现错误（数据可能已被修改），未导入任何数据。")
        return _preview(request, report, info["filename"])
    messages.success(request, format_html(
        '已成功导入 {} 条结对关系。<a href="{}" class="alert-link">查看结对列表</a>',
        report.created, reverse("pairing:pairing_list")))
    return redirect("pairing:pairing_import")
