"""Meeting pages (例会、观摩、轮办): the upcoming meetings of the alliances a user sees, an
alliance's meetings, a meeting with its minutes, attendees and photos, the plan/edit/held/
cancel forms, photo upload, and the host rotation.

Reading needs alliance.view within the alliance's scope (404 outside); planning, editing and
cancelling need alliance.manage on the owner, recording the meeting and its photos that or
being the host member's secretary or contact (403). Every write goes through
alliances.services.meetings and the generic views.
"""

import mimetypes
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances.forms.meetings import (
    CancelForm,
    HeldForm,
    MeetingFilterForm,
    MeetingForm,
    PhotoUploadForm,
)
from alliances.models import Alliance, Meeting, MeetingPhoto, MeetingStatus
from alliances.services import meetings as services
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW, MANAGE = "alliance.view", services.MANAGE
DENIED = "只有联盟所属乡镇（县）的管理员可以安排联盟会议。"
RECORD_DENIED = "只有联盟所属乡镇（县）的管理员或承办成员可以记录会议。"
PER_PAGE = 20
UPCOMING_PER_PAGE = 30
ROTATION_MONTHS = 12


def _alliance_or_404(user, pk):
    return get_object_or_404(Alliance.objects.visible_to(user, VIEW)
                             .select_related("owner", "type"), pk=pk)


def _meeting_or_404(user, pk):
    return get_object_or_404(services.visible_meetings(user)
                             .select_related("alliance__owner", "alliance__type", "host_org",
                                             "created_by"), pk=pk)


def _list_url(alliance):
    return reverse("alliances:meeting_list", args=[alliance.pk])


@login_required
def meeting_upcoming(request):
    """联盟例会: the planned meetings, visits and rotating activities of every alliance the
    user sees, soonest first."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    page = paginate(request, services.upcoming_meetings(user), UPCOMING_PER_PAGE)
    return render(request, "alliances/meetings/upcoming.html", {"page": page})


@login_required
def meeting_list(request, pk):
    """An alliance's meetings, newest first, filtered by kind and status."""
    user = request.user
    alliance = _alliance_or_404(user, pk)
    form = MeetingFilterForm(request.GET or None)
    rows = (alliance.meetings.select_related("host_org")
            .annotate(attendee_count=Count("attendees", distinct=True),
                      photo_count=Count("photos", distinct=True))
            .order_by("-starts_at", "-id"))
    if form.is_bound and form.is_valid():
        if form.cleaned_data["kind"]:
            rows = rows.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    page = paginate(request, rows, PER_PAGE)
    return render(request, "alliances/meetings/list.html", {
        "alliance": alliance, "form": form, "page": page,
        "query_string": query_without_page(request),
        "can_manage": services.manages(user, alliance),
    })


@login_required
def meeting_detail(request, pk):
    """A meeting: time, place, host, agenda, minutes, attendees and photos."""
    user = request.user
    meeting = _meeting_or_404(user, pk)
    attendees = list(meeting.attendees.select_related("home_org")
                     .order_by("home_org__path", "name", "id"))
    photos = list(meeting.photos.all())
    for photo in photos:
        photo.is_image = services.is_image(photo)
    can_manage = services.manages(user, meeting.alliance)
    can_record = can_manage or services.hosts(user, meeting)
    return render(request, "alliances/meetings/detail.html", {
        "meeting": meeting, "alliance": meeting.alliance, "attendees": attendees,
        "photos": photos, "can_manage": can_manage, "can_record": can_record,
        "is_planned": meeting.status == MeetingStatus.PLANNED,
        "is_held": meeting.status == MeetingStatus.HELD,
        "is_cancelled": meeting.status == MeetingStatus.CANCELLED,
        "is_due": meeting.starts_at <= timezone.now(),
    })


