"""The needs board (需求认领): villages publish, talents and units claim online, report what
they did, and the village confirms with a rating or sends the claim back.

Every transition goes through pairing.services.needs; the views fetch through the scope
(404 outside it), let PermissionDenied become 403 and show ValidationError messages.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pairing.forms.needs import (
    ConfirmClaimForm,
    NeedFilterForm,
    NeedForm,
    ReportDoneForm,
    SendBackForm,
    WithdrawForm,
)
from pairing.models import PLACE_HOLDING, Claim, ClaimEvent, ClaimStatus, Need, NeedStatus
from pairing.services import needs as services
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import has_capability, require
from portal.views.common import (
    add_service_errors,
    error_text,
    paginate,
    query_without_page,
    redirect_back,
    stored_file_response,
    visible_or_404,
)


def _need_url(need_id, claim_id=None):
    url = reverse("pairing:need_detail", args=[need_id])
    return f"{url}#claim-{claim_id}" if claim_id else url


def _board_mode(user):
    """(mode, capability): the village's own board, the claimable board of a talent or unit,
    or the overview of township, county and leaders."""
    if has_capability(user, "need.publish"):
        return "village", "need.publish"
    if has_capability(user, "need.claim"):
        return "claim", "need.claim"
    if has_capability(user, "need.view"):
        return "overview", "need.view"
    raise PermissionDenied("您没有查看需求认领的权限。")


def _set_township_names(needs):
    """Give each need on the page its village's township name, in one query."""
    width = Organization.steplen * 2
    paths = {need.village_org.path[:width] for need in needs}
    names = dict(Organization.objects.filter(path__in=paths, kind=OrgKind.TOWNSHIP)
                 .values_list("path", "name"))
    for need in needs:
        need.township_name = names.get(need.village_org.path[:width], "")


def _filtered_needs(request, mode, capability, today):
    user = request.user
    form = NeedFilterForm(request.GET or None, user=user, mode=mode, capability=capability)
    # Explicit order: Meta.ordering is dropped once the counts add a GROUP BY.
    needs = (Need.objects.visible_to(user, capability).select_related("village_org")
             .order_by("-created_at", "-id"))
    if mode == "claim":
        needs = needs.open().annotate(mine=Exists(Claim.objects.filter(
            need=OuterRef("pk"), claimant=user, status__in=PLACE_HOLDING)))
        needs = needs.order_by("deadline", "-id")
    needs = services.with_progress(needs)
    form.is_valid()  # filters that validate apply; a bad one is ignored and shown as an error
    data = getattr(form, "cleaned_data", {})
    if data.get("q"):
        needs = needs.filter(Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]))
    if data.get("township"):
        needs = needs.filter(village_org__path__startswith=data["township"].path)
    if data.get("village"):
        needs = needs.filter(village_org=data["village"])
    if data.get("kind"):
        needs = needs.filter(kind=data["kind"])
    if data.get("status"):
        needs = needs.filter(status=data["status"])
    if data.get("overdue") == "yes":
        needs = needs.filter(services.overdue_q(today))
    elif data.get("overdue") == "no":
        needs = needs.exclude(services.overdue_q(today))
    return form, needs


@login_required
def need_board(request):
    mode, capability = _board_mode(request.user)
    today = timezone.localdate()
    form, needs = _filtered_needs(request, mode, capability, today)
    page = paginate(request, needs)
    for need in page:
        need.overdue = services.is_overdue(need, today)
    if mode == "overview":
        _set_township_names(page)
    return render(request, "pairing/needs/board.html", {
        "mode": mode, "form": form, "page": page, "query_string": query_without_page(request),
        "today": today,
        "can_publish": mode == "village",
        "can_confirm": has_capability(request.user, "need.confirm"),
    })


def _attach_review_forms(claims):
    """Per-claim confirm and send-back forms, so field ids stay unique on the page."""
    for claim in claims:
        claim.confirm_form = ConfirmClaimForm(auto_id=f"id_c{claim.pk}_%s")
        claim.send_back_form = SendBackForm(auto_id=f"id_c{claim.pk}_%s")


def _status_labels(claims):
    labels = dict(ClaimStatus.choices)
    for claim in claims:
        for event in claim.events.all():
            event.from_label = labels.get(event.from_status, "—")
            event.to_label = labels.get(event.to_status, event.to_status)


@login_required
def need_detail(request, pk):
    user = request.user
    need = get_object_or_404(
        services.with_progress(Need.objects.visible_to(user, "need.view")
                               .select_related("village_org", "source_item", "created_by")),
        pk=pk)
    today = timezone.localdate()
    claims = list(need.claims.select_related("claimant").prefetch_related(
        Prefetch("events", queryset=ClaimEvent.objects.select_related("actor"))))
    _status_labels(claims)
    _attach_review_forms(c for c in claims if c.status == ClaimStatus.DONE)
    mine = next((c for c in claims if c.claimant_id == user.pk and c.status in PLACE_HOLDING),
                None)
    village = need.village_org
    can_claim = has_capability(user, "need.claim", village)
    return render(request, "pairing/needs/detail.html", {
        "need": need, "claims": claims, "mine": mine, "today": today,
        "overdue": services.is_overdue(need, today),
        "is_open": need.status == NeedStatus.PUBLISHED,
        "can_publish": has_capability(user, "need.publish", village),
        "can_confirm": has_capability(user, "need.confirm", village),
        "can_claim": can_claim,
        "claimable": (can_claim and mine is None and need.status == NeedStatus.PUBLISHED
                      and need.free_places > 0 and need.deadline >= today),
    })


