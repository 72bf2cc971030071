"""The needs board (需求认领): villages publish, talents and units claim online, report what
they did, and the village confirms with a rating or sends the claim back.

Every transition goes through pairing.services.needs and is declared on the generic views:
fetched through the scope (404 outside it), the workflow transition checked (403), refusals
shown as messages.
"""


from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from pairing.forms.needs import (
    ConfirmClaimForm,
    NeedFilterForm,
    NeedForm,
    ReportDoneForm,
    SendBackForm,
    WithdrawForm,
)
from pairing.models import PLACE_HOLDING, Claim, ClaimEvent, ClaimStatus, Need
from pairing.services import needs as services
from portal.dashboard import sections_for
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import has_capability, scope_holds_every_org, scope_org_ids
from portal.views.common import paginate, query_without_page, stored_file_response, visible_or_404
from portal.views.generic import ObjectActionView, ServiceFormView
from portal.workflow import can


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


def _board_needs(request, mode, capability, today):
    """(form, needs): the board's needs filtered and ordered; counted per need (`with_progress`)
    only when a filter needs the counts (overdue), so the page's COUNT reads needs alone."""
    user = request.user
    form = NeedFilterForm(request.GET or None, user=user, mode=mode, capability=capability)
    if mode == "claim":
        form.fields.pop("overdue", None)  # a need past its deadline is not claimable
    if mode == "claim":
        # The talent's home tile counts the same queryset (可认领的需求). The scope's
        # organizations by id: with the paths PostgreSQL read every open need of a city
        # (10,448) to keep a unit's 91 villages' 245, and each query compiled the 91 paths.
        scope = None
        if not scope_holds_every_org(user, capability):
            scope = Need.objects.filter(village_org__in=scope_org_ids(user, capability))
        needs = (services.claimable_needs(user, today, needs=scope)
                 .select_related("village_org").order_by("deadline", "-id"))
    else:
        # Explicit order: Meta.ordering is dropped once the counts add a GROUP BY.
        needs = (Need.objects.visible_to(user, capability).select_related("village_org")
                 .order_by("-created_at", "-id"))
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
        needs = services.with_progress(needs).filter(services.overdue_q(today))
    elif data.get("overdue") == "no":
        needs = services.with_progress(needs).exclude(services.overdue_q(today))
    return form, needs


def _filtered_needs(request, mode, capability, today):
    """(form, needs) as the board filters them, every need counted (`with_progress`): the
    exporter's rows."""
    form, needs = _board_needs(request, mode, capability, today)
    if "confirmed_count" not in needs.query.annotations:
        needs = services.with_progress(needs)
    return form, needs


def _attach_progress(needs):
    """`confirmed_count` and `pending_count` for the page's needs, one grouped query."""
    counts = {pk: (confirmed, pending) for pk, confirmed, pending in services.with_progress(
        Need.objects.filter(pk__in=[need.pk for need in needs]).order_by())
        .values_list("pk", "confirmed_count", "pending_count")}
    for need in needs:
        need.confirmed_count, need.pending_count = counts.get(need.pk, (0, 0))


def _attach_township_names(needs):
    """`township_name` for the page's needs, one query (as `with_township_name`: the
    township whose path begins the village's path, None when there is none)."""
    length = Organization.steplen * 2
    names = dict(Organization.objects.filter(
        path__in={need.village_org.path[:length] for need in needs}, kind=OrgKind.TOWNSHIP)
        .values_list("path", "name"))
    for need in needs:
        need.township_name = names.get(need.village_org.path[:length])


