"""Villagers' requests (民情诉求): list, record, daily summary (日汇总), judging (日研判),
resolving, and publishing one as a need on the pairing board.

Requests carry personal data (who raised them, their phone): only resident.view holders
(village, township, county) reach any of these pages; a request outside the user's scope is
404, a write without resident.change is 403 (ResidentRequest.workflow). Every change goes
through ledger.services.requests and the generic views.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ledger.filters import RequestFilterSet
from ledger.forms.requests import (
    DayForm,
    JudgeForm,
    PublishNeedForm,
    RequestForm,
    ResolveForm,
)
from ledger.models import RequestCategory, RequestStatus, ResidentRequest
from ledger.services import requests as services
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView
from portal.workflow import can

PENDING_SHOWN = 20
VIEW_DENIED = "您没有查看民情诉求的权限。"


def _require_view(user):
    if not has_capability(user, "resident.view"):
        raise PermissionDenied(VIEW_DENIED)


def _attach_permissions(user, rows):
    """Per-row `can_change` (resident.change on its village; roles are cached on the user)."""
    for row in rows:
        row.can_change = has_capability(user, "resident.change", row.village_org)


class RequestListView(FilteredListView):
    queryset = ResidentRequest.objects.select_related("village_org", "need").order_by("-date",
                                                                                    "-id")
    list_capability = "resident.view"
    denied_message = VIEW_DENIED
    filterset_class = RequestFilterSet
    template_name = "ledger/requests/list.html"
    table_template = "ledger/requests/_table.html"

    def decorate(self, page):
        _attach_permissions(self.request.user, page)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            many_villages="village" in kwargs["form"].fields,
            can_record=has_capability(self.request.user, "resident.change"), **kwargs)


class RequestCreateView(ServiceFormView):
    capability = "resident.change"
    denied_message = "只有村党组织可以登记民情诉求。"
    form_class = RequestForm
    form_takes_user = True
    service = services.do_record_request
    template_name = "ledger/requests/form.html"

    def service_kwargs(self, form):
        return {"request_obj": form.save(commit=False)}

    def get_success_message(self, obj, saved):
        return f"已登记{saved.date:%Y年%-m月%-d日}的民情诉求，待研判。"

    def get_success_url(self, obj, saved):
        another = "another" in self.request.POST
        return reverse("ledger:request_create" if another else "ledger:request_daily")


@login_required
def request_daily(request):
    """日汇总、日研判: one day's requests counted by category, and the backlog to judge."""
    user = request.user
    _require_view(user)
    today = timezone.localdate()
    form = DayForm(request.GET or None, user=user, initial={"date": today})
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    day = data.get("date") or today
    if day > today:
        form.add_error("date", "不能查看未来的日期。")
        day = today
    scoped = ResidentRequest.objects.visible_to(user)
    if data.get("village"):
        scoped = scoped.filter(village_org=data["village"])
    counts = dict(scoped.filter(date=day).values_list("category")
                  .annotate(n=Count("id")).order_by())
    labels = dict(RequestCategory.choices)
    by_category = [(labels[value], counts[value]) for value in RequestCategory.values
                   if value in counts]
    of_day = paginate(request, scoped.filter(date=day).select_related("village_org", "need")
                      .order_by("category", "id"))
    pending = (scoped.filter(status=RequestStatus.PENDING, date__lte=day)
               .select_related("village_org").order_by("date", "id"))
    pending_total = pending.count()
    pending = list(pending[:PENDING_SHOWN])
    _attach_permissions(user, [*of_day, *pending])
    for row in pending:
        row.judge_form = JudgeForm(auto_id=f"id_r{row.pk}_%s")
    return render(request, "ledger/requests/daily.html", {
        "form": form, "day": day, "today": today, "by_category": by_category,
        "day_total": sum(counts.values()), "page": of_day,
        "query_string": query_without_page(request),
        "pending": pending, "pending_total": pending_total,
        "many_villages": "village" in form.fields,
        "can_record": has_capability(user, "resident.change"),
    })


def _request_or_404(request, pk):
    return visible_or_404(ResidentRequest.objects.select_related(
        "village_org", "need", "judged_by", "recorded_by"), request.user, pk=pk)


@login_required
def request_detail(request, pk):
    row = _request_or_404(request, pk)
    user = request.user
    return render(request, "ledger/requests/detail.html", {
        "req": row, "can_change": has_capability(user, "resident.change", row.village_org),
        "judge_form": JudgeForm(initial={"judgement": row.judgement}),
        "resolve_form": ResolveForm(),
        "can_judge": can(row, "judge", user),
        "can_publish": can(row, "publish", user),
        "can_resolve": can(row, "resolve", user),
    })


class RequestAction(ObjectActionView):
    queryset = ResidentRequest.objects.select_related("village_org")


class RequestJudgeView(RequestAction):
    transition = "judge"
    form_class = JudgeForm
    service = services.do_judge_request
    success_message = "已保存研判意见。"


class RequestResolveView(RequestAction):
    transition = "resolve"
    form_class = ResolveForm
    service = services.do_resolve_request
    success_message = "已标记为办结。"


class RequestPublishView(ServiceFormView):
    """发布为需求: publish on the village's needs board in one step, keeping the link."""

    queryset = ResidentRequest.objects.select_related("village_org")
    transition = "publish"
    form_class = PublishNeedForm
    service = services.do_publish_request_as_need
    template_name = "ledger/requests/publish.html"

    refusal_message = "该诉求已发布为需求或已办结，不能再发布。"

    def extra_form_kwargs(self, row):
        return {"initial": services.need_defaults(row)}

    def get_success_message(self, row, published):
        return (f"已发布为需求“{published.need.title}”，结对单位和城市人才可在需求大厅认领。")

    def get_context_data(self, **kwargs):
        return super().get_context_data(req=kwargs["object"], **kwargs)