@login_required
def need_create(request):
    if not has_capability(request.user, "need.publish"):
        raise PermissionDenied("只有村党组织书记可以发布需求。")
    form = NeedForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.do_publish_need(form.cleaned_data["village_org"], actor=request.user,
                                            **form.need_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已发布“{need.title}”。")
            return redirect("pairing:need_detail", pk=need.pk)
    return render(request, "pairing/needs/form.html", {"form": form, "title": "发布需求"})


@login_required
def need_edit(request, pk):
    need = visible_or_404(Need.objects.select_related("village_org"), request.user, pk=pk)
    require(request.user, "need.publish", need.village_org)
    if need.status != NeedStatus.PUBLISHED:
        messages.warning(request, "已关闭的事项不能修改。")
        return redirect("pairing:need_detail", pk=need.pk)
    form = NeedForm(request.POST or None, user=request.user, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.do_update_need(need, actor=request.user, **form.need_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存“{need.title}”。")
            return redirect("pairing:need_detail", pk=need.pk)
    return render(request, "pairing/needs/form.html", {
        "form": form, "title": f"修改“{need.title}”", "need": need})


@login_required
@require_POST
def need_close(request, pk):
    need = visible_or_404(Need.objects.select_related("village_org"), request.user, pk=pk)
    services.do_close_need(need, actor=request.user)
    messages.success(request, f"已关闭“{need.title}”，不再接受认领。")
    return redirect("pairing:need_detail", pk=need.pk)


@login_required
@require_POST
def need_claim(request, pk):
    need = visible_or_404(Need.objects.select_related("village_org"), request.user, pk=pk)
    try:
        claim = services.do_claim_need(need, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("pairing:need_detail", pk=need.pk)
    messages.success(request, f"已认领“{need.title}”，请按时完成并报告完成情况。")
    return redirect(_need_url(need.pk, claim.pk))


def _claim_or_404(request, pk):
    return visible_or_404(Claim.objects.select_related("need__village_org", "claimant"),
                          request.user, pk=pk)


def _own_claim(request, pk):
    claim = _claim_or_404(request, pk)
    if claim.claimant_id != request.user.pk:
        raise PermissionDenied("只能处理自己的认领。")
    return claim


@login_required
@require_POST
def claim_withdraw(request, pk):
    claim = _own_claim(request, pk)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.do_withdraw_claim(claim, actor=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已撤回对“{claim.need.title}”的认领，名额已释放。")
    return redirect_back(request, _need_url(claim.need_id, claim.pk))


@login_required
def claim_report(request, pk):
    claim = _own_claim(request, pk)
    if claim.status != ClaimStatus.CLAIMED:
        messages.info(request, f"该认领当前为“{claim.get_status_display()}”，不能报告完成。")
        return redirect(_need_url(claim.need_id, claim.pk))
    form = ReportDoneForm(request.POST or None, request.FILES or None,
                          initial={"result": claim.result})
    if request.method == "POST" and form.is_valid():
        try:
            services.do_report_done(claim, actor=request.user,
                                    result=form.cleaned_data["result"],
                                    evidence=form.cleaned_data["evidence"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已报告完成，等待村党组织确认。")
            return redirect(_need_url(claim.need_id, claim.pk))
    return render(request, "pairing/needs/report.html", {"form": form, "claim": claim})


@login_required
@require_POST
def claim_confirm(request, pk):
    claim = _claim_or_404(request, pk)
    require(request.user, "need.confirm", claim.need.village_org)
    form = ConfirmClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
    else:
        try:
            services.do_confirm_claim(claim, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已确认{_claimant_name(claim)}的完成情况。")
    return redirect_back(request, _need_url(claim.need_id, claim.pk))


@login_required
@require_POST
def claim_send_back(request, pk):
    claim = _claim_or_404(request, pk)
    require(request.user, "need.confirm", claim.need.village_org)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
    else:
        try:
            services.do_send_back_claim(claim, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已退回{_claimant_name(claim)}的认领，请其补充后重新报告。")
    return redirect_back(request, _need_url(claim.need_id, claim.pk))


def _claimant_name(claim):
    return claim.claimant.get_full_name() or claim.claimant.username


@login_required
def claim_evidence(request, pk):
    claim = _claim_or_404(request, pk)
    if not claim.evidence:
        raise Http404("没有佐证材料。")
    return stored_file_response(claim.evidence, f"佐证材料-{claim.pk}")


MY_CLAIM_TABS = (ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED,
                 ClaimStatus.WITHDRAWN)


@login_required
def my_claims(request):
    """The claimant's own claims, one tab per status."""
    mine = Claim.objects.filter(claimant=request.user)
    status = request.GET.get("status", "")
    if status not in MY_CLAIM_TABS:
        status = ClaimStatus.CLAIMED
    counts = dict(mine.values_list("status").annotate(n=Count("id")).order_by())
    claims = mine.filter(status=status).select_related("need__village_org")
    return render(request, "pairing/needs/my_claims.html", {
        "page": paginate(request, claims), "status": status,
        "tabs": [(s.value, s.label, counts.get(s.value, 0)) for s in MY_CLAIM_TABS],
        "query_string": query_without_page(request), "today": timezone.localdate(),
    })


@login_required
def claims_to_confirm(request):
    """待确认: claims reported done in the villages where the user confirms."""
    if not has_capability(request.user, "need.confirm"):
        raise PermissionDenied("只有村党组织可以确认认领。")
    claims = (Claim.objects.visible_to(request.user, "need.confirm")
              .filter(status=ClaimStatus.DONE)
              .select_related("need__village_org", "claimant").order_by("done_at", "id"))
    page = paginate(request, claims)
    _attach_review_forms(page)
    return render(request, "pairing/needs/to_confirm.html", {
        "page": page, "query_string": query_without_page(request),
    })