@login_required
def need_board(request):
    mode, capability = _board_mode(request.user)
    today = timezone.localdate()
    # Paged first, then the page's needs counted and named: the whole set is only counted.
    form, needs = _board_needs(request, mode, capability, today)
    page = paginate(request, needs)
    page.object_list = list(page.object_list)
    if "confirmed_count" not in needs.query.annotations:
        _attach_progress(page.object_list)
    if mode == "overview":
        _attach_township_names(page.object_list)
    for need in page:
        need.overdue = services.is_overdue(need, today)
    return render(request, "pairing/needs/board.html", {
        "mode": mode, "form": form, "page": page, "query_string": query_without_page(request),
        "today": today,
        "can_publish": mode == "village",
        "can_confirm": has_capability(request.user, "need.confirm"),
        # Links other apps add to the board (alliances: 联盟需求), without pairing importing them.
        "board_sections": sections_for(request, "need_board", None),
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
    _attach_review_forms(c for c in claims if can(c, "confirm", user))
    mine = next((c for c in claims if c.claimant_id == user.pk and c.status in PLACE_HOLDING),
                None)
    if mine is not None:
        mine.can_report = can(mine, "report", user)
    overdue = services.is_overdue(need, today)
    for claim in claims:  # still open (not reported) past the deadline
        claim.late = overdue and Claim.workflow.in_state(claim, "report")
    is_open = need.status in Need.workflow["close"].sources
    can_claim = has_capability(user, "need.claim", need.village_org)
    return render(request, "pairing/needs/detail.html", {
        "need": need, "claims": claims, "mine": mine, "today": today,
        "overdue": overdue, "is_open": is_open,
        "can_edit": can(need, "edit", user),
        "can_claim": can_claim,
        "claimable": (can_claim and mine is None and is_open
                      and need.free_places > 0 and need.deadline >= today),
    })


class NeedCreateView(ServiceFormView):
    capability = "need.publish"
    denied_message = "只有村党组织书记可以发布需求。"
    form_class = NeedForm
    form_takes_user = True
    template_name = "pairing/needs/form.html"
    title = "发布需求"
    service = services.do_publish_need
    success_message = "已发布“{result.title}”。"

    def service_kwargs(self, form):
        return {"village_org": form.cleaned_data["village_org"], **form.need_fields()}


class NeedEditView(ServiceFormView):
    queryset = Need.objects.select_related("village_org")
    transition = "edit"
    form_class = NeedForm
    form_takes_user = True
    template_name = "pairing/needs/form.html"
    title = "修改“{obj.title}”"
    service = services.do_update_need
    success_message = "已保存“{result.title}”。"

    def extra_form_kwargs(self, need):
        return {"need": need}

    def service_kwargs(self, form):
        return form.need_fields()

    def get_context_data(self, **kwargs):
        return super().get_context_data(need=kwargs["object"], **kwargs)


class NeedCloseView(ObjectActionView):
    queryset = Need.objects.select_related("village_org")
    transition = "close"
    service = services.do_close_need
    success_message = "已关闭“{obj.title}”，不再接受认领。"


class NeedClaimView(ObjectActionView):
    queryset = Need.objects.select_related("village_org")
    capability = "need.claim"
    service = services.do_claim_need
    success_message = "已认领“{obj.title}”，请按时完成并报告完成情况。"

    def capability_orgs(self, need):
        return [need.village_org]


CLAIMS = Claim.objects.select_related("need__village_org", "claimant")


class ClaimWithdrawView(ObjectActionView):
    queryset = CLAIMS
    transition = "withdraw"
    form_class = WithdrawForm
    service = services.do_withdraw_claim
    success_message = "已撤回对“{obj.need.title}”的认领，名额已释放。"


class ClaimReportView(ServiceFormView):
    queryset = CLAIMS
    transition = "report"
    form_class = ReportDoneForm
    template_name = "pairing/needs/report.html"
    service = services.do_report_done
    success_message = "已报告完成，等待村党组织确认。"

    def refusal(self, claim):
        if can(claim, "report", self.request.user):
            return ""
        return f"该认领当前为“{claim.get_status_display()}”，不能报告完成。"

    def extra_form_kwargs(self, claim):
        return {"initial": {"result": claim.result}}

    def get_context_data(self, **kwargs):
        return super().get_context_data(claim=kwargs["object"], **kwargs)


def _claimant_name(claim):
    return claim.claimant.get_full_name() or claim.claimant.username


class ClaimConfirmView(ObjectActionView):
    queryset = CLAIMS
    transition = "confirm"
    form_class = ConfirmClaimForm
    service = services.do_confirm_claim

    def get_success_message(self, claim, result):
        return f"已确认{_claimant_name(claim)}的完成情况。"


class ClaimSendBackView(ObjectActionView):
    queryset = CLAIMS
    transition = "send_back"
    form_class = SendBackForm
    service = services.do_send_back_claim

    def get_success_message(self, claim, result):
        return f"已退回{_claimant_name(claim)}的认领，请其补充后重新报告。"


@login_required
def claim_evidence(request, pk):
    claim = visible_or_404(CLAIMS, request.user, pk=pk)
    if not claim.evidence:
        raise Http404("没有佐证材料。")
    return stored_file_response(claim.evidence, f"佐证材料-{claim.pk}")


MY_CLAIM_TABS = (ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED,
                 ClaimStatus.WITHDRAWN)


@login_required
def my_claims(request):
    """The claimant's own claims, one tab per status."""
    mine = Claim.objects.filter(claimant=request.user)
    tab = request.GET.get("status", "")
    if tab not in MY_CLAIM_TABS:
        tab = ClaimStatus.CLAIMED
    counts = dict(mine.values_list("status").annotate(n=Count("id")).order_by())
    claims = mine.filter(status=tab).select_related("need__village_org")
    return render(request, "pairing/needs/my_claims.html", {
        "page": paginate(request, claims), "status": tab,
        "tab_claimed": tab == ClaimStatus.CLAIMED, "tab_confirmed": tab == ClaimStatus.CONFIRMED,
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