def _serve(field_file, photo_pk):
    """A photo inline (the browser shows it), a PDF as a download; after the scope check."""
    if not field_file:
        raise Http404("文件不存在。")
    suffix = PurePosixPath(field_file.name).suffix.lower()
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except OSError as exc:
        raise Http404("文件已丢失，请重新上传。") from exc
    response = FileResponse(handle, as_attachment=suffix == ".pdf",
                            filename=f"会议照片-{photo_pk}{suffix}",
                            content_type=mimetypes.types_map.get(suffix,
                                                                 "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _photo_or_404(user, pk):
    return get_object_or_404(MeetingPhoto.objects.filter(
        meeting__in=services.visible_meetings(user).values("pk"))
        .select_related("meeting__alliance__owner", "meeting__host_org"), pk=pk)


@login_required
def meeting_photo(request, pk):
    photo = _photo_or_404(request.user, pk)
    return _serve(photo.file, photo.pk)


@login_required
def meeting_photo_thumb(request, pk):
    """The photo's thumbnail; the photo itself when none was stored (or it is lost)."""
    photo = _photo_or_404(request.user, pk)
    if not services.is_image(photo):
        raise Http404("PDF 没有缩略图。")
    if photo.thumbnail:
        try:
            return _serve(photo.thumbnail, photo.pk)
        except Http404:
            pass
    return _serve(photo.file, photo.pk)


@login_required
def rotation(request, pk):
    """党建活动轮办: the members in rotation order with their last hosting, and the host of
    each of the next twelve months."""
    user = request.user
    alliance = _alliance_or_404(user, pk)
    order = services.rotation_order(alliance)
    plan = services.rotation_plan(alliance, ROTATION_MONTHS) if alliance.is_open else []
    return render(request, "alliances/meetings/rotation.html", {
        "alliance": alliance, "order": order, "plan": plan,
        "next_host": order[0][0] if order and alliance.is_open else None,
        "can_manage": services.manages(user, alliance),
    })


class MeetingObjectMixin:
    """Fetch the meeting through the alliances the user sees (a county task alliance's members
    too), 404 outside them."""

    queryset = Meeting.objects.select_related("alliance__owner", "host_org")

    def get_object(self):
        return get_object_or_404(services.visible_meetings(self.request.user)
                                 .select_related("alliance__owner", "host_org"),
                                 pk=self.kwargs["pk"])


class MeetingPlanView(ServiceFormView):
    """计划会议: the host pre-filled from the rotation."""

    queryset = Alliance.objects.select_related("owner")
    capability = MANAGE
    denied_message = DENIED
    form_class = MeetingForm
    service = services.plan_meeting
    title = "安排会议 · {obj.name}"
    submit_label = "保存计划"

    def capability_orgs(self, obj):
        return [obj.owner]

    def refusal(self, obj):
        return "" if obj.is_open else "联盟已结束，不能再安排会议。"

    def extra_form_kwargs(self, obj):
        host = services.next_host(obj)
        return {"alliance": obj, "initial": {"host_org": host.pk if host else None}}

    def get_success_message(self, obj, result):
        return f"已安排{result.get_kind_display()}“{result.title}”。"

    def get_cancel_url(self, obj):
        return _list_url(obj)

    def get_context_data(self, **kwargs):
        subtitle = ("联盟例会集中谈、现场观摩实地学、党建活动轮办：承办成员默认按轮办顺序"
                    "取最久未承办的成员，可改选其他现有成员。")
        return super().get_context_data(subtitle=subtitle, **kwargs)


class MeetingEditView(MeetingObjectMixin, ServiceFormView):
    capability = MANAGE
    denied_message = DENIED
    form_class = MeetingForm
    service = services.edit_meeting
    title = "修改会议计划 · {obj.title}"

    def capability_orgs(self, obj):
        return [obj.alliance.owner]

    def refusal(self, obj):
        if obj.status != MeetingStatus.PLANNED:
            return f"会议{obj.get_status_display()}，不能再修改计划。"
        return ""

    def extra_form_kwargs(self, obj):
        initial = {name: getattr(obj, name) for name in services.EDITABLE_FIELDS}
        initial["starts_at"] = timezone.localtime(obj.starts_at)
        return {"alliance": obj.alliance, "initial": initial}

    def get_success_message(self, obj, result):
        return f"已修改“{result.title}”的计划。"


class RecordPermissionMixin:
    denied_message = RECORD_DENIED

    def check_permission(self, obj):
        if not services.may_record(self.request.user, obj):
            raise PermissionDenied(self.denied_message)


class MeetingHeldView(RecordPermissionMixin, MeetingObjectMixin, ServiceFormView):
    """记录召开情况: minutes and attendees (found by name among the members' people)."""

    form_class = HeldForm
    service = services.record_held
    template_name = "alliances/meetings/held_form.html"
    title = "记录召开情况 · {obj.title}"
    submit_label = "保存记录"

    def refusal(self, obj):
        if obj.status == MeetingStatus.CANCELLED:
            return "会议已取消，不能记录召开情况。"
        if obj.starts_at > timezone.now():
            return "会议时间未到，不能记录为已召开。"
        return ""

    def extra_form_kwargs(self, obj):
        initial = {"minutes": obj.minutes,
                   "attendees": list(obj.attendees.values_list("pk", flat=True))}
        return {"alliance": obj.alliance, "initial": initial}

    def get_success_message(self, obj, result):
        return f"已记录“{result.title}”的召开情况。"

    def get_context_data(self, **kwargs):
        search = self.request.GET.get("q", "").strip()[:50]
        candidates, more = kwargs["form"].shown_candidates(search)
        return super().get_context_data(search=search, candidates=candidates, more=more,
                                        chosen=kwargs["form"].chosen_ids(), **kwargs)


class MeetingPhotoAddView(RecordPermissionMixin, MeetingObjectMixin, ServiceFormView):
    form_class = PhotoUploadForm
    service = services.add_photos
    multipart = True
    title = "上传照片 · {obj.title}"
    submit_label = "上传"
    url_anchor = "#photos"

    def refusal(self, obj):
        return "" if obj.status == MeetingStatus.HELD else "会议记录为已召开后才能上传照片。"

    def get_success_message(self, obj, result):
        return f"已上传 {len(result)} 个照片或文件。"

    def get_success_url(self, obj, result):
        return obj.get_absolute_url() + self.url_anchor


class MeetingCancelView(MeetingObjectMixin, ObjectActionView):
    capability = MANAGE
    denied_message = DENIED
    form_class = CancelForm
    service = services.cancel_meeting
    success_message = "已取消“{obj.title}”。"
    error_prefix = "未能取消："

    def capability_orgs(self, obj):
        return [obj.alliance.owner]


class MeetingPhotoDeleteView(RecordPermissionMixin, ObjectActionView):
    service = services.remove_photo
    success_message = "已删除照片。"
    error_prefix = "未能删除："

    def get_object(self):
        return _photo_or_404(self.request.user, self.kwargs["pk"])

    def check_permission(self, obj):
        super().check_permission(obj.meeting)

    def get_success_url(self, obj, result):
        return obj.meeting.get_absolute_url() + "#photos"

    def get_failure_url(self, obj):
        return obj.meeting.get_absolute_url() + "#photos"
