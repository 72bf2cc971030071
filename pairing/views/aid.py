"""双结对双帮扶 pages: households (list, village page, detail, forms), cadre pairings, visits,
a cadre's pairings and the village ledger export.

Households carry personal data: they are fetched through `visible_to(user)`, which for this
domain means `aid.view` (village, township, county, leader in scope) — units and talents get
404 on a household and 403 on a village's aid pages."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pairing.exporters import LEDGER_KIND
from pairing.filters import HouseholdFilterSet
from pairing.forms import aid as aid_forms
from pairing.models import AidHousehold, AidPairing, AidVisit
from pairing.services import aid as aid_services
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import has_capability, require
from portal.subqueries import count_per
from portal.views.common import (
    PAGE_SIZE,
    error_text,
    paginate,
    redirect_back,
    visible_or_404,
)
from portal.views.generic import (
    FilteredListView,
    ObjectActionView,
    ServiceFormView,
    StartExportView,
)


def _village_or_404(request, pk, capability="aid.view"):
    village = visible_or_404(Organization.objects.filter(kind=OrgKind.VILLAGE), request.user,
                             pk=pk)
    require(request.user, capability, village)
    return village


class HouseholdListView(FilteredListView):
    """Every household the user may see (aid.view), filtered by village, type and status."""

    # The cadres helping each household shown, one lookup per row: a GROUP BY over the join of
    # every household with its pairings aggregated a city's 12,000 households before the LIMIT.
    queryset = (AidHousehold.objects.select_related("village_org")
                .annotate(active_pairings=count_per(AidPairing.objects.filter(is_active=True),
                                                    "household"))
                .order_by("village_org__path", "head_name", "pk"))
    list_capability = "aid.view"
    denied_message = "您没有查看帮扶对象的权限。"
    template_name = "pairing/aid/household_list.html"
    table_template = "pairing/aid/_household_table.html"
    paginate_by = PAGE_SIZE
    village = None

    @property
    def filterset_class(self):
        return functools.partial(HouseholdFilterSet, village=self.village)

    def get_context_data(self, **kwargs):
        return super().get_context_data(village=self.village, can_add=False,
                                        this_year=timezone.localdate().year, **kwargs)


class VillageHouseholdsView(HouseholdListView):
    """One village's households, with the add button and the ledger export."""

    list_capability = ""

    def get(self, request, *args, **kwargs):
        self.village = _village_or_404(request, kwargs["village_pk"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().filter(village_org=self.village)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = has_capability(self.request.user, "aid.change", self.village)
        return context


class VillageAidMixin:
    """The village the URL names (404 outside the scope) and aid.change on it (403)."""

    queryset = Organization.objects.filter(kind=OrgKind.VILLAGE)
    pk_url_kwarg = "village_pk"
    capability = "aid.change"

    def capability_orgs(self, village):
        return [village]


class HouseholdCreateView(VillageAidMixin, ServiceFormView):
    form_class = aid_forms.HouseholdForm
    template_name = "pairing/aid/form.html"
    title = "登记帮扶对象 · {obj.name}"
    service = aid_services.do_create_household
    success_message = "已登记帮扶对象“{result.head_name}”。"

    def get_cancel_url(self, village):
        return reverse("pairing:aid_village", args=[village.pk])


HOUSEHOLDS = AidHousehold.objects.select_related("village_org")
AID_PAIRINGS = AidPairing.objects.select_related("household__village_org", "cadre__home_org")


class HouseholdAidMixin:
    """A household (or a cadre pairing of one) in scope, with aid.change on its village."""

    capability = "aid.change"
    template_name = "pairing/aid/form.html"

    def household_of(self, obj):
        return obj.household if isinstance(obj, AidPairing) else obj

    def capability_orgs(self, obj):
        return [self.household_of(obj).village_org]

    def get_success_url(self, obj, result):
        return self.household_of(obj).get_absolute_url()

    def get_cancel_url(self, obj):
        return self.household_of(obj).get_absolute_url()


@login_required
def household_detail(request, pk):
    household = visible_or_404(HOUSEHOLDS, request.user, pk=pk)
    visits = AidVisit.objects.select_related("recorded_by")
    pairings = (household.aid_pairings.select_related("cadre__home_org")
                .prefetch_related(Prefetch("visits", queryset=visits))
                .order_by("-is_active", "-since", "-pk"))
    return render(request, "pairing/aid/household_detail.html", {
        "household": household, "pairings": pairings,
        "can_change": has_capability(request.user, "aid.change", household.village_org),
    })


class HouseholdEditView(HouseholdAidMixin, ServiceFormView):
    queryset = HOUSEHOLDS
    form_class = aid_forms.HouseholdForm
    model_form_instance = True
    title = "编辑帮扶对象 · {obj.head_name}"
    service = aid_services.do_update_household
    success_message = "已保存帮扶对象信息。"


class AidPairingCreateView(HouseholdAidMixin, ServiceFormView):
    """Pair a cadre with the household; with many people in scope the cadre field is the
    shared person picker (portal.widgets), searched by name, pinyin or initials."""

    queryset = HOUSEHOLDS
    form_class = aid_forms.AidPairingForm
    form_takes_user = True
    title = "结对帮扶干部 · {obj.head_name}"
    service = aid_services.do_create_aid_pairing
    success_message = "已为“{obj.head_name}”家结对帮扶干部。"


class AidPlanEditView(HouseholdAidMixin, ServiceFormView):
    queryset = AID_PAIRINGS
    form_class = aid_forms.AidPlanForm
    title = "帮扶计划 · {obj.cadre.name} → {obj.household.head_name}"
    service = aid_services.do_update_aid_plan
    success_message = "已保存帮扶计划。"

    def extra_form_kwargs(self, aid_pairing):
        return {"initial": {"plan": aid_pairing.plan}}


class AidPairingEndView(HouseholdAidMixin, ObjectActionView):
    queryset = AID_PAIRINGS
    service = aid_services.do_end_aid_pairing
    success_message = "已结束{obj.cadre.name}的结对帮扶。"

    def get_failure_url(self, aid_pairing):
        return aid_pairing.household.get_absolute_url()


class AidVisitCreateView(HouseholdAidMixin, ServiceFormView):
    queryset = AID_PAIRINGS
    form_class = aid_forms.AidVisitForm
    title = "登记走访 · {obj.cadre.name} → {obj.household.head_name}"
    service = aid_services.do_record_visit
    success_message = "已登记走访记录。"


@login_required
def cadre_pairings(request, person_pk):
    """A cadre's household pairings that the user may see (aid.view)."""
    visible = AidPairing.objects.visible_to(request.user).filter(cadre_id=person_pk)
    cadre = (Person.objects.select_related("home_org")
             .filter(Q(pk__in=Person.objects.visible_to(request.user).values("pk"))
                     | Q(pk__in=visible.values("cadre_id")), pk=person_pk).first())
    if cadre is None:
        raise Http404("未找到该人员。")
    if not has_capability(request.user, "aid.view"):
        raise PermissionDenied("您没有查看结对帮扶的权限。")
    pairings = (visible.select_related("household__village_org")
                .annotate(visit_count=Count("visits"), last_visit=Max("visits__date"))
                .order_by("-is_active", "-since", "-pk"))
    return render(request, "pairing/aid/cadre_pairings.html", {
        "cadre": cadre, "page": paginate(request, pairings),
    })


class LedgerExportView(StartExportView):
    """工作台账 of the village the URL names (404 outside the scope) for the posted year; a
    missing or malformed year, or one outside 2000–this year, means this year."""

    exporter = LEDGER_KIND
    list_capability = "aid.view"
    form_class = aid_forms.LedgerYearForm

    def check_permission(self):
        self.village = visible_or_404(Organization.objects.filter(kind=OrgKind.VILLAGE),
                                      self.request.user, pk=self.kwargs["village_pk"])
        super().check_permission()

    def export_target(self, form):
        return self.village, {"year": form.chosen_year()}

    def refused(self, form, exc):
        messages.error(self.request, error_text(exc))
        return redirect_back(self.request,
                             reverse("pairing:aid_village", args=[self.village.pk]))
