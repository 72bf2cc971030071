"""The alliance's micro-wishes (微心愿) and 联盟需求 ("needs of my alliance").

- `alliance_wishes`: an alliance's member villages' micro-wishes (a tab with all their needs),
  read within the alliance's scope (404 outside it); members may claim a micro-wish there.
- `my_alliance_needs`: for a signed-in member, the needs of the villages in the alliances of
  the user's organizations, filtered by alliance and kind (alliance.view, 403 without it).
- `WishClaimView`: 认领 a fellow member village's micro-wish (alliances.services.wishes, which
  authorises by membership and takes the place through pairing's claim).
- 我认领的微心愿, a section of both pages: the user's own claims on the member villages'
  micro-wishes, with `WishClaimWithdrawView` (撤回认领) and `WishClaimReportView` (报告完成,
  pairing's report form), fetched among the user's claims in their alliances (404 otherwise).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from alliances.forms.menu import AllianceNeedsFilterForm
from alliances.membership import member_orgs_of
from alliances.models import Alliance
from alliances.services import wishes as services
from pairing.forms.needs import ReportDoneForm, WithdrawForm
from pairing.models import Claim, Need, NeedKind, NeedStatus
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW = "alliance.view"
NEEDS_PER_PAGE = 30
TABS = [("wishes", "微心愿"), ("all", "全部需求")]
CLAIMS_PER_PAGE = 10
CLAIMS_PAGE = "claims_page"  # the section's own page parameter, apart from the needs' page
MY_CLAIMS_ANCHOR = "#my-wish-claims"


def _decorate(page, today, claimable_for=None, own_ids=()):
    """Per row: free places and whether the user may claim it here (no queries)."""
    for need in page:
        need.claimable = (claimable_for is not None and need.kind == NeedKind.MICRO_WISH
                          and need.status == NeedStatus.PUBLISHED and need.free_places > 0
                          and need.deadline >= today and not need.mine
                          and need.village_org_id not in own_ids)


def _my_claims(request, alliances):
    """The 我认领的微心愿 section: a page of the user's claims in `alliances`, each with the
    moves open to it now, and the query string its page links keep."""
    page = Paginator(services.my_wish_claims(request.user, alliances),
                     CLAIMS_PER_PAGE).get_page(request.GET.get(CLAIMS_PAGE))
    for claim in page:
        claim.can_withdraw = Claim.workflow.in_state(claim, "withdraw")
        claim.can_report = Claim.workflow.in_state(claim, "report")
    params = request.GET.copy()
    params.pop(CLAIMS_PAGE, None)
    return {"my_claims": page, "claims_query": params.urlencode(), "claims_page": CLAIMS_PAGE}


def _needs(queryset, user):
    return (services.with_openable(services.with_my_claim(queryset, user), user)
            .select_related("village_org"))


@login_required
def alliance_wishes(request, pk):
    """联盟微心愿: the member villages' micro-wishes, or all their needs (tab)."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user).select_related("owner"), pk=pk)
    tab = request.GET.get("tab", "wishes")
    if tab not in dict(TABS):
        tab = "wishes"
    needs = services.needs_of_alliances([alliance.pk])
    if tab == "wishes":
        needs = needs.filter(kind=NeedKind.MICRO_WISH)
    needs = _needs(needs, user).order_by("-status", "deadline", "-id")
    page = paginate(request, needs, NEEDS_PER_PAGE)
    today = timezone.localdate()
    own_ids = set(member_orgs_of(user, alliance).values_list("pk", flat=True))
    is_member = bool(own_ids) and alliance.is_open
    _decorate(page, today, claimable_for=alliance if is_member else None, own_ids=own_ids)
    return render(request, "alliances/menu/wishes.html", {
        "alliance": alliance, "page": page, "tab": tab, "tabs": TABS, "is_member": is_member,
        "query_string": query_without_page(request), "today": today,
        **(_my_claims(request, [alliance.pk]) if is_member else {}),
    })


