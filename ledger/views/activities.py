"""The activity ledger (活动台账): list and 待确认 queue, the phone-first form, the detail page
with evidence, the township's confirm/return, and reopening closed months.

Every write goes through ledger.services and the generic views (portal.views.generic): they
fetch through the scope (404 outside it), check permission before state (403) and show the
services' refusals; buttons come from Activity.workflow.
"""

import mimetypes
from itertools import groupby
from operator import attrgetter
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.forms import NON_FIELD_ERRORS
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from ledger.filters import ActivityFilterSet, ActivityQueueFilterSet
from ledger.forms.activities import (
    ActivityForm,
    BatchReturnForm,
    EvidenceUploadForm,
    ReopenForm,
    ReturnForm,
    logging_orgs,
    person_label,
)
from ledger.models import (
    Activity,
    ActivityStatus,
    Evidence,
    EvidenceKind,
    MonthReopening,
    ParticipantRole,
    Participation,
    ReopenRequest,
    ReopenRequestStatus,
)
from ledger.services import activities as services
from ledger.services import evidence as evidence_services
from ledger.services.locks import (
    do_reopen_month,
    lock_notice,
    lock_problem,
    locked_since,
    month_is_locked,
)
from pairing.models import Pairing, PairingStatus
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import has_capability, scope_q
from portal.views.common import COUNT_CAP, paginate, query_without_page, visible_or_404
from portal.views.generic import (
    BatchActionView,
    FilteredListView,
    ObjectActionView,
    ServiceFormView,
)
from portal.workflow import can

SEARCH_LIMIT = 20
QUEUE_THUMBNAILS = 3
RECENT_ACTIVITIES = 10
CLEAR_DRAFT_KEY = "ledger_clear_draft"


def _set_counts(activities):
    """Participant and evidence counts for the activities on a page: two grouped queries."""
    ids = [a.pk for a in activities]
    people = dict(Participation.objects.filter(activity_id__in=ids).values_list("activity_id")
                  .annotate(n=Count("id")).order_by())
    files = dict(Evidence.objects.filter(activity_id__in=ids).values_list("activity_id")
                 .annotate(n=Count("id")).order_by())
    for activity in activities:
        activity.people_count = people.get(activity.pk, 0)
        activity.evidence_count = files.get(activity.pk, 0)


def _set_township_names(activities):
    """`township_name` of the activities on a page, in one query by path: annotated on the
    list's queryset, the lookup also ran for each of the 10,000 rows the capped count reads
    (city scale: 12 of the count's 14 ms)."""
    length = Organization.steplen * 2
    names = dict(Organization.objects.filter(
        kind=OrgKind.TOWNSHIP, path__in={a.org.path[:length] for a in activities})
        .values_list("path", "name"))
    for activity in activities:
        activity.township_name = names.get(activity.org.path[:length])


class ActivityListView(FilteredListView):
    queryset = Activity.objects.select_related("org", "theme").order_by("-date", "-id")
    visible_action = "ledger.view"
    list_capability = "ledger.view"
    denied_message = "您没有查看活动台账的权限。"
    filterset_class = ActivityFilterSet
    template_name = "ledger/activities/list.html"
    table_template = "ledger/activities/_table.html"
    count_cap = COUNT_CAP  # a city holds 500,000 activities

    def decorate(self, page):
        _set_counts(page)

    def get_context_data(self, **kwargs):
        user = self.request.user
        fields = kwargs["form"].fields
        if "township" in fields:
            _set_township_names(kwargs["page"])
        return super().get_context_data(
            show_org="org" in fields, show_township="township" in fields,
            can_log=has_capability(user, "ledger.log"),
            can_confirm=has_capability(user, "ledger.confirm"),
            can_reopen=has_capability(user, "ledger.reopen"), **kwargs)


