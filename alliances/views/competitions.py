"""擂台赛 pages: the list, a round's page (criteria, entrants, judges, scoring progress, results),
the judge's phone score sheet, the create form, publishing and the Excel / PDF downloads
(background jobs: POST starts one, the file is downloaded from the job's page).

A round is seen by those with alliance.view on its owner (membership included) and by its
seated judges, who may come from anywhere; otherwise 404. Creating and publishing need
alliance.manage on the owner (403). The score sheet is for seated judges only (403 for anyone
else who sees the round), and a judge who belongs to the entrant alliance gets 403 on its sheet.
Results show once published, and to the managers before.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from alliances.exporters import (
    COMPETITION_PDF_KIND,
    COMPETITION_XLSX_KIND,
    NOT_PUBLISHED,
    filing_org,
)
from alliances.forms.competitions import CompetitionForm, ScoreSheetForm
from alliances.models import Competition, CompetitionStatus, Entrant, Judge, JudgeScore
from alliances.services import competitions as services
from portal.exporting import get_exporter
from portal.scope import has_capability
from portal.subqueries import count_per
from portal.transient import retrying
from portal.views.common import add_service_errors, paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView, StartExportView

MANAGE = services.CAPABILITY
DENIED = "只有乡镇党委和县委组织部可以组织擂台赛。"
NOT_A_JUDGE = "只有本场擂台赛的评委可以评分。"


def _competition_or_404(user, pk):
    return get_object_or_404(services.competitions_for(user).select_related("owner",
                                                                            "created_by"),
                             pk=pk)


@login_required
def competition_list(request):
    rows = (services.competitions_for(request.user).select_related("owner")
            .annotate(n_entrants=count_per(Entrant.objects.all(), "competition"),
                      n_judges=count_per(Judge.objects.all(), "competition"))
            .order_by("-year", "-half", "-held_on", "-id"))
    can_view = has_capability(request.user, "alliance.view")
    if not can_view and not services.judged_competition_ids(request.user).exists():
        raise PermissionDenied("您没有查看党建联盟的权限。")
    page = paginate(request, rows, 30)
    judged = set(services.judged_competition_ids(request.user)
                 .filter(competition_id__in=[row.pk for row in page])
                 .values_list("competition_id", flat=True))
    for row in page:
        row.i_judge = row.pk in judged
    return render(request, "alliances/competitions/competition_list.html", {
        "page": page, "query_string": query_without_page(request),
        "can_create": has_capability(request.user, MANAGE),
    })


@login_required
def competition_detail(request, pk):
    competition = _competition_or_404(request.user, pk)
    can_manage = has_capability(request.user, MANAGE, competition.owner)
    criteria = list(competition.criteria.order_by("order", "id"))
    progress = services.progress(competition)
    mine = next((row for row in progress if row.judge.user_id == request.user.pk), None)
    published = competition.status == CompetitionStatus.PUBLISHED
    table = services.results(competition) if published or can_manage else None
    missing_total = sum(len(row.missing) for row in progress)
    sheets_total = sum(len(row.eligible) for row in progress)
    return render(request, "alliances/competitions/competition_detail.html", {
        "competition": competition, "criteria": criteria, "progress": progress, "mine": mine,
        "missing_ids": {entrant.pk for entrant in mine.missing} if mine else set(),
        "recused_ids": {entrant.pk for entrant in mine.recused} if mine else set(),
        "entrants": list(competition.entrants.select_related("alliance")
                         .order_by("alliance__name")),
        "table": table, "published": published, "can_manage": can_manage,
        "sheets_done": sheets_total - missing_total, "sheets_total": sheets_total,
        "is_open": competition.status == CompetitionStatus.OPEN,
    })


@login_required
def score_sheet(request, pk, entrant_pk):
    """评分表: one number per criterion for one entrant, saved by the seated judge."""
    competition = _competition_or_404(request.user, pk)
    entrant = get_object_or_404(competition.entrants.select_related("alliance"), pk=entrant_pk)
    seat = services.seat_of(competition, request.user)
    if seat is None:
        raise PermissionDenied(NOT_A_JUDGE)
    if services.judge_belongs_to(request.user, entrant.alliance):
        raise PermissionDenied(services.CONFLICT_MESSAGE)
    criteria = list(competition.criteria.order_by("order", "id"))
    existing = dict(JudgeScore.objects.filter(judge=seat, entrant=entrant)
                    .values_list("criterion_id", "score"))
    is_open = competition.status == CompetitionStatus.OPEN
    detail_url = reverse("alliances:competition_detail", args=[competition.pk])
    form = ScoreSheetForm(request.POST if request.method == "POST" else None,
                          criteria=criteria, initial_scores=existing)
    if request.method == "POST":
        if not is_open:
            messages.error(request, "成绩已公布，评分不能再修改。")
            return redirect(detail_url)
        if form.is_valid():
            try:
                retrying(services.do_save_score_sheet, entrant, actor=request.user,
                         scores=form.scores())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已保存对“{entrant.alliance.name}”的评分。")
                return redirect(detail_url + "#my-sheets")
    return render(request, "alliances/competitions/score_sheet.html", {
        "competition": competition, "entrant": entrant, "form": form, "is_open": is_open,
        "scored": bool(existing), "detail_url": detail_url,
    })


class CompetitionCreateView(ServiceFormView):
    capability = MANAGE
    denied_message = DENIED
    form_class = CompetitionForm
    form_takes_user = True
    service = services.do_create_competition
    title = "新建擂台赛"
    submit_label = "创建"

    def get_success_message(self, obj, created):
        return f"已创建“{created.title}”，评委可以开始评分。"

    def get_cancel_url(self, obj):
        return reverse("alliances:competition_list")

    def get_context_data(self, **kwargs):
        subtitle = "每半年一次，联盟围绕中心工作打擂比武：设定评分项及权重、参赛联盟和评委；" \
                   "评委在手机上逐项打分，不能为自己所在的联盟评分。"
        return super().get_context_data(subtitle=subtitle, **kwargs)


class CompetitionPublishView(ObjectActionView):
    queryset = Competition.objects.select_related("owner")
    capability = MANAGE
    denied_message = DENIED
    service = services.do_publish_competition
    success_message = "已公布“{obj.title}”的成绩。"
    error_prefix = "未能公布："

    def capability_orgs(self, obj):
        return [obj.owner]


class CompetitionExportView(StartExportView):
    """POST: start the results job of a published round (alliances/exporters.py) and go to the
    job's progress page, where the file is downloaded. Whoever sees the round may (its scope or
    a judge's seat; 404 otherwise); before publication it sends back to the round."""

    back_url = "alliances:competition_list"

    def post(self, request, *args, **kwargs):
        self.competition = _competition_or_404(request.user, kwargs["pk"])
        if self.competition.status != CompetitionStatus.PUBLISHED:
            messages.error(request, NOT_PUBLISHED)
            return redirect(self.competition)
        return super().post(request, *args, **kwargs)

    def get_form(self):
        return get_exporter(self.exporter).get_form({"competition": self.competition.pk},
                                                    user=self.request.user)

    def export_target(self, form):
        competition = form.cleaned_data["competition"]
        capability = get_exporter(self.exporter).capability
        return (filing_org(self.request.user, competition.owner, capability),
                {"competition": competition.pk})


class CompetitionExcelView(CompetitionExportView):
    exporter = COMPETITION_XLSX_KIND


class CompetitionPdfView(CompetitionExportView):
    exporter = COMPETITION_PDF_KIND
