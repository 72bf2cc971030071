"""Service menu pages (联盟服务清单, 三向互动 "党员群众选、部门结对送、党建联盟定") and the
一月一公益 board.

Reading needs alliance.view within the alliance's scope (404 outside it, members see their
alliances by membership). Proposing and voting are for the members' people (or the owner's
staff), committing for a member unit, scheduling, marking done and withdrawing for the
owner's staff (403); every write goes through alliances.services.menu and the generic views.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances.filters import visible_owners
from alliances.forms.menu import (
    CharityBoardForm,
    CommitItemForm,
    ProposeItemForm,
    ScheduleItemForm,
    WithdrawItemForm,
)
from alliances.membership import member_orgs_of
from alliances.models import Alliance, ServiceMenuItem, ServiceVote
from alliances.models.menu import MenuStatus
from alliances.services import charity
from alliances.services import menu as services
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW, MANAGE = "alliance.view", services.MANAGE
ITEMS_PER_PAGE = 30
STATUS_TABS = [("active", "进行中"), ("done", "已完成"), ("withdrawn", "已撤下"), ("all", "全部")]
ACTIVE = (MenuStatus.OPEN, MenuStatus.COMMITTED, MenuStatus.SCHEDULED)


def _visible_alliance(user, pk):
    return get_object_or_404(Alliance.objects.visible_to(user).select_related("owner", "type"),
                             pk=pk)


def _visible_items(user):
    return ServiceMenuItem.objects.filter(alliance__in=Alliance.objects.visible_to(user))


def _with_my_vote(items, user):
    return items.annotate(voted=Exists(ServiceVote.objects.filter(item=OuterRef("pk"),
                                                                  voter=user)))


@login_required
def alliance_menu(request, pk):
    """联盟服务清单: the alliance's items by status, most voted first, with the user's votes."""
    user = request.user
    alliance = _visible_alliance(user, pk)
    tab = request.GET.get("status", "active")
    if tab not in dict(STATUS_TABS):
        tab = "active"
    items = (ServiceMenuItem.objects.filter(alliance=alliance)
             .select_related("provider", "proposed_by_org"))
    if tab == "active":
        items = items.filter(status__in=ACTIVE)
    elif tab != "all":
        items = items.filter(status=tab)
    items = _with_my_vote(items, user).order_by("-vote_count", "-created_at", "-id")
    page = paginate(request, items, ITEMS_PER_PAGE)
    is_member = member_orgs_of(user, alliance).exists()
    return render(request, "alliances/menu/alliance_menu.html", {
        "alliance": alliance, "page": page, "tab": tab, "tabs": STATUS_TABS,
        "query_string": query_without_page(request),
        "is_member": is_member, "can_manage": services.can_manage(user, alliance),
        "votable": services.VOTABLE,
    })


@login_required
def menu_item_detail(request, pk):
    user = request.user
    item = get_object_or_404(_with_my_vote(_visible_items(user), user).select_related(
        "alliance__owner", "alliance__type", "provider", "proposed_by_org", "created_by"), pk=pk)
    alliance = item.alliance
    is_member = member_orgs_of(user, alliance).exists()
    can_manage = services.can_manage(user, alliance)
    activities = list(item.activities.select_related("org", "theme").order_by("date", "id"))
    withdraw_form = WithdrawItemForm(auto_id="id_withdraw_%s")
    return render(request, "alliances/menu/item_detail.html", {
        "item": item, "alliance": alliance, "activities": activities,
        "is_member": is_member, "can_manage": can_manage,
        "votable": item.status in services.VOTABLE and alliance.is_open,
        "can_commit": (item.status == MenuStatus.OPEN and alliance.is_open
                       and services.committing_orgs(user, alliance).exists()),
        "can_schedule": (can_manage and alliance.is_open
                         and item.status in services.SCHEDULABLE),
        "can_mark_done": (can_manage and item.status == MenuStatus.SCHEDULED
                          and (item.planned_date is None
                               or item.planned_date <= timezone.localdate())),
        "can_withdraw": (item.status in services.WITHDRAWABLE
                         and services.can_withdraw(user, item)),
        "withdraw_form": withdraw_form,
    })


class ProposeItemView(ServiceFormView):
    """提出服务项目: a member for its organization, or the owner's staff for the alliance."""

    queryset = Alliance.objects.select_related("owner")
    form_class = ProposeItemForm
    service = services.propose_item
    title = "提出服务项目：{obj.name}"
    submit_label = "提出"
    success_message = "已提出服务项目“{result.title}”。"

    def check_permission(self, obj):
        user = self.request.user
        if not (services.can_manage(user, obj) or member_orgs_of(user, obj).exists()):
            raise PermissionDenied(services.NOT_MEMBER)

    def refusal(self, obj):
        return "" if obj.is_open else "该联盟已结束，不能再提出服务项目。"

    def extra_form_kwargs(self, obj):
        return {"user": self.request.user, "alliance": obj}

    def get_cancel_url(self, obj):
        return reverse("alliances:alliance_menu", args=[obj.pk])