class ActivityToConfirmView(FilteredListView):
    """待确认: submitted activities in the township's (or county's) scope, oldest first, with
    evidence thumbnails, ticked and confirmed or returned together; the 补录申请 waiting
    for the township above them."""

    queryset = (Activity.objects.filter(status=ActivityStatus.SUBMITTED)
                .select_related("org", "theme").order_by("submitted_at", "id"))
    visible_action = "ledger.confirm"
    list_capability = "ledger.confirm"
    denied_message = "只有乡镇（县）管理员可以确认活动台账。"
    filterset_class = ActivityQueueFilterSet
    template_name = "ledger/activities/to_confirm.html"
    table_template = "ledger/activities/_queue.html"

    def decorate(self, page):
        _set_counts(page)
        _set_thumbnails(page)

    def get_context_data(self, **kwargs):
        fields = kwargs["form"].fields
        if "township" in fields:
            _set_township_names(kwargs["page"])
        pending = (ReopenRequest.objects.visible_to(self.request.user, "ledger.reopen")
                   .filter(status=ReopenRequestStatus.PENDING)
                   .select_related("org", "activity", "requested_by")
                   .order_by("requested_at", "id"))
        return super().get_context_data(
            show_township="township" in fields, reopen_requests=list(pending[:PENDING_SHOWN]),
            reopen_request_count=pending.count(), **kwargs)


PENDING_SHOWN = 20


def _set_thumbnails(activities):
    """Up to QUEUE_THUMBNAILS photo ids per activity on the page, in one query."""
    rows = (Evidence.objects.filter(activity_id__in=[a.pk for a in activities],
                                    kind=EvidenceKind.PHOTO).exclude(thumbnail="")
            .order_by("activity_id", "uploaded_at", "id").values_list("activity_id", "pk",
                                                                       "original_name"))
    photos = {}
    for activity_id, pk, name in rows:
        shown = photos.setdefault(activity_id, [])
        if len(shown) < QUEUE_THUMBNAILS:
            shown.append({"pk": pk, "name": name})
    for activity in activities:
        activity.thumbnails = photos.get(activity.pk, [])


class ActivityBatchConfirmView(BatchActionView):
    """批量确认 the ticked activities of the queue: all of them, or none."""

    queryset = Activity.objects.select_related("org")
    visible_action = "ledger.confirm"
    capability = "ledger.confirm"
    denied_message = "只有乡镇（县）管理员可以确认活动台账。"
    service = services.do_confirm_activities
    success_message = "已确认 {count} 条活动。"
    success_url = "ledger:activity_to_confirm"
    error_prefix = "没有确认任何活动："


class ActivityBatchReturnView(ActivityBatchConfirmView):
    """批量退回 with one reason: all of them, or none."""

    form_class = BatchReturnForm
    service = services.do_return_activities
    success_message = "已退回 {count} 条活动，请村（单位）修改后重新提交。"
    error_prefix = "没有退回任何活动："


def _status_history(activity):
    """Status changes from the change history, oldest first (one query)."""
    labels = dict(ActivityStatus.choices)
    records = activity.history.select_related("history_user").order_by("history_date",
                                                                       "history_id")
    # The first record of each run of one status is the change; submitting clears the
    # reason, so only a return's record carries one.
    firsts = (next(run) for _, run in groupby(records, key=attrgetter("status")))
    return [{"when": record.history_date, "user": record.history_user,
             "status": labels.get(record.status, record.status),
             "reason": record.return_reason} for record in firsts]


def _lock_context(user, activity):
    """The lock explanation for an editable activity, with the links to ask for (or grant)
    补录 of its month."""
    if not Activity.workflow.in_state(activity, "edit"):
        return {}
    problem = lock_problem(activity.org, activity.date)
    if not problem:
        return {"lock_problem": problem}
    return {"lock_problem": problem, **_lock_links(user, activity.org, activity.date)}


def _lock_links(user, org, day):
    """开放补录 for those who may reopen the locked month, 申请补录 for those who keep the
    organization's ledger."""
    return {"reopen_link": _locked_month_link(user, org, day, "ledger.reopen",
                                              "ledger:month_reopen"),
            "reopen_request_link": _locked_month_link(user, org, day, "ledger.log",
                                                      "ledger:reopen_request_create")}


def _locked_month_link(user, org, day, capability, url_name):
    """The page `url_name` for org's locked month of `day`, prefilled, if the user holds
    `capability` there; "" when the month is open or the user may not."""
    if not has_capability(user, capability, org):
        return ""
    if not month_is_locked(org, day.year, day.month):
        return ""
    return f"{reverse(url_name)}?org={org.pk}&year={day.year}&month={day.month}"


