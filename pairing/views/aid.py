"""双结对双帮扶 pages: households (list, village page, detail, forms), cadre pairings, visits,
a cadre's pairings and the village ledger export.

Households carry personal data: they are fetched through `visible_to(user)`, which for this
domain means `aid.view` (village, township, county, leader in scope) — units and talents get
404 on a household and 403 on a village's aid pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pairing.exporters import start_ledger_export
from pairing.forms import aid as aid_forms
from pairing.models import AidHousehold, AidPairing, AidVisit
from pairing.services import aid as aid_services
from pairing.views.meetings import add_service_error
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import has_capability, require
from portal.views.common import error_text, paginate, query_without_page, visible_or_404


def _village_or_404(request, pk, capability="aid.view"):
    village = visible_or_404(Organization.objects.filter(kind=OrgKind.VILLAGE), request.user,
                             pk=pk)
    require(request.user, capability, village)
    return village


def _household_or_404(request, pk):
    return visible_or_404(AidHousehold.objects.select_related("village_org"), request.user,
                          pk=pk)


def _aid_pairing_or_404(request, pk):
    return visible_or_404(
        AidPairing.objects.select_related("household__village_org", "cadre__home_org"),
        request.user, pk=pk)


def _households(request, village=None):
    form = aid_forms.HouseholdFilterForm(request.GET or None, user=request.user, village=village)
    households = (AidHousehold.objects.visible_to(request.user).select_related("village_org")
                  .annotate(active_pairings=Count("aid_pairings",
                                                  filter=Q(aid_pairings__is_active=True))))
    if village is not None:
        households = households.filter(village_org=village)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = data["q"].strip()
        if text:
            households = households.filter(Q(head_name__icontains=text) | Q(phone=text)
                                           | Q(address__icontains=text))
        if data.get("village"):
            households = households.filter(village_org=data["village"])
        if data["difficulty"]:
            households = households.filter(difficulty=data["difficulty"])
        if data["active"]:
            households = households.filter(is_active=data["active"] == "1")
    return form, households.order_by("village_org__path", "head_name", "pk")


def _render_households(request, village):
    form, households = _households(request, village)
    return render(request, "pairing/aid/household_list.html", {
        "form": form, "page": paginate(request, households), "village": village,
        "query_string": query_without_page(request),
        "can_add": village is not None and has_capability(request.user, "aid.change", village),
        "this_year": timezone.localdate().year,
    })


@login_required
def household_list(request):
    """Every household the user may see (aid.view), filtered by village, type and status."""
    if not has_capability(request.user, "aid.view"):
        raise PermissionDenied("您没有查看帮扶对象的权限。")
    return _render_households(request, None)


@login_required
def village_households(request, village_pk):
    """One village's households, with the add button and the ledger export."""
    return _render_households(request, _village_or_404(request, village_pk))


@login_required
def household_create(request, village_pk):
    village = _village_or_404(request, village_pk, "aid.change")
    form = aid_forms.HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = aid_services.do_create_household(village, actor=request.user,
                                                         request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记帮扶对象“{household.head_name}”。")
            return redirect("pairing:aid_household_detail", pk=household.pk)
    return render(request, "pairing/aid/form.html", {
        "form": form, "title": f"登记帮扶对象 · {village.name}",
        "cancel_url": ("pairing:aid_village", village.pk),
    })


@login_required
def household_detail(request, pk):
    household = _household_or_404(request, pk)
    visits = AidVisit.objects.select_related("recorded_by")
    pairings = (household.aid_pairings.select_related("cadre__home_org")
                .prefetch_related(Prefetch("visits", queryset=visits))
                .order_by("-is_active", "-since", "-pk"))
    return render(request, "pairing/aid/household_detail.html", {
        "household": household, "pairings": pairings,
        "can_change": has_capability(request.user, "aid.change", household.village_org),
    })


@login_required
def household_edit(request, pk):
    household = _household_or_404(request, pk)
    require(request.user, "aid.change", household.village_org)
    form = aid_forms.HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        try:
            household = aid_services.do_update_household(household, actor=request.user,
                                                         request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存帮扶对象信息。")
            return redirect("pairing:aid_household_detail", pk=household.pk)
    return render(request, "pairing/aid/form.html", {
        "form": form, "title": f"编辑帮扶对象 · {household.head_name}",
        "cancel_url": ("pairing:aid_household_detail", household.pk),
    })


@login_required
def aid_pairing_create(request, pk):
    household = _household_or_404(request, pk)
    require(request.user, "aid.change", household.village_org)
    search = request.GET.get("q", "").strip()[:50]
    form = aid_forms.AidPairingForm(request.POST or None, user=request.user, search=search)
    if request.method == "POST" and form.is_valid():
        try:
            aid_services.do_create_aid_pairing(household, actor=request.user, request=request,
                                               **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已为“{household.head_name}”家结对帮扶干部。")
            return redirect("pairing:aid_household_detail", pk=household.pk)
    return render(request, "pairing/aid/form.html", {
        "form": form, "title": f"结对帮扶干部 · {household.head_name}",
        "cancel_url": ("pairing:aid_household_detail", household.pk),
        "cadre_search": search, "show_cadre_search": True,
    })


@login_required
def aid_pairing_edit(request, pk):
    aid_pairing = _aid_pairing_or_404(request, pk)
    household = aid_pairing.household
    require(request.user, "aid.change", household.village_org)
    form = aid_forms.AidPlanForm(request.POST or None, initial={"plan": aid_pairing.plan})
    if request.method == "POST" and form.is_valid():
        try:
            aid_services.do_update_aid_plan(aid_pairing, actor=request.user,
                                            plan=form.cleaned_data["plan"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存帮扶计划。")
            return redirect("pairing:aid_household_detail", pk=household.pk)
    return render(request, "pairing/aid/form.html", {
        "form": form, "title": f"帮扶计划 · {aid_pairing.cadre.name} → {household.head_name}",
        "cancel_url": ("pairing:aid_household_detail", household.pk),
    })


@login_required
@require_POST
def aid_pairing_end(request, pk):
    aid_pairing = _aid_pairing_or_404(request, pk)
    require(request.user, "aid.change", aid_pairing.household.village_org)
    try:
        aid_services.do_end_aid_pairing(aid_pairing, actor=request.user, request=request)
    except ValidationError as exc:
        messages.warning(request, error_text(exc))
    else:
        messages.success(request, f"已结束{aid_pairing.cadre.name}的结对帮扶。")
    return redirect("pairing:aid_household_detail", pk=aid_pairing.household_id)


@login_required
def aid_visit_create(request, pk):
    aid_pairing = _aid_pairing_or_404(request, pk)
    household = aid_pairing.household
    require(request.user, "aid.change", household.village_org)
    form = aid_forms.AidVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aid_services.do_record_visit(aid_pairing, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已登记走访记录。")
            return redirect("pairing:aid_household_detail", pk=household.pk)
    return render(request, "pairing/aid/form.html", {
        "form": form, "title": f"登记走访 · {aid_pairing.cadre.name} → {household.head_name}",
        "cancel_url": ("pairing:aid_household_detail", household.pk),
    })


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


@login_required
@require_POST
def ledger_export(request, village_pk):
    village = _village_or_404(request, village_pk)
    this_year = timezone.localdate().year
    try:
        year = int(request.POST.get("year", this_year))
    except (TypeError, ValueError):
        year = this_year
    if not 2000 <= year <= this_year:
        year = this_year
    job = start_ledger_export(village, year, actor=request.user, request=request)
    return redirect("portal:job_detail", job_uuid=job.uuid)