class MenuItemMixin:
    """Menu items are fetched through their alliance's scope (members see theirs)."""

    queryset = ServiceMenuItem.objects.select_related("alliance__owner", "provider")

    def get_object(self):
        items = self.get_queryset().filter(
            alliance__in=Alliance.objects.visible_to(self.request.user))
        return get_object_or_404(items, pk=self.kwargs[self.pk_url_kwarg])


class MemberItemAction(MenuItemMixin, ObjectActionView):
    def check_permission(self, obj):
        if not member_orgs_of(self.request.user, obj.alliance).exists():
            raise PermissionDenied(services.NOT_MEMBER)


class VoteView(MemberItemAction):
    service = services.vote
    success_message = "已为“{obj.title}”投票。"
    error_prefix = "未能投票："


class UnvoteView(MemberItemAction):
    service = services.unvote
    success_message = "已撤回对“{obj.title}”的投票。"
    error_prefix = "未能撤回投票："


class CommitItemView(MenuItemMixin, ServiceFormView):
    """部门结对送: a member unit commits to deliver the item."""

    form_class = CommitItemForm
    service = services.commit_item
    title = "认领承办：{obj.title}"
    submit_label = "认领承办"
    success_message = "已认领承办“{obj.title}”。"

    def check_permission(self, obj):
        if not services.committing_orgs(self.request.user, obj.alliance).exists():
            raise PermissionDenied("只有联盟成员中的县直单位可以认领承办服务项目。")

    def refusal(self, obj):
        return "" if obj.status == MenuStatus.OPEN else "只有征集中的项目可以认领承办。"

    def extra_form_kwargs(self, obj):
        return {"user": self.request.user, "item": obj}


class ScheduleItemView(MenuItemMixin, ServiceFormView):
    """党建联盟定: the owner's staff schedule the item; a draft activity is planned."""

    capability = MANAGE
    denied_message = services.NOT_MANAGER
    form_class = ScheduleItemForm
    service = services.schedule_item
    title = "排期：{obj.title}"
    submit_label = "排期"
    success_message = "已排期“{obj.title}”，并在承办组织的活动台账中生成计划活动。"

    def capability_orgs(self, obj):
        return [obj.alliance.owner]

    def refusal(self, obj):
        if obj.status not in services.SCHEDULABLE:
            return "只有征集中或已认领承办的项目可以排期。"
        return "" if obj.alliance.is_open else "该联盟已结束，服务清单不再变动。"

    def extra_form_kwargs(self, obj):
        return {"item": obj}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subtitle="排期后，承办组织的活动台账中会生成一条计划（草稿）活动，活动当天后由承办组织补充内容并提交。",
            **kwargs)


class ManagerItemAction(MenuItemMixin, ObjectActionView):
    capability = MANAGE
    denied_message = services.NOT_MANAGER

    def capability_orgs(self, obj):
        return [obj.alliance.owner]


class MarkDoneView(ManagerItemAction):
    service = services.mark_done
    success_message = "已将“{obj.title}”标记为完成。"
    error_prefix = "未能标记完成："


class WithdrawItemView(MenuItemMixin, ObjectActionView):
    form_class = WithdrawItemForm
    service = services.withdraw_item
    success_message = "已撤下“{obj.title}”。"
    error_prefix = "未能撤下："

    def check_permission(self, obj):
        if not services.can_withdraw(self.request.user, obj):
            raise PermissionDenied("只有联盟所属乡镇（县）管理员可以撤下该项目；征集中的项目，"
                                   "提出组织的书记或联络员也可以撤下。")


@login_required
def charity_board(request):
    """一月一公益: a township's alliances × the 12 months of a year — held ✓, missed ✗, the
    current month pending, future months blank (a constant number of queries)."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    owners = visible_owners(user)
    form = CharityBoardForm(request.GET or None, owners=owners)
    cleaned = {}
    if form.is_bound:
        form.is_valid()
        cleaned = form.cleaned_data
    today = timezone.localdate()
    year = cleaned.get("year") or today.year
    owner = cleaned.get("township") or owners.first()
    grid = []
    if owner is not None:
        start, end = charity.month_first(year, 1), charity.month_first(year + 1, 1)
        alliances = (Alliance.objects.visible_to(user).filter(owner=owner, founded__lt=end)
                     .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
                     .select_related("type").order_by("type__order", "type_id", "kind", "name",
                                                      "id"))
        grid = charity.charity_grid(alliances, year, today)
    return render(request, "alliances/menu/charity.html", {
        "form": form, "owner": owner, "year": year, "grid": grid, "months": range(1, 13),
        "previous_year": year - 1, "next_year": year + 1,
        "missed_total": sum(row[3] for row in grid),
    })