@login_required
def my_alliance_needs(request):
    """联盟需求: open needs of the villages in the user's alliances, by alliance and kind."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    alliances = services.member_alliances_of(user).order_by("owner__path", "kind", "name")
    form = AllianceNeedsFilterForm(request.GET or None, alliances=alliances)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = data.get("alliance")
    needs = services.needs_of_alliances([chosen.pk] if chosen else alliances).filter(
        status=NeedStatus.PUBLISHED)
    if data.get("kind"):
        needs = needs.filter(kind=data["kind"])
    needs = _needs(needs, user).order_by("deadline", "-id")
    page = paginate(request, needs, NEEDS_PER_PAGE)
    today = timezone.localdate()
    own_ids = set(services.acting_org_ids(user))
    _decorate(page, today, claimable_for=user, own_ids=own_ids)
    has_alliances = alliances.exists()
    return render(request, "alliances/menu/alliance_needs.html", {
        "form": form, "page": page, "has_alliances": has_alliances,
        "query_string": query_without_page(request), "today": today,
        **(_my_claims(request, alliances) if has_alliances else {}),
    })


class WishClaimView(ObjectActionView):
    """认领微心愿: fetched among the needs of the user's alliances (404 otherwise)."""

    queryset = Need.objects.select_related("village_org")
    service = services.claim_wish
    success_message = "已认领微心愿“{obj.title}”，请按时完成并向该村报告。"
    error_prefix = "未能认领："

    def get_object(self):
        needs = services.needs_of_alliances(services.member_alliances_of(self.request.user))
        return get_object_or_404(self.get_queryset().filter(pk__in=needs.values("pk")),
                                 pk=self.kwargs["pk"])

    def check_permission(self, obj):
        if not services.shares_alliance(self.request.user, obj):
            raise PermissionDenied(services.NOT_FELLOW_MEMBER)

    def get_success_url(self, obj, result):
        return reverse("alliances:my_alliance_needs")

    def get_failure_url(self, obj):
        return reverse("alliances:my_alliance_needs")


class MyWishClaimMixin:
    """A claim fetched among the user's own claims on needs of the current member villages of
    the open alliances the user acts for (404 otherwise; pairing's scope would hide it); the
    service re-checks the same rule. Pages go back to where the user came from (`next`, same
    host) or to 联盟需求's section."""

    queryset = Claim.objects.select_related("need__village_org", "claimant")

    def get_object(self):
        user = self.request.user
        claims = services.claims_of_user_in(user, services.member_alliances_of(user))
        return get_object_or_404(self.get_queryset().filter(pk__in=claims.values("pk")),
                                 pk=self.kwargs["pk"])

    def check_permission(self, obj):
        if not services.may_move_claim(self.request.user, obj):
            raise PermissionDenied(services.NOT_OWN_ALLIANCE_CLAIM)

    def back_url(self):
        request = self.request
        target = request.POST.get("next") or request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return target
        return reverse("alliances:my_alliance_needs") + MY_CLAIMS_ANCHOR

    def get_success_url(self, obj, result):
        return self.back_url()

    def get_failure_url(self, obj):
        return self.back_url()


class WishClaimWithdrawView(MyWishClaimMixin, ObjectActionView):
    """撤回认领 (the page asks first); the place goes back to the wish."""

    form_class = WithdrawForm
    service = services.withdraw_wish_claim
    success_message = "已撤回对“{obj.need.title}”的认领，名额已释放。"
    error_prefix = "未能撤回："


class WishClaimReportView(MyWishClaimMixin, ServiceFormView):
    """报告完成 with the result and optional evidence (pairing's form and its upload checks);
    the village confirms on its need page."""

    form_class = ReportDoneForm
    template_name = "alliances/menu/wish_claim_report.html"
    service = services.report_wish_claim
    title = "报告完成：{obj.need.title}"
    submit_label = "提交"
    multipart = True
    success_message = "已报告完成，等待{obj.need.village_org.name}确认。"

    def refusal(self, claim):
        if Claim.workflow.in_state(claim, "report"):
            return ""
        return f"该认领当前为“{claim.get_status_display()}”，不能报告完成。"

    def guarded(self, obj):
        message = self.refusal(obj)
        if message:
            messages.error(self.request, message)
            return redirect(self.back_url())
        return None

    def extra_form_kwargs(self, claim):
        return {"initial": {"result": claim.result}}

    def get_cancel_url(self, obj):
        return self.back_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(claim=kwargs["object"], next_url=self.back_url(),
                                        **kwargs)
