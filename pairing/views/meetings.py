"""Joint meeting pages: a pairing's meetings with the record form, a meeting's detail and
minutes download, and the county/township list of pairings missing a half year's meeting."""


from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from pairing.filters import MissingMeetingsFilterSet
from pairing.forms.meetings import JointMeetingForm
from pairing.models import JointMeeting, Pairing
from pairing.services import meetings as meeting_services
from pairing.services.meetings import half_label
from portal import audit
from portal.charts import scope_label
from portal.models.audit import AuditAction
from portal.scope import has_capability, require_any
from portal.spreadsheets import (
    XLSX_MIMETYPE,
    Column,
    new_workbook,
    sheet_caption,
    workbook_bytes,
    write_sheet,
)
from portal.views.common import PAGE_SIZE, paginate, stored_file_response, visible_or_404
from portal.views.generic import FilteredListView, ServiceFormView


def _sides(pairing):
    return (pairing.village_org, pairing.city_org)


def _can(user, capability, pairing):
    return any(has_capability(user, capability, org) for org in _sides(pairing))


MEETINGS = JointMeeting.objects.select_related("pairing__city_org", "pairing__village_org",
                                               "unit_chair", "village_chair")


def _meeting_or_404(request, pk):
    meeting = visible_or_404(MEETINGS, request.user, pk=pk)
    require_any(request.user, "meeting.view", _sides(meeting.pairing))
    return meeting


class MeetingListView(ServiceFormView):
    """A pairing's joint meetings (meeting.view on either side), and the form that records
    this half year's (meeting.change on either side, an active pairing)."""

    queryset = Pairing.objects.select_related("city_org", "village_org", "honorary_head",
                                              "liaison")
    capability = "meeting.view"
    pk_url_kwarg = "pairing_pk"
    form_class = JointMeetingForm
    template_name = "pairing/meetings/list.html"
    service = meeting_services.do_record_meeting

    def capability_orgs(self, pairing):
        return _sides(pairing)

    def check_permission(self, pairing):
        super().check_permission(pairing)
        if self.request.method == "POST":
            require_any(self.request.user, "meeting.change", _sides(pairing))

    def can_record(self, pairing):
        return pairing.is_active and _can(self.request.user, "meeting.change", pairing)

    def get_form(self, pairing):
        if self.request.method == "POST" or self.can_record(pairing):
            return super().get_form(pairing)
        return None

    def extra_form_kwargs(self, pairing):
        return {"pairing": pairing}

    def service_kwargs(self, form):
        return form.service_fields()

    def get_success_message(self, pairing, meeting):
        return f"已登记{half_label(meeting.year, meeting.half)}联席会议。"

    def get_context_data(self, **kwargs):
        pairing = kwargs["object"]
        year, half = meeting_services.half_year_of(timezone.localdate())
        meetings = pairing.meetings.select_related("unit_chair", "village_chair")
        return super().get_context_data(
            pairing=pairing, page=paginate(self.request, meetings),
            can_record=self.can_record(pairing), this_half=half_label(year, half),
            held_this_half=pairing.meetings.filter(year=year, half=half).exists(), **kwargs)


@login_required
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    return render(request, "pairing/meetings/detail.html", {
        "meeting": meeting, "pairing": meeting.pairing,
        "can_change": _can(request.user, "meeting.change", meeting.pairing),
    })


class MeetingEditView(ServiceFormView):
    queryset = MEETINGS
    capability = "meeting.change"
    form_class = JointMeetingForm
    model_form_instance = True
    multipart = True
    template_name = "pairing/meetings/form.html"
    service = meeting_services.do_update_meeting
    success_message = "已保存联席会议记录。"

    def capability_orgs(self, meeting):
        return _sides(meeting.pairing)

    def extra_form_kwargs(self, meeting):
        return {"pairing": meeting.pairing}

    def service_kwargs(self, form):
        return form.service_fields()

    def get_context_data(self, **kwargs):
        meeting = kwargs["object"]
        return super().get_context_data(meeting=meeting, pairing=meeting.pairing, **kwargs)


@login_required
def meeting_minutes(request, pk):
    """The minutes file, only through the meeting's scope (never a public media URL)."""
    meeting = _meeting_or_404(request, pk)
    if not meeting.minutes:
        raise Http404("该会议未上传会议纪要。")
    return stored_file_response(meeting.minutes, f"{meeting}纪要", actor=request.user,
                                audit_summary=f"下载会议纪要：{meeting}", meeting=meeting.pk)


MISSING = (Pairing.objects.active()
           .select_related("city_org", "village_org", "honorary_head", "liaison")
           .with_township_name("village_org__path")
           .order_by("village_org__path", "city_org__path", "pk"))


class MissingMeetingsView(FilteredListView):
    """Active pairings in scope (meeting.view) with no joint meeting in the chosen half year."""

    queryset = MISSING
    list_capability = "meeting.view"
    # The meetings' scope alone: every role holding meeting.view holds pairing.view on the same
    # organizations. Both applied, PostgreSQL matched the pairing ids of one scope against
    # those of the other row by row (a city township's 500 × 500, 14 of a 43 ms page).
    visible_action = "meeting.view"
    denied_message = "您没有查看联席会议的权限。"
    filterset_class = MissingMeetingsFilterSet
    template_name = "pairing/meetings/missing.html"
    table_template = "pairing/meetings/_missing_table.html"
    paginate_by = PAGE_SIZE

    def get_context_data(self, **kwargs):
        return super().get_context_data(period=half_label(*kwargs["filter"].period()), **kwargs)


MISSING_COLUMNS = (
    Column("序号", width=6), Column("乡镇", width=14), Column("结对村", width=16),
    Column("结对单位", width=22), Column("名誉村长", width=12), Column("联络员", width=12),
    Column("结对日期", width=12),
)


@login_required
def meetings_missing_export(request):
    """The same list as an Excel file (small: one row per pairing missing a meeting)."""
    if not has_capability(request.user, "meeting.view"):
        raise PermissionDenied("您没有查看联席会议的权限。")
    filterset = MissingMeetingsFilterSet(
        request.GET or None, request=request,
        queryset=MISSING.visible_to(request.user, "meeting.view"))
    year, half = filterset.period()
    pairings = list(filterset.qs)
    rows = ([index, p.township_name or "", p.village_org.name, p.city_org.name,
             p.honorary_head.name if p.honorary_head else "",
             p.liaison.name if p.liaison else "", p.since]
            for index, p in enumerate(pairings, start=1))
    workbook = new_workbook()
    title = f"{half_label(year, half)}未召开联席会议"
    township = (getattr(filterset.form, "cleaned_data", None) or {}).get("township")
    scope = township.name if township else scope_label(request.user, "meeting.view")
    write_sheet(workbook, title[:31], MISSING_COLUMNS, rows,
                caption=sheet_caption("未召开联席会议的结对", scope, half_label(year, half)))
    filename = f"{title}_{timezone.localdate():%Y%m%d}.xlsx"
    audit.record(AuditAction.EXPORT, f"导出{title}名单（{len(pairings)}个）", actor=request.user,
                 year=year, half=half, count=len(pairings))
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_MIMETYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
