"""The activity ledger (活动台账): list and 待确认 queue, the phone-first form, the detail page
with evidence, the township's confirm/return, and reopening closed months.

Every write goes through ledger.services; views fetch through the scope (404 outside it), let
PermissionDenied become 403 and show the services' ValidationError messages.
"""

import mimetypes
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ledger.forms.activities import (
    ActivityFilterForm,
    ActivityForm,
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
)
from ledger.services import activities as services
from ledger.services import evidence as evidence_services
from ledger.services.locks import do_reopen_month, lock_problem, month_is_locked
from pairing.models import Pairing, PairingStatus
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.scope import has_capability, require, scope_q
from portal.views.common import error_text, paginate, query_without_page, visible_or_404

SEARCH_LIMIT = 20
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
    width = Organization.steplen * 2
    paths = {a.org.path[:width] for a in activities}
    names = dict(Organization.objects.filter(path__in=paths, kind=OrgKind.TOWNSHIP)
                 .values_list("path", "name"))
    for activity in activities:
        activity.township_name = names.get(activity.org.path[:width], "")


def _base_queryset(user, capability="ledger.view"):
    return (Activity.objects.visible_to(user, capability)
            .select_related("org", "theme").order_by("-date", "-id"))


@login_required
def activity_list(request):
    user = request.user
    if not has_capability(user, "ledger.view"):
        raise PermissionDenied("您没有查看活动台账的权限。")
    form = ActivityFilterForm(request.GET or None, user=user)
    activities = _base_queryset(user)
    form.is_valid()  # a bad filter is ignored and shown as an error
    data = getattr(form, "cleaned_data", {})
    if data.get("q"):
        text = data["q"]
        activities = activities.filter(Q(title__icontains=text) | Q(content__icontains=text)
                                       | Q(place__icontains=text))
    if data.get("township"):
        activities = activities.filter(org__path__startswith=data["township"].path)
    if data.get("org"):
        activities = activities.filter(org=data["org"])
    if data.get("month"):
        activities = activities.in_month(*data["month"])
    if data.get("theme"):
        activities = activities.filter(theme=data["theme"])
    if data.get("status"):
        activities = activities.filter(status=data["status"])
    page = paginate(request, activities)
    _set_counts(page)
    show_township = "township" in form.fields
    if show_township:
        _set_township_names(page)
    return render(request, "ledger/activities/list.html", {
        "form": form, "page": page, "query_string": query_without_page(request),
        "show_org": "org" in form.fields, "show_township": show_township,
        "can_log": has_capability(user, "ledger.log"),
        "can_confirm": has_capability(user, "ledger.confirm"),
        "can_reopen": has_capability(user, "ledger.reopen"),
    })


@login_required
def activity_to_confirm(request):
    """待确认: submitted activities in the township's (or county's) scope."""
    user = request.user
    if not has_capability(user, "ledger.confirm"):
        raise PermissionDenied("只有乡镇（县）管理员可以确认活动台账。")
    activities = (_base_queryset(user, "ledger.confirm").filter(status=ActivityStatus.SUBMITTED)
                  .order_by("submitted_at", "id"))
    page = paginate(request, activities)
    _set_counts(page)
    for activity in page:
        activity.return_form = ReturnForm(auto_id=f"id_r{activity.pk}_%s")
    return render(request, "ledger/activities/to_confirm.html", {
        "page": page, "query_string": query_without_page(request),
    })


def _status_history(activity):
    """Status changes from the change history, oldest first (one query)."""
    labels = dict(ActivityStatus.choices)
    changes, previous = [], None
    for record in activity.history.select_related("history_user").order_by("history_date",
                                                                            "history_id"):
        if record.status != previous:
            changes.append({"when": record.history_date, "user": record.history_user,
                            "status": labels.get(record.status, record.status),
                            "reason": record.return_reason
                            if record.status == ActivityStatus.RETURNED else ""})
            previous = record.status
    return changes


