"""Joint meeting pages: a pairing's meetings with the record form, a meeting's detail and
minutes download, and the county/township list of pairings missing a half year's meeting."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from pairing.forms.meetings import JointMeetingForm, MissingMeetingsFilterForm
from pairing.models import JointMeeting, Pairing, PairingStatus
from pairing.services import meetings as meeting_services
from pairing.services.meetings import half_label
from portal import audit
from portal.models import Organization
from portal.models.audit import AuditAction
from portal.scope import has_capability, require_any
from portal.spreadsheets import XLSX_MIMETYPE, Column, new_workbook, workbook_bytes, write_sheet
from portal.views.common import paginate, query_without_page, stored_file_response, visible_or_404


def add_service_error(form, exc):
    """Attach a service's ValidationError to the form's fields (or to the form itself)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _sides(pairing):
    return (pairing.village_org, pairing.city_org)


def _can(user, capability, pairing):
    return any(has_capability(user, capability, org) for org in _sides(pairing))


def _pairing_or_404(request, pk):
    pairing = visible_or_404(
        Pairing.objects.select_related("city_org", "village_org", "honorary_head", "liaison"),
        request.user, pk=pk)
    require_any(request.user, "meeting.view", _sides(pairing))
    return pairing


def _meeting_or_404(request, pk):
    meeting = visible_or_404(
        JointMeeting.objects.select_related("pairing__city_org", "pairing__village_org",
                                            "unit_chair", "village_chair"),
        request.user, pk=pk)
    require_any(request.user, "meeting.view", _sides(meeting.pairing))
    return meeting


@login_required
def meeting_list(request, pairing_pk):
    """A pairing's joint meetings, and the form to record this half year's."""
    pairing = _pairing_or_404(request, pairing_pk)
    can_record = pairing.status == PairingStatus.ACTIVE and _can(
        request.user, "meeting.change", pairing)
    form = None
    if request.method == "POST":
        require_any(request.user, "meeting.change", _sides(pairing))
        form = JointMeetingForm(request.POST, request.FILES, pairing=pairing)
        if form.is_valid():
            try:
                meeting = meeting_services.do_record_meeting(
                    pairing, actor=request.user, **form.service_fields())
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"已登记{half_label(meeting.year, meeting.half)}"
                                          "联席会议。")
                return redirect("pairing:meeting_detail", pk=meeting.pk)
    elif can_record:
        form = JointMeetingForm(pairing=pairing)
    meetings = pairing.meetings.select_related("unit_chair", "village_chair")
    year, half = meeting_services.half_year_of(timezone.localdate())
    return render(request, "pairing/meetings/list.html", {
        "pairing": pairing, "page": paginate(request, meetings), "form": form,
        "can_record": can_record, "this_half": half_label(year, half),
        "held_this_half": pairing.meetings.filter(year=year, half=half).exists(),
    })


@login_required
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    return render(request, "pairing/meetings/detail.html", {
        "meeting": meeting, "pairing": meeting.pairing,
        "can_change": _can(request.user, "meeting.change", meeting.pairing),
    })


@login_required
def meeting_edit(request, pk):
    meeting = _meeting_or_404(request, pk)
    require_any(request.user, "meeting.change", _sides(meeting.pairing))
    form = JointMeetingForm(request.POST or None, request.FILES or None, instance=meeting,
                            pairing=meeting.pairing)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_services.do_update_meeting(
                meeting, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存联席会议记录。")
            return redirect("pairing:meeting_detail", pk=meeting.pk)
    return render(request, "pairing/meetings/form.html", {
        "form": form, "meeting": meeting, "pairing": meeting.pairing,
    })


@login_required
def meeting_minutes(request, pk):
    """The minutes file, only through the meeting's scope (never a public media URL)."""
    meeting = _meeting_or_404(request, pk)
    if not meeting.minutes:
        raise Http404("该会议未上传会议纪要。")
    return stored_file_response(meeting.minutes, f"{meeting}纪要", actor=request.user,
                                audit_summary=f"下载会议纪要：{meeting}", meeting=meeting.pk)


def _half_end(year, half):
    return datetime.date(year, 6, 30) if half == 1 else datetime.date(year, 12, 31)


def _missing_pairings(request):
    """(form, year, half, queryset) of active pairings in scope with no meeting that half."""
    if not has_capability(request.user, "meeting.view"):
        raise PermissionDenied("您没有查看联席会议的权限。")
    form = MissingMeetingsFilterForm(request.GET or None, user=request.user)
    year, half = form.period()
    held = JointMeeting.objects.filter(pairing=OuterRef("pk"), year=year, half=half)
    pairings = (Pairing.objects.active().visible_to(request.user)
                .visible_to(request.user, "meeting.view")
                .filter(since__lte=_half_end(year, half)).filter(~Exists(held))
                .select_related("city_org", "village_org", "honorary_head", "liaison")
                .order_by("village_org__path", "city_org__path", "pk"))
    if form.is_bound and form.is_valid() and form.cleaned_data["township"]:
        pairings = pairings.filter(
            village_org__path__startswith=form.cleaned_data["township"].path)
    return form, year, half, pairings


def _townships_of(pairings):
    """{village path: township name} for these pairings, in one query."""
    steplen = Organization.steplen
    parents = {p.village_org.path[:-steplen] for p in pairings}
    names = dict(Organization.objects.filter(path__in=parents).values_list("path", "name"))
    return {p.village_org.path: names.get(p.village_org.path[:-steplen], "")
            for p in pairings}


@login_required
def meetings_missing(request):
    form, year, half, pairings = _missing_pairings(request)
    page = paginate(request, pairings)
    townships = _townships_of(page.object_list)
    for pairing in page.object_list:
        pairing.township_name = townships[pairing.village_org.path]
    return render(request, "pairing/meetings/missing.html", {
        "form": form, "page": page, "period": half_label(year, half),
        "query_string": query_without_page(request),
    })


MISSING_COLUMNS = (
    Column("序号", width=6), Column("乡镇", width=14), Column("结对村", width=16),
    Column("结对单位", width=22), Column("名誉村长", width=12), Column("联络员", width=12),
    Column("结对日期", width=12),
)


@login_required
def meetings_missing_export(request):
    form, year, half, pairings = _missing_pairings(request)
    pairings = list(pairings)
    townships = _townships_of(pairings)
    rows = ([index, townships[p.village_org.path], p.village_org.name, p.city_org.name,
             p.honorary_head.name if p.honorary_head else "",
             p.liaison.name if p.liaison else "", p.since]
            for index, p in enumerate(pairings, start=1))
    workbook = new_workbook()
    title = f"{half_label(year, half)}未召开联席会议"
    write_sheet(workbook, title[:31], MISSING_COLUMNS, rows)
    filename = f"{title}_{timezone.localdate():%Y%m%d}.xlsx"
    audit.record(AuditAction.EXPORT, f"导出{title}名单（{len(pairings)}个）", request=request)
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_MIMETYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
