"""Cross-inspection pages (交叉检查): rounds, a round's assignment, an inspection with its
findings and rectification items, and the forms that change them.

Reading needs alliance.view within the round's owner (the township and county, and through
membership the secretaries and contacts of member organizations): outside it 404. Every write
needs inspection.manage on the owner (403 otherwise) and goes through
alliances.services.inspections and the generic views.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from alliances.forms.inspections import (
    CloseRectificationForm,
    InspectionForm,
    RectificationForm,
    RoundFilterSet,
    RoundForm,
)
from alliances.models import Inspection, InspectionRound, Rectification
from alliances.services import inspections as services
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView

MANAGE = services.CAPABILITY
DENIED = "只有乡镇党委和县委组织部可以组织交叉检查。"
ASSIGNMENTS_PER_PAGE = 100


def _open_q(prefix=""):
    return Q(**{f"{prefix}closed_at__isnull": True})


def _overdue_q(today, prefix=""):
    return _open_q(prefix) & Q(**{f"{prefix}deadline__lt": today})


class RoundListView(FilteredListView):
    queryset = (InspectionRound.objects.select_related("owner")
                .annotate(n_inspections=Count("inspections"),
                          n_scored=Count("inspections", filter=Q(inspections__score__isnull=False)))
                .order_by("-created_at", "-id"))
    list_capability = "alliance.view"
    denied_message = "您没有查看党建联盟的权限。"
    filterset_class = RoundFilterSet
    template_name = "alliances/inspections/round_list.html"
    table_template = "alliances/inspections/_round_table.html"
    paginate_by = 30

    def decorate(self, page):
        """Open and overdue rectifications per round shown, in one grouped query."""
        today = timezone.localdate()
        counts = {row["inspection__round"]: row for row in (
            Rectification.objects.filter(inspection__round__in=[r.pk for r in page])
            .values("inspection__round")
            .annotate(open=Count("id", filter=_open_q()),
                      overdue=Count("id", filter=_overdue_q(today)))
            .order_by())}
        for row in page:
            figures = counts.get(row.pk, {})
            row.open_rectifications = figures.get("open", 0)
            row.overdue_rectifications = figures.get("overdue", 0)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_create=has_capability(self.request.user, MANAGE),
                                        **kwargs)


class RoundCreateView(ServiceFormView):
    capability = MANAGE
    denied_message = DENIED
    form_class = RoundForm
    form_takes_user = True
    service = services.do_create_round
    title = "新建交叉检查轮次"
    submit_label = "生成分配"

    def get_success_message(self, obj, created):
        return f"已生成“{created.title}”的交叉检查分配（种子 {created.seed}）。"

    def get_cancel_url(self, obj):
        return reverse("alliances:round_list")

    def get_context_data(self, **kwargs):
        subtitle = "每个在册联盟检查另一个联盟，不检查自己；三个及以上联盟时不会两两互查。"
        return super().get_context_data(subtitle=subtitle, **kwargs)


@login_required
def round_detail(request, pk):
    """The assignment table: inspector → inspected, score, open and overdue rectifications."""
    inspection_round = visible_or_404(InspectionRound.objects.select_related("owner",
                                                                             "created_by"),
                                      request.user, pk=pk)
    today = timezone.localdate()
    rows = (inspection_round.inspections.select_related("inspector__type", "inspected__type")
            .annotate(open_rectifications=Count("rectifications", filter=_open_q(
                "rectifications__")),
                      overdue_rectifications=Count("rectifications", filter=_overdue_q(
                          today, "rectifications__")))
            .order_by("inspector__name", "id"))
    totals = Rectification.objects.filter(inspection__round=inspection_round).aggregate(
        total=Count("id"), open=Count("id", filter=_open_q()),
        overdue=Count("id", filter=_overdue_q(today)))
    page = paginate(request, rows, ASSIGNMENTS_PER_PAGE)
    return render(request, "alliances/inspections/round_detail.html", {
        "round": inspection_round, "page": page, "query_string": query_without_page(request),
        "totals": totals, "today": today,
        "can_manage": has_capability(request.user, MANAGE, inspection_round.owner),
    })


@login_required
def inspection_detail(request, pk):
    inspection = visible_or_404(Inspection.objects.select_related(
        "round__owner", "inspector__type", "inspected__type", "recorded_by"), request.user, pk=pk)
    today = timezone.localdate()
    rectifications = list(inspection.rectifications.select_related("closed_by")
                          .order_by("closed_at", "deadline", "id"))
    for item in rectifications:
        item.overdue = item.closed_at is None and item.deadline < today
    can_manage = has_capability(request.user, MANAGE, inspection.round.owner)
    return render(request, "alliances/inspections/inspection_detail.html", {
        "inspection": inspection, "round": inspection.round, "rectifications": rectifications,
        "open_count": sum(1 for item in rectifications if item.closed_at is None),
        "overdue_count": sum(1 for item in rectifications if item.overdue),
        "can_manage": can_manage,
        "rectification_form": RectificationForm() if can_manage else None,
    })


class InspectionManageMixin:
    capability = MANAGE
    denied_message = DENIED

    def capability_orgs(self, obj):
        return [obj.round.owner]


class InspectionRecordView(InspectionManageMixin, ServiceFormView):
    """检查结果: date, score and findings (the page also reached from the inspection page)."""

    queryset = Inspection.objects.select_related("round__owner", "inspector", "inspected")
    form_class = InspectionForm
    service = services.do_record_inspection
    title = "检查结果：{obj.inspector.name} → {obj.inspected.name}"
    success_message = "已保存检查结果。"

    def extra_form_kwargs(self, inspection):
        return {"initial": {"inspected_on": inspection.inspected_on or timezone.localdate(),
                            "score": inspection.score, "findings": inspection.findings}}


class RectificationAddView(InspectionManageMixin, ObjectActionView):
    queryset = Inspection.objects.select_related("round__owner")
    form_class = RectificationForm
    service = services.do_add_rectification
    success_message = "已添加整改事项“{result.item}”。"
    error_prefix = "未能添加整改事项："
    url_anchor = "#rectifications"


class RectificationCloseView(InspectionManageMixin, ObjectActionView):
    queryset = Rectification.objects.select_related("inspection__round__owner")
    form_class = CloseRectificationForm
    service = services.do_close_rectification
    success_message = "整改事项“{obj.item}”已销号。"
    error_prefix = "未能销号："

    def capability_orgs(self, obj):
        return [obj.inspection.round.owner]

    def get_failure_url(self, obj):
        return obj.inspection.get_absolute_url() + "#rectifications"

    def get_success_url(self, obj, result):
        return self.get_failure_url(obj)
