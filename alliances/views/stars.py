"""Dynamic stars pages (动态评星): a township's star board for a quarter, an alliance's star
history, the set-stars form and the demonstration-site (示范点) actions.

Reading needs alliance.view (the board: somewhere, 403 otherwise; an alliance: within its scope,
404 otherwise). Setting stars needs alliance.manage on the owner, naming or revoking a
示范点 alliance.manage on the county (403); every write goes through
alliances.services.stars and the generic views.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances import stars as rules
from alliances.filters import visible_owners
from alliances.forms.stars import DemonstrationReasonForm, StarBoardForm, StarSetForm
from alliances.models import Alliance
from alliances.services import stars as services
from portal.scope import has_capability
from portal.views.common import paginate
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW, MANAGE = "alliance.view", services.MANAGE
HISTORY_PER_PAGE = 40


def _quarter_dates(year, quarter):
    """First day of the quarter and of the next one."""
    next_year, next_quarter = rules.next_quarter(year, quarter)
    return (datetime.date(year, quarter * 3 - 2, 1),
            datetime.date(next_year, next_quarter * 3 - 2, 1))


def _change(now, before):
    if now is None:
        return ""
    if before is None:
        return "new"
    if now.stars > before.stars:
        return "up"
    return "down" if now.stars < before.stars else "same"


@login_required
def star_board(request):
    """评星榜: one township's alliances for a quarter, grouped by type, with the change since
    the previous quarter (a constant number of queries whatever the township's size)."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    owners = visible_owners(user)
    form = StarBoardForm(request.GET or None, owners=owners)
    cleaned = {}
    if form.is_bound:
        form.is_valid()
        cleaned = form.cleaned_data
    this_year, this_quarter = rules.quarter_of(timezone.localdate())
    year = cleaned.get("year") or this_year
    quarter = cleaned.get("quarter") or this_quarter
    owner = cleaned.get("township") or owners.first()
    previous = rules.previous_quarter(year, quarter)
    following = rules.next_quarter(year, quarter)
    groups, summary = [], {stars: 0 for stars in range(rules.MAX_STARS, 0, -1)}
    unrated = 0
    if owner is not None:
        start, end = _quarter_dates(year, quarter)
        alliances = list(Alliance.objects.visible_to(user).filter(owner=owner, founded__lt=end)
                         .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
                         .select_related("type")
                         .order_by("type__order", "type_id", "kind", "name", "id"))
        ids = [alliance.pk for alliance in alliances]
        now = services.current_stars(ids, year, quarter) if ids else {}
        before = services.current_stars(ids, *previous) if ids else {}
        by_type = {}
        for alliance in alliances:
            rating, earlier = now.get(alliance.pk), before.get(alliance.pk)
            row = {"alliance": alliance, "rating": rating, "previous": earlier,
                   "change": _change(rating, earlier),
                   "stars_text": services.stars_text(rating.stars) if rating else ""}
            by_type.setdefault(alliance.type_id, (alliance.type, []))[1].append(row)
            if rating is None:
                unrated += 1
            else:
                summary[rating.stars] += 1
        groups = list(by_type.values())
    return render(request, "alliances/stars/board.html", {
        "form": form, "owner": owner, "year": year, "quarter": quarter,
        "previous": previous, "following": following,
        "is_current": (year, quarter) == (this_year, this_quarter),
        "groups": groups, "summary": summary, "unrated": unrated,
        "can_manage": owner is not None and has_capability(user, MANAGE, owner),
        "thresholds": rules.configured_thresholds(),
    })


@login_required
def star_history(request, pk):
    """星级记录: every change of the alliance's stars with its reason, source and who."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user)
                                 .select_related("type", "owner"), pk=pk)
    page = paginate(request, services.star_history(alliance), HISTORY_PER_PAGE)
    page.object_list = list(page.object_list)
    for rating in page.object_list:
        rating.stars_text = services.stars_text(rating.stars)
    can_designate = has_capability(user, MANAGE, services.county_of(alliance))
    return render(request, "alliances/stars/history.html", {
        "alliance": alliance, "page": page,
        "can_set": has_capability(user, MANAGE, alliance.owner),
        "can_designate": can_designate,
        "eligible": can_designate and services.demonstration_eligible(alliance),
        "rule": services.demonstration_rule(),
    })


def _history_url(alliance):
    return reverse("alliances:star_history", args=[alliance.pk])


class StarSetView(ServiceFormView):
    """评定星级: county staff set a quarter's stars by hand, with the reason."""

    queryset = Alliance.objects.select_related("owner", "type")
    capability = MANAGE
    denied_message = "只有县委组织部或乡镇管理员可以评定联盟星级。"
    form_class = StarSetForm
    service = services.set_stars
    title = "评定星级：{obj.name}"
    submit_label = "保存评定"

    def capability_orgs(self, obj):
        return [obj.owner]

    def extra_form_kwargs(self, obj):
        year, quarter = rules.quarter_of(timezone.localdate())
        return {"initial": {"year": year, "quarter": quarter}}

    def get_success_message(self, obj, result):
        return f"已将{obj.name} {result.year}年第{result.quarter}季度评为{result.stars}星。"

    def get_success_url(self, obj, result):
        return _history_url(obj)

    def get_cancel_url(self, obj):
        return _history_url(obj)

    def get_context_data(self, **kwargs):
        bands = "，".join(f"{minimum}分及以上{stars}星"
                         for minimum, stars in rules.configured_thresholds())
        subtitle = (f"纳入考核方案的联盟按得分自动评星（{bands or '未设标准'}，其余1星）；"
                    "未纳入的由县委组织部人工评定，须写明理由。每次评定都留有记录。")
        return super().get_context_data(subtitle=subtitle, **kwargs)


class DemonstrationActionView(ObjectActionView):
    queryset = Alliance.objects.select_related("owner")
    capability = MANAGE
    denied_message = "只有县委组织部可以命名或撤销示范点。"
    form_class = DemonstrationReasonForm

    def capability_orgs(self, obj):
        return [services.county_of(obj)]

    def get_success_url(self, obj, result):
        return _history_url(obj)

    def get_failure_url(self, obj):
        return _history_url(obj)


class DemonstrationDesignateView(DemonstrationActionView):
    service = services.designate_demonstration
    success_message = "已将“{obj.name}”命名为示范点。"
    error_prefix = "未能命名示范点："


class DemonstrationRevokeView(DemonstrationActionView):
    service = services.revoke_demonstration
    success_message = "已撤销“{obj.name}”的示范点称号。"
    error_prefix = "未能撤销示范点："