def _locked_month_context(user, activity):
    """An editable activity in a locked month: the notice instead of 修改/提交, the link to
    reopen (for those who may), and for its organization the 申请补录 and its state."""
    if not Activity.workflow.in_state(activity, "edit"):
        return {}
    org, day = activity.org, activity.date
    closed = locked_since(org, day.year, day.month)
    if closed is None:
        return {}
    context = {"locked_notice": lock_notice(day.year, day.month, closed),
               "reopen_link": _locked_month_link(user, org, day, "ledger.reopen",
                                                 "ledger:month_reopen")}
    if has_capability(user, "ledger.log", org):
        latest = (ReopenRequest.objects.filter(org=org, year=day.year, month=day.month)
                  .select_related("handled_by").order_by("-requested_at", "-id").first())
        context.update(reopen_request=latest,
                       can_request=latest is None or latest.status != ReopenRequestStatus.PENDING)
    return context


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = visible_or_404(
        Activity.objects.select_related("org", "theme", "pairing__city_org",
                                        "pairing__village_org", "need", "created_by",
                                        "confirmed_by"), user, pk=pk)
    org = activity.org
    context = {
        "activity": activity,
        "participations": activity.participations.select_related("person__home_org")
        .order_by("id"),
        "evidence": list(activity.evidence.all()),
        "history": _status_history(activity),
        "upload_form": EvidenceUploadForm(),
        "clear_draft": request.session.pop(CLEAR_DRAFT_KEY, ""),
    }
    if has_capability(user, "ledger.log", org) or has_capability(user, "ledger.reopen", org):
        context.update(_locked_month_context(user, activity))
    # A locked month offers no 修改/提交/删除: the notice and 申请补录 say what to do instead.
    context["can_edit"] = can(activity, "edit", user) and "locked_notice" not in context
    context["show_actions"] = "locked_notice" not in context
    return render(request, "ledger/activities/detail.html", context)


def _draft_key(activity):
    return f"edit-{activity.pk}" if activity.pk else "new"


def _take_errors(form, exc, code):
    """The messages of a service refusal with `code`, taken off the form's general errors
    (the page shows them apart)."""
    errors = (exc.error_list if hasattr(exc, "error_list")
              else [e for errors in exc.error_dict.values() for e in errors])
    taken = [message for error in errors if error.code == code for message in error]
    shown = form.errors.get(NON_FIELD_ERRORS)
    if taken and shown is not None:
        shown.data = [e for e in shown.data if getattr(e, "code", None) != code]
        if not shown.data:
            del form.errors[NON_FIELD_ERRORS]
    return taken


# 保存并提交 without any evidence asks once: in the page's own dialog (the button's
# data-confirm, which then posts this flag), or, without JS, by showing the form again with
# the question and the flag, so that the next 保存并提交 goes through.
NO_EVIDENCE_FLAG = "no_evidence"
NO_EVIDENCE_QUESTION = "还没有添加照片或文件。确定不带佐证材料提交吗？"


