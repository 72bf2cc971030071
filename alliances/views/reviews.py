"""Year-end review pages (年底述职相互评): an alliance's reviews, opening the year's, the review
(status, reports, the matrix of peer scores to date, the results once closed), a member's 述职
form and its phone score sheet, and closing.

Reading needs alliance.view within the alliance's scope (404 outside); opening and closing need
alliance.manage on the owner, a 述职 and a score sheet being that member's secretary or contact
(403). Every write goes through alliances.services.reviews.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from alliances.forms.reviews import CloseReviewForm, OpenReviewForm, PeerScoreForm, ReportForm
from alliances.membership import member_orgs_of
from alliances.models import Alliance, AnnualReview, MemberReport, PeerScore, ReviewStatus
from alliances.services import reviews as services
from alliances.services.meetings import current_members, manages
from portal.transient import retrying
from portal.views.common import add_service_errors, paginate
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW, MANAGE = "alliance.view", services.MANAGE
DENIED = "只有联盟所属乡镇（县）的管理员可以发起和完成年度述职互评。"
MEMBER_DENIED = "只有本联盟成员组织的书记或联络员可以为本组织述职和评分。"
PER_PAGE = 20


def visible_reviews(user):
    return AnnualReview.objects.filter(
        alliance__in=Alliance.objects.visible_to(user, VIEW).values("pk"))


def _review_or_404(user, pk):
    return get_object_or_404(visible_reviews(user).select_related("alliance__owner",
                                                                  "alliance__type"), pk=pk)


@login_required
def review_list(request, pk):
    """An alliance's year-end reviews, newest year first."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user, VIEW)
                                 .select_related("owner", "type"), pk=pk)
    page = paginate(request, alliance.reviews.order_by("-year"), PER_PAGE)
    return render(request, "alliances/meetings/review_list.html", {
        "alliance": alliance, "page": page, "can_manage": manages(user, alliance),
    })


@login_required
def review_detail(request, pk):
    """The review: its reports, the peer-score matrix to date (rows rate columns) and, once
    closed, the results; a constant number of queries whatever the number of members."""
    user = request.user
    review = _review_or_404(user, pk)
    is_open = review.status == ReviewStatus.OPEN
    members = list(current_members(review.alliance).only("id", "name", "path", "kind"))
    reports = {report.member_id: report for report in
               review.reports.select_related("member", "reporter")}
    cells = {(score.rater_id, score.ratee_id): score
             for score in PeerScore.objects.filter(review=review).only(
                 "rater_id", "ratee_id", "score", "comment")}
    matrix = [{"rater": rater,
               "cells": [None if rater.pk == ratee.pk else cells.get((rater.pk, ratee.pk))
                         for ratee in members],
               "done": sum(1 for ratee in members if (rater.pk, ratee.pk) in cells)}
              for rater in members]
    mine = list(member_orgs_of(user, review.alliance).only("id", "name", "path")) \
        if is_open else []
    can_manage = manages(user, review.alliance)
    standing = services.standing(review) if is_open and can_manage else None
    outcome = services.results(review) if not is_open else []
    return render(request, "alliances/meetings/review_detail.html", {
        "review": review, "alliance": review.alliance, "is_open": is_open,
        "members": members, "reports": [(org, reports.get(org.pk)) for org in members],
        "matrix": matrix, "others": max(len(members) - 1, 0), "mine": mine,
        "standing": standing, "outcome": outcome, "min_scored": services.MIN_SCORED,
        "can_manage": can_manage,
    })


def _member_page(request, pk, member_pk):
    """(review, member) for a member's own page: 404 outside the scope or for an organization
    that is not a current member, 403 for someone not acting for it."""
    review = _review_or_404(request.user, pk)
    member = get_object_or_404(current_members(review.alliance), pk=member_pk)
    if not member_orgs_of(request.user, review.alliance).filter(pk=member.pk).exists():
        raise PermissionDenied(MEMBER_DENIED)
    return review, member


def _closed(request, review):
    messages.error(request, services.CLOSED_MESSAGE)
    return redirect(review.get_absolute_url())


@login_required
def review_report(request, pk, member_pk):
    """述职: a member's report, written or edited while the review is open."""
    review, member = _member_page(request, pk, member_pk)
    if review.status != ReviewStatus.OPEN:
        return _closed(request, review)
    report = MemberReport.objects.filter(review=review, member=member).first()
    initial = {"content": report.content, "reporter": report.reporter_id} if report else {}
    form = ReportForm(request.POST if request.method == "POST" else None, member=member,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            retrying(services.submit_report, review, member, actor=request.user,
                     **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存“{member.name}”的述职。")
            return redirect(review.get_absolute_url() + "#reports")
    return render(request, "portal/form.html", {
        "form": form, "title": f"述职 · {member.name}",
        "subtitle": f"{review}：述职可在完成考评前修改。",
        "submit_label": "提交述职" if report is None else "保存修改",
        "cancel_url": review.get_absolute_url(),
    })


@login_required
def review_scores(request, pk, member_pk):
    """相互评分表: the member scores every other member, 0–100, on one phone page."""
    review, member = _member_page(request, pk, member_pk)
    if review.status != ReviewStatus.OPEN:
        return _closed(request, review)
    ratees = list(services.ratees_of(review, member).only("id", "name", "path"))
    existing = {row.ratee_id: (row.score, row.comment)
                for row in PeerScore.objects.filter(review=review, rater=member)}
    form = PeerScoreForm(request.POST if request.method == "POST" else None, ratees=ratees,
                         existing=existing)
    if request.method == "POST" and form.is_valid():
        try:
            retrying(services.save_peer_scores, review, member, actor=request.user,
                     scores=form.scores(), comments=form.comments())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存“{member.name}”的相互评分。")
            return redirect(review.get_absolute_url() + "#matrix")
    return render(request, "alliances/meetings/score_sheet.html", {
        "review": review, "member": member, "form": form, "scored": bool(existing),
    })


class ReviewOpenView(ServiceFormView):
    queryset = Alliance.objects.select_related("owner")
    capability = MANAGE
    denied_message = DENIED
    form_class = OpenReviewForm
    service = services.open_review
    title = "发起年度述职互评 · {obj.name}"
    submit_label = "发起"

    def capability_orgs(self, obj):
        return [obj.owner]

    def get_success_message(self, obj, result):
        return f"已发起{result.year}年度述职互评，各成员组织可以述职和相互评分。"

    def get_cancel_url(self, obj):
        return reverse("alliances:review_list", args=[obj.pk])

    def get_context_data(self, **kwargs):
        subtitle = ("年底述职相互评：各成员组织述职，并为其他每个成员打分（0–100）；完成考评时"
                    "按互评平均分排名，联盟年度考评得分为各成员平均分的平均。")
        return super().get_context_data(subtitle=subtitle, **kwargs)


class ReviewCloseView(ObjectActionView):
    capability = MANAGE
    denied_message = DENIED
    form_class = CloseReviewForm
    service = services.close_review
    success_message = "已完成“{obj}”，结果已生成。"
    error_prefix = "未能完成考评："

    def get_object(self):
        return _review_or_404(self.request.user, self.kwargs["pk"])

    def capability_orgs(self, obj):
        return [obj.alliance.owner]
