"""Pairing pages: lists (county, unit, village), unpaired villages, detail, create/edit/end,
the co-building plan workflow, and the Excel import of pairings."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from pairing.filters import PairingFilterSet, UnpairedFilterSet
from pairing.forms.pairings import (
    EndPairingForm,
    PairingCreateForm,
    PairingEditForm,
    PlanForm,
    ReturnPlanForm,
)
from pairing.importers import EXAMPLE_ROWS, PAIRING_COLUMNS, import_pairings
from pairing.models import Need, Pairing
from pairing.services import pairings as services
from pairing.statistics import with_this_year
from portal.models import Organization
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.roles import role_org_ids
from portal.scope import TALENT, UNIT_CONTACT, VILLAGE_SECRETARY, has_capability
from portal.views.common import PAGE_SIZE, paginate, query_without_page, visible_or_404
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView
from portal.views.importing import ExcelImport
from portal.workflow import can


def _require_view(user):
    if not has_capability(user, "pairing.view"):
        raise PermissionDenied("您没有查看结对共建的权限。")


def unpaired_villages(user):
    """Villages in the user's scope without an active pairing."""
    return (Organization.objects.visible_to(user, "pairing.view")
            .filter(kind=OrgKind.VILLAGE, is_active=True)
            .filter(~Exists(Pairing.objects.active().filter(village_org=OuterRef("pk")))))


def _list_rows(pairings):
    return (pairings.select_related("city_org", "village_org", "honorary_head", "liaison")
            .with_township_name("village_org__path"))


class PairingListView(FilteredListView):
    queryset = _list_rows(Pairing.objects.all())
    list_capability = "pairing.view"
    denied_message = "您没有查看结对共建的权限。"
    filterset_class = PairingFilterSet
    template_name = "pairing/pairings/list.html"
    table_template = "pairing/pairings/_table.html"
    paginate_by = PAGE_SIZE

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            unpaired_count=unpaired_villages(user).count(),
            can_create=has_capability(user, "pairing.change"),
            can_import=has_capability(user, "pairing.import"), **kwargs)


class UnpairedListView(FilteredListView):
    """Villages in the user's scope without an active pairing."""

    queryset = (Organization.objects.filter(kind=OrgKind.VILLAGE, is_active=True)
                .filter(~Exists(Pairing.objects.active().filter(village_org=OuterRef("pk"))))
                .with_township_name()
                .annotate(ever_paired=Exists(Pairing.objects.filter(village_org=OuterRef("pk"))))
                .only("id", "name", "code", "path", "depth", "kind"))
    visible_action = "pairing.view"
    list_capability = "pairing.view"
    denied_message = "您没有查看结对共建的权限。"
    filterset_class = UnpairedFilterSet
    template_name = "pairing/pairings/unpaired.html"
    table_template = "pairing/pairings/_unpaired_table.html"
    paginate_by = PAGE_SIZE

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_create=has_capability(self.request.user, "pairing.change"), **kwargs)


def _org_sections(request, orgs):
    """A page of the orgs' pairings as ([(org, [its pairings on this page])], page). A unit
    with dozens of villages is paged like the other lists; each org carries `pairing_count`,
    its pairings on every page. Orgs without a row on this page are left out unless they have
    none at all."""
    ids = [org.pk for org in orgs]
    pairings = (Pairing.objects.visible_to(request.user)
                .filter(Q(city_org_id__in=ids) | Q(village_org_id__in=ids)))
    page = paginate(request, with_this_year(_list_rows(pairings)).order_by(
        "village_org__path", "city_org__path", "pk"))
    if len(orgs) == 1:
        orgs[0].pairing_count = page.paginator.count
    else:
        counts = pairings.aggregate(**{
            str(pk): Count("id", filter=Q(city_org_id=pk) | Q(village_org_id=pk)) for pk in ids})
        for org in orgs:
            org.pairing_count = counts[str(org.pk)]
    rows = list(page.object_list)
    sections = [(org, [p for p in rows if org.pk in (p.city_org_id, p.village_org_id)])
                for org in orgs]
    return [(org, org_rows) for org, org_rows in sections
            if org_rows or not org.pairing_count], page


def _org_page(request, orgs, title, **context):
    sections, page = _org_sections(request, orgs)
    return render(request, "pairing/pairings/org.html", {
        "sections": sections, "page": page, "query_string": query_without_page(request),
        "title": title, **context})


@login_required
def my_pairings(request):
    """我的结对村 (a unit's villages) / 结对单位 (a village's units)."""
    _require_view(request.user)
    ids = role_org_ids(request.user, VILLAGE_SECRETARY, UNIT_CONTACT, TALENT)
    if not ids:
        return redirect("pairing:pairing_list")
    orgs = list(Organization.objects.filter(pk__in=ids).order_by("path"))
    return _org_page(request, orgs, "我的结对")


@login_required
def org_pairings(request, pk):
    _require_view(request.user)
    org = get_object_or_404(
        Organization.objects.visible_to(request.user, "pairing.view")
        .filter(kind__in=(OrgKind.VILLAGE, *CITY_KINDS)), pk=pk)
    title = f"{org.name}的结对单位" if org.kind == OrgKind.VILLAGE else f"{org.name}的结对村"
    return _org_page(request, [org], title, org=org)