def _lock_context(user, activity):
    """The lock explanation for an editable activity, and whether the user may reopen."""
    if not activity.is_editable:
        return {}
    problem = lock_problem(activity.org, activity.date)
    return {"lock_problem": problem,
            "reopen_link": problem and _reopen_link(user, activity.org, activity.date)}


def _reopen_link(user, org, day):
    if not has_capability(user, "ledger.reopen", org):
        return ""
    if not month_is_locked(org, day.year, day.month):
        return ""
    return (f"{reverse('ledger:month_reopen')}?org={org.pk}&year={day.year}"
            f"&month={day.month}")


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = visible_or_404(
        Activity.objects.select_related("org", "theme", "pairing__city_org",
                                        "pairing__village_org", "need", "created_by",
                                        "confirmed_by"), user, pk=pk)
    org = activity.org
    can_log = has_capability(user, "ledger.log", org)
    can_confirm = has_capability(user, "ledger.confirm", org)
    context = {
        "activity": activity,
        "participations": activity.participations.select_related("person__home_org")
        .order_by("id"),
        "evidence": list(activity.evidence.all()),
        "history": _status_history(activity),
        "can_edit": can_log and activity.is_editable,
        "can_delete": can_log and activity.status == ActivityStatus.DRAFT,
        "can_review": can_confirm and activity.status == ActivityStatus.SUBMITTED,
        "return_form": ReturnForm(),
        "upload_form": EvidenceUploadForm(),
        "clear_draft": request.session.pop(CLEAR_DRAFT_KEY, ""),
    }
    if can_log or has_capability(user, "ledger.reopen", org):
        context.update(_lock_context(user, activity))
    return render(request, "ledger/activities/detail.html", context)


def _draft_key(activity):
    return f"edit-{activity.pk}" if activity.pk else "new"


def _save(request, form, activity):
    """Run the service for the pressed button; on refusal put the reason on the form."""
    submit = request.POST.get("action") == "submit"
    draft_key = _draft_key(activity)  # before saving: a new activity gets its pk then
    save = services.do_save_and_submit_activity if submit else services.do_save_activity
    try:
        saved = save(form.instance, form.participants(), actor=request.user)
    except ValidationError as exc:
        org, day = form.cleaned_data["org"], form.cleaned_data["date"]
        problem = lock_problem(org, day)
        if problem and problem in exc.messages:
            form.lock_problem = problem
            form.reopen_link = _reopen_link(request.user, org, day)
            others = [m for m in exc.messages if m != problem]
            if others:
                form.add_error(None, others)
        elif hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return None
    request.session[CLEAR_DRAFT_KEY] = draft_key
    if submit:
        messages.success(request, f"已提交“{saved.title}”，等待乡镇确认。")
    else:
        messages.success(request, f"已保存“{saved.title}”（草稿）。可继续上传照片，"
                                  f"完成后提交。")
    return saved


def _form_page(request, form, activity, title):
    context = {"form": form, "activity": activity, "title": title,
               "draft_key": _draft_key(activity), "roles": ParticipantRole.choices,
               "lock_problem": getattr(form, "lock_problem", ""),
               "reopen_link": getattr(form, "reopen_link", "")}
    if activity.pk and not context["lock_problem"] and not form.is_bound:
        context.update(_lock_context(request.user, activity))
    return render(request, "ledger/activities/form.html", context)


@login_required
def activity_create(request):
    if not has_capability(request.user, "ledger.log"):
        raise PermissionDenied("只有村党组织书记或单位联络员可以登记活动。")
    activity = Activity()
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, activity)
        if saved:
            return redirect("ledger:activity_detail", pk=saved.pk)
    return _form_page(request, form, activity, "登记活动")


@login_required
def activity_edit(request, pk):
    activity = visible_or_404(Activity.objects.select_related("org"), request.user, pk=pk)
    require(request.user, "ledger.log", activity.org)
    if not activity.is_editable:
        messages.warning(request, "已提交或已确认的活动不能修改。")
        return redirect("ledger:activity_detail", pk=activity.pk)
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, activity)
        if saved:
            return redirect("ledger:activity_detail", pk=saved.pk)
    return _form_page(request, form, activity, f"修改“{activity.title}”")


