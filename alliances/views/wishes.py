"""The alliance's micro-wishes (微心愿) and 联盟需求 ("needs of my alliance").

- `alliance_wishes`: an alliance's member villages' micro-wishes (a tab with all their needs),
  read within the alliance's scope (404 outside it); members may claim a micro-wish there.
- `my_alliance_needs`: for a signed-in member, the needs of the villages in the alliances of
  the user's organizations, filtered by alliance and kind (alliance.view, 403 without it).
- `WishClaimView`: 认领 a fellow member village's micro-wish (alliances.services.wishes, which
  authorises by membership and takes the place through pairing's claim).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances.forms.menu import AllianceNeedsFilterForm
from alliances.membership import member_orgs_of
from alliances.models import Alliance
from alliances.services import wishes as services
from pairing.models import Need, NeedKind, NeedStatus
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView

VIEW = "alliance.view"
NEEDS_PER_PAGE = 30
TABS = [("wishes", "微心愿"), ("all", "全部需求")]


def _decorate(page, today, claimable_for=None, own_ids=()):
    """Per row: free places and whether the user may claim it here (no queries)."""
    for need in page:
        need.claimable = (claimable_for is not None and need.kind == NeedKind.MICRO_WISH
                          and need.status == NeedStatus.PUBLISHED and need.free_places > 0
                          and need.deadline >= today and not need.mine
                          and need.village_org_id not in own_ids)


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
    return render(request, "alliances/menu/alliance_needs.html", {
        "form": form, "page": page, "has_alliances": alliances.exists(),
        "query_string": query_without_page(request), "today": today,
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