PAIRINGS = Pairing.objects.select_related("city_org", "village_org", "honorary_head__home_org",
                                          "liaison__home_org")


@login_required
def pairing_detail(request, pk):
    pairing = visible_or_404(PAIRINGS, request.user, pk=pk)
    user = request.user
    sides = (pairing.village_org, pairing.city_org)
    can_plan = Pairing.workflow.permitted(pairing, "edit_plan", user)
    can_see_meetings = any(has_capability(user, "meeting.view", org) for org in sides)
    needs = (Need.objects.visible_to(user).filter(village_org=pairing.village_org)
             .order_by("-created_at", "-id")[:10])
    return render(request, "pairing/pairings/detail.html", {
        "pairing": pairing,
        "agreements": pairing.agreements.order_by("-year", "-version"),
        "meetings": (pairing.meetings.select_related("unit_chair", "village_chair")[:10]
                     if can_see_meetings else []),
        "needs": needs,
        "can_change": (pairing.is_active
                       and has_capability(user, "pairing.change", pairing.village_org)),
        "can_edit_plan": can(pairing, "edit_plan", user),
        "can_add_agreement": can_plan and pairing.is_active,
        "can_see_meetings": can_see_meetings,
    })


class PairingCreateView(ServiceFormView):
    capability = "pairing.change"
    denied_message = "只有县委组织部可以建立结对关系。"
    form_class = PairingCreateForm
    form_takes_user = True
    template_name = "pairing/pairings/form.html"
    title = "新建结对"
    service = services.do_create_pairing
    success_message = "已建立结对：{result}。请设置名誉村长和联络员。"

    def extra_form_kwargs(self, obj):
        return {"initial": {"village_org": self.request.GET.get("village_org")}}

    def get_success_url(self, obj, result):
        return reverse("pairing:pairing_edit", args=[result.pk])


class PairingChangeView(ServiceFormView):
    """A county page on one active pairing (edit, end); an ended pairing is read-only."""

    queryset = PAIRINGS
    capability = "pairing.change"
    template_name = "pairing/pairings/form.html"

    def capability_orgs(self, pairing):
        return [pairing.village_org]

    def refusal(self, pairing):
        return "" if pairing.is_active else "该结对关系已结束，不能修改。"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pairing=kwargs["object"], **kwargs)


class PairingEditView(PairingChangeView):
    form_class = PairingEditForm
    title = "编辑结对：{obj}"
    service = services.do_update_pairing
    success_message = "已保存结对信息。"

    def extra_form_kwargs(self, pairing):
        return {"pairing": pairing}


class PairingEndView(PairingChangeView):
    form_class = EndPairingForm
    template_name = "pairing/pairings/end.html"
    title = "结束结对：{obj}"
    service = services.do_end_pairing
    success_message = "已结束结对：{obj}。"


class PlanEditView(ServiceFormView):
    """Either side writes the plan; 保存并提交备案 saves and submits in one step."""

    queryset = PAIRINGS
    transition = "edit_plan"
    form_class = PlanForm
    template_name = "pairing/pairings/plan_form.html"
    service = services.do_update_plan
    url_anchor = "#plan"

    def extra_form_kwargs(self, pairing):
        return {"initial": {"goals": pairing.plan_goals, "tasks": pairing.plan_tasks,
                            "measures": pairing.plan_measures}}

    def service_kwargs(self, form):
        return {**form.cleaned_data, "submit": "submit" in self.request.POST}

    def get_success_message(self, pairing, result):
        if "submit" in self.request.POST:
            return "共建方案已提交，等待县委组织部备案。"
        return "已保存共建方案。"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pairing=kwargs["object"], **kwargs)


class PlanSubmitView(ObjectActionView):
    queryset = PAIRINGS
    transition = "submit_plan"
    service = services.do_submit_plan
    success_message = "共建方案已提交，等待县委组织部备案。"
    url_anchor = "#plan"


class PlanFileView(ObjectActionView):
    queryset = PAIRINGS
    transition = "file_plan"
    service = services.do_file_plan
    success_message = "共建方案已备案。"
    url_anchor = "#plan"


class PlanReturnView(ServiceFormView):
    """退回: the form page, also the target of the detail page's inline 退回 button."""

    queryset = PAIRINGS
    transition = "return_plan"
    form_class = ReturnPlanForm
    template_name = "pairing/pairings/plan_return.html"
    service = services.do_return_plan
    success_message = "已退回共建方案。"
    url_anchor = "#plan"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pairing=kwargs["object"], **kwargs)


# ---------------------------------------------------------------------------------------------
# Excel import: the shared upload → preview → commit flow (portal.views.importing).

PAIRING_IMPORT = ExcelImport(
    kind="pairings", title="导入结对关系", capability="pairing.import",
    denied="只有县委组织部可以导入结对关系。", columns=PAIRING_COLUMNS, importer=import_pairings,
    url_name="pairing:pairing_import", sheet_title="结对关系", example_rows=EXAMPLE_ROWS,
    hint="模板中“结对原则”可填多项，用顿号“、”分隔；名誉村长和联络员按身份证号填写，须为结对单位的"
         "人员。",
    rules=("单位和村的编码须存在且类别正确；同一单位与村不能重复结对（文件内或系统中已有生效结对）。",),
    done_message="已成功导入 {count} 条结对关系。",
    list_url_name="pairing:pairing_list", list_label="查看结对列表")