def _activity_for_action(request, pk):
    return visible_or_404(Activity.objects.select_related("org"), request.user, pk=pk)


@login_required
@require_POST
def activity_submit(request, pk):
    activity = _activity_for_action(request, pk)
    try:
        services.do_submit_activity(activity, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已提交“{activity.title}”，等待乡镇确认。")
    return redirect("ledger:activity_detail", pk=activity.pk)


@login_required
@require_POST
def activity_delete(request, pk):
    activity = _activity_for_action(request, pk)
    try:
        services.do_delete_activity(activity, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("ledger:activity_detail", pk=activity.pk)
    messages.success(request, f"已删除草稿“{activity.title}”。")
    return redirect("ledger:activity_list")


def _back_to(request, activity):
    if request.POST.get("from") == "queue":
        return redirect("ledger:activity_to_confirm")
    return redirect("ledger:activity_detail", pk=activity.pk)


@login_required
@require_POST
def activity_confirm(request, pk):
    activity = _activity_for_action(request, pk)
    try:
        services.do_confirm_activity(activity, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已确认“{activity.org.name}”的活动“{activity.title}”。")
    return _back_to(request, activity)


@login_required
@require_POST
def activity_return(request, pk):
    activity = _activity_for_action(request, pk)
    require(request.user, "ledger.confirm", activity.org)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退回时请填写原因。")
        return _back_to(request, activity)
    try:
        services.do_return_activity(activity, actor=request.user,
                                    reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已退回“{activity.title}”，请村（单位）修改后重新提交。")
    return _back_to(request, activity)


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


@login_required
@require_POST
def evidence_upload(request, pk):
    activity = _activity_for_action(request, pk)
    require(request.user, "ledger.log", activity.org)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("ledger:activity_detail", pk=activity.pk)
    try:
        added = evidence_services.do_add_evidence(activity, form.cleaned_data["files"],
                                                  actor=request.user)
    except ValidationError as exc:
        messages.error(request, "上传失败，没有保存任何文件：" + error_text(exc))
    else:
        messages.success(request, f"已上传 {len(added)} 个佐证材料。")
    return redirect(_detail_url(activity) + "#evidence")


def _detail_url(activity):
    return reverse("ledger:activity_detail", args=[activity.pk])


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


@login_required
@require_POST
def evidence_delete(request, pk):
    evidence = _evidence_or_404(request, pk)
    try:
        evidence_services.do_delete_evidence(evidence, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已删除佐证材料“{evidence}”。")
    return redirect(_detail_url(evidence.activity) + "#evidence")


@login_required
def month_reopen(request):
    """开放补录: reopen one organization's closed month (audited), and recent reopenings."""
    user = request.user
    if not has_capability(user, "ledger.reopen"):
        raise PermissionDenied("只有乡镇（县）管理员可以开放补录。")
    if request.method == "POST":
        form = ReopenForm(request.POST, user=user)
        if form.is_valid():
            reopening = _reopen(request, form)
            if reopening:
                return redirect("ledger:month_reopen")
    else:
        # The 开放补录 link of a locked activity prefills org, year and month.
        form = ReopenForm(user=user, initial={key: request.GET[key] for key in
                                              ("org", "year", "month") if request.GET.get(key)})
    reopenings = (MonthReopening.objects.filter(scope_q(user, "ledger.reopen", "org__path"))
                  .select_related("org", "reopened_by").order_by("-reopened_at", "-id"))
    return render(request, "ledger/activities/reopen.html", {
        "form": form, "page": paginate(request, reopenings),
        "query_string": query_without_page(request), "now": timezone.now(),
    })


def _reopen(request, form):
    data = form.cleaned_data
    try:
        reopening = do_reopen_month(data["org"], data["year"], data["month"], actor=request.user,
                                    reason=data["reason"], request=request)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return None
    until = timezone.localtime(reopening.expires_at)
    messages.success(request, f"已开放“{reopening.org.name}”{reopening.year}年{reopening.month}月"
                              f"的台账补录，截止{until:%Y年%m月%d日 %H:%M}。")
    return reopening