class ActivityCreateView(ServiceFormView):
    """登记活动: 保存草稿 or 保存并提交 (both or neither), with the photos and files chosen on
    the form saved in the same step; a locked month is explained apart, with the 申请补录
    link (and 开放补录 for those who may reopen it)."""

    capability = "ledger.log"
    denied_message = "只有村党组织书记或单位联络员可以登记活动。"
    form_class = ActivityForm
    form_takes_user = True
    model_form_instance = True
    template_name = "ledger/activities/form.html"
    title = "登记活动"

    def service_kwargs(self, form):
        self.submitting = self.request.POST.get("action") == "submit"
        self.draft_key = _draft_key(form.instance)  # before saving: a new one gets its pk
        return {"activity": form.instance, "participants": form.participants(),
                "uploads": form.cleaned_data.get("files") or []}

    def call_service(self, obj, *, activity, participants, uploads):
        if (self.submitting and not uploads and not self.request.POST.get(NO_EVIDENCE_FLAG)
                and not (activity.pk and activity.evidence.exists())):
            raise ValidationError(NO_EVIDENCE_QUESTION, code="no_evidence")
        saved = evidence_services.do_save_activity_with_evidence(
            activity, participants, uploads, submit=self.submitting, actor=self.request.user)
        self.uploaded = len(uploads)
        self.request.session[CLEAR_DRAFT_KEY] = self.draft_key
        return saved

    def get_success_message(self, obj, result):
        files = f"和 {self.uploaded} 个佐证材料" if self.uploaded else ""
        if self.submitting:
            return f"已提交“{result.title}”{files}，等待乡镇确认。"
        if files:
            return f"已保存“{result.title}”（草稿）{files}。"
        return f"已保存“{result.title}”（草稿）。可继续上传照片，完成后提交。"

    def service_refused(self, form, exc):
        self.ask_no_evidence = bool(_take_errors(form, exc, "no_evidence"))
        locked = _take_errors(form, exc, "locked")
        if locked:
            org, day = form.cleaned_data["org"], form.cleaned_data["date"]
            self.lock = {"lock_problem": locked[0], **_lock_links(self.request.user, org, day)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, obj = context["form"], context["object"]
        activity = obj if obj is not None else form.instance
        context.update(activity=activity, draft_key=_draft_key(activity),
                       roles=ParticipantRole.choices, lock_problem="", reopen_link="",
                       reopen_request_link="",
                       evidence_count=activity.evidence.count() if activity.pk else 0,
                       ask_no_evidence=getattr(self, "ask_no_evidence", False),
                       no_evidence_agreed=getattr(self, "ask_no_evidence", False)
                       or bool(self.request.POST.get(NO_EVIDENCE_FLAG)),
                       no_evidence_flag=NO_EVIDENCE_FLAG,
                       no_evidence_question=NO_EVIDENCE_QUESTION,
                       # A page shown again cannot keep the files the browser had chosen.
                       files_dropped=form.is_bound and bool(self.request.FILES.getlist("files")))
        lock = getattr(self, "lock", None)
        if lock:
            context.update(lock)
        elif obj is not None and not form.is_bound:
            context.update(_lock_context(self.request.user, obj))
        return context


class ActivityEditView(ActivityCreateView):
    queryset = Activity.objects.select_related("org")
    denied_message = "您没有修改该活动的权限。"
    title = "修改“{obj.title}”"
    transition = "edit"


class ActivityAction(ObjectActionView):
    queryset = Activity.objects.select_related("org")


class ActivitySubmitView(ActivityAction):
    transition = "submit"
    service = services.do_submit_activity
    success_message = "已提交“{obj.title}”，等待乡镇确认。"


class ActivityDeleteView(ActivityAction):
    transition = "delete"
    service = services.do_delete_activity
    success_message = "已删除草稿“{obj.title}”。"
    success_url = "ledger:activity_list"


class ActivityConfirmView(ActivityAction):
    transition = "confirm"
    service = services.do_confirm_activity
    success_message = "已确认“{obj.org.name}”的活动“{obj.title}”。"


class ActivityReturnView(ActivityAction):
    transition = "return"
    form_class = ReturnForm
    service = services.do_return_activity
    success_message = "已退回“{obj.title}”，请村（单位）修改后重新提交。"


@login_required
def participant_search(request):
    """JSON for the participant picker: eligible people of `org` matching `q` (name or phone),
    or, without `q`, the suggestions: recent participants and the paired units' talents."""
    if not has_capability(request.user, "ledger.log"):
        raise PermissionDenied("您没有登记活动的权限。")
    raw_org = request.GET.get("org", "")
    org = get_object_or_404(logging_orgs(request.user), pk=raw_org if raw_org.isdigit() else 0)
    text = (request.GET.get("q") or "").strip()[:30]
    eligible = services.eligible_participants(org).select_related("home_org")
    if text:
        # A whole phone number only: partial matches would let a searcher rebuild the numbers
        # of paired people they may not see.
        people = list(eligible.filter(Q(name__icontains=text) | Q(phone=text))
                      .order_by("-is_city_talent", "name", "id")[:SEARCH_LIMIT])
        return _people_json(request.user, [(p, "match") for p in people])
    recent_ids = list(
        Participation.objects.filter(activity__in=Activity.objects.filter(org=org)
                                     .order_by("-date", "-id")[:RECENT_ACTIVITIES])
        .values_list("person_id", flat=True).distinct())
    recent = list(eligible.filter(pk__in=recent_ids).order_by("name")[:SEARCH_LIMIT])
    paired = Pairing.objects.filter(status=PairingStatus.ACTIVE, village_org=org)
    talents = list(eligible.filter(is_city_talent=True, home_org__in=paired.values("city_org"))
                   .exclude(pk__in=recent_ids).order_by("name")[:SEARCH_LIMIT])
    return _people_json(request.user, [(p, "talent") for p in talents]
                        + [(p, "recent") for p in recent])


def _people_json(user, grouped):
    """The picker's rows; the phone tail only for people the user may see."""
    seen = set(Person.objects.visible_to(user).filter(pk__in=[p.pk for p, _ in grouped])
               .values_list("pk", flat=True))
    return JsonResponse({"results": [
        {**person_label(person), "group": group,
         "phone_tail": person.phone[-4:] if person.phone and person.pk in seen else ""}
        for person, group in grouped]})


class EvidenceUploadView(ActivityAction):
    """Photos and PDFs of an editable activity: all of them are saved, or none."""

    capability = "ledger.log"
    form_class = EvidenceUploadForm
    service = evidence_services.do_add_evidence
    error_prefix = "上传失败，没有保存任何文件："
    url_anchor = "#evidence"

    def service_kwargs(self, form):
        return {"uploads": form.cleaned_data["files"]}

    def get_success_message(self, obj, result):
        return f"已上传 {len(result)} 个佐证材料。"


def _evidence_or_404(request, pk):
    visible = scope_q(request.user, "ledger.view", "activity__org__path")
    return get_object_or_404(Evidence.objects.filter(visible).select_related("activity__org"),
                             pk=pk)


def _serve(field_file, filename, *, inline):
    if not field_file:
        raise Http404("文件不存在。")
    suffix = PurePosixPath(field_file.name).suffix.lower()
    try:
        handle = field_file.open("rb")
    except OSError as exc:
        raise Http404("文件已丢失，请重新上传。") from exc
    response = FileResponse(handle, as_attachment=not inline, filename=f"{filename}{suffix}",
                            content_type=mimetypes.types_map.get(suffix,
                                                                 "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def evidence_file(request, pk):
    """The full photo (shown in the browser) or the PDF (downloaded), after the scope check."""
    evidence = _evidence_or_404(request, pk)
    return _serve(evidence.file, f"佐证材料-{evidence.activity_id}-{evidence.pk}",
                  inline=evidence.kind == EvidenceKind.PHOTO)


@login_required
def evidence_thumbnail(request, pk):
    evidence = _evidence_or_404(request, pk)
    if not evidence.thumbnail:
        raise Http404("没有缩略图。")
    return _serve(evidence.thumbnail, f"缩略图-{evidence.pk}", inline=True)


class EvidenceDeleteView(ObjectActionView):
    capability = "ledger.log"
    service = evidence_services.do_delete_evidence
    success_message = "已删除佐证材料“{obj}”。"

    def get_object(self):
        return _evidence_or_404(self.request, self.kwargs["pk"])

    def capability_orgs(self, obj):
        return [obj.activity.org]

    def get_failure_url(self, obj):
        return obj.activity.get_absolute_url() + "#evidence"

    def get_success_url(self, obj, result):
        return self.get_failure_url(obj)


class MonthReopenView(ServiceFormView):
    """开放补录: reopen one organization's closed month (audited), and recent reopenings."""

    capability = "ledger.reopen"
    denied_message = "只有乡镇（县）管理员可以开放补录。"
    form_class = ReopenForm
    form_takes_user = True
    service = do_reopen_month
    success_url = "ledger:month_reopen"
    template_name = "ledger/activities/reopen.html"

    def extra_form_kwargs(self, obj):
        if self.request.method == "POST":
            return {}
        # The 开放补录 link of a locked activity prefills org, year and month.
        return {"initial": {key: self.request.GET[key] for key in ("org", "year", "month")
                            if self.request.GET.get(key)}}

    def get_success_message(self, obj, result):
        until = timezone.localtime(result.expires_at)
        return (f"已开放“{result.org.name}”{result.year}年{result.month}月的台账补录，"
                f"截止{until:%Y年%m月%d日 %H:%M}。")

    def get_context_data(self, **kwargs):
        user = self.request.user
        reopenings = (MonthReopening.objects.filter(scope_q(user, "ledger.reopen", "org__path"))
                      .select_related("org", "reopened_by").order_by("-reopened_at", "-id"))
        return super().get_context_data(
            page=paginate(self.request, reopenings),
            query_string=query_without_page(self.request), now=timezone.now(), **kwargs)
