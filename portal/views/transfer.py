"""Excel import and export pages: templates, upload → preview → commit, and export jobs.

The org and people imports run as background jobs (portal.import_jobs): the upload request
keeps the file under MEDIA_ROOT/imports/<user id>/ with a random token remembered in the
uploader's session and queues the preview job, then sends the user to the job's page, which
shows its progress and then the preview stored on the job. The confirm button posts the token;
the commit request queues the commit job (which validates the file again and writes only if the
plan is still the one the user confirmed) and its page shows the outcome. The apps' own imports
(portal.views.importing) still preview and commit inside the request.
"""

import secrets
import zipfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.exporters import EXPORTS, ScopeExportForm
from portal.import_jobs import (
    COMMIT,
    PREVIEW,
    StoredReport,
    import_job_of,
    preview_ready,
    start_import_job,
)
from portal.importers import IMPORTERS, ORG_COLUMNS, PERSON_COLUMNS, UPDATE_RULES
from portal.scope import has_capability, require
from portal.spreadsheets import XLSX_MIMETYPE, template_workbook
from portal.views.generic import StartExportView

SESSION_KEY = "transfer_imports"
IMPORT_TITLES = {"orgs": "导入组织", "people": "导入人员"}
IMPORT_HINTS = {
    "orgs": "组织编码已存在的行更新该组织，其余行新增；上级组织可以是系统中已有的组织，"
            "也可以是本文件中的其他行。",
    "people": "身份证号已存在的行更新该人员，其余行新增；所在组织须为系统中已有的组织，"
              "请先导入组织，再导入人员。",
}
TEMPLATES = {
    "orgs": ("组织", ORG_COLUMNS,
             [["T0101", "示例镇", "C0001", "乡镇（街道）", "党委", "", "示例镇人民路1号", "", "",
               "是"],
              ["V0101", "示例村", "T0101", "村", "党支部", "茶叶、乡村旅游", "", 30.123456,
               120.654321, "是"]],
             "组织导入模板.xlsx"),
    "people": ("人员", PERSON_COLUMNS, [], "人员导入模板.xlsx"),
}
# Notes of every import template (the apps' imports too); orgs and people add UPDATE_RULES.
TEMPLATE_NOTES = [
    "请勿修改表头行的列名（表头上方可以有标题行）；红色深色列为必填列。",
    "所有行校验通过后才会导入，有任何错误时不会写入任何数据。",
    "示例行仅供参考，导入前请删除。",
]
LIST_PAGES = {"orgs": ("portal:org_tree", "查看组织架构"),
              "people": ("portal:person_list", "查看人员列表")}


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过 {limit // (1024 * 1024)} MB 上限，请分批导入。")
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "只支持 .xlsx 格式的 Excel 文件（.xls 或 .csv 请先用 Excel/WPS 另存为 .xlsx）。")
        return upload


def _known(what, kinds):
    if what not in kinds:
        raise Http404
    return what


def _index_context(request, bound=None):
    """Context of the index page; `bound` is (kind, form) of an upload that failed."""
    user = request.user
    can_import = has_capability(user, "data.import")
    can_export = has_capability(user, "data.export")
    if not (can_import or can_export):
        raise PermissionDenied("您没有导入或导出数据的权限。")
    uploads = []
    if can_import:
        for what, title in IMPORT_TITLES.items():
            form = bound[1] if bound and bound[0] == what else ImportUploadForm(prefix=what)
            uploads.append({"what": what, "title": title, "hint": IMPORT_HINTS[what],
                            "form": form})
    return {"can_import": can_import, "can_export": can_export, "uploads": uploads,
            "update_rules": UPDATE_RULES,
            "export_form": ScopeExportForm(user=user) if can_export else None,
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}


@login_required
def transfer_index(request):
    return render(request, "portal/transfer/index.html", _index_context(request))


@login_required
def import_template(request, what):
    _known(what, TEMPLATES)
    require(request.user, "data.import")
    title, columns, examples, filename = TEMPLATES[what]
    content = template_workbook(title, columns, examples, [*TEMPLATE_NOTES, *UPDATE_RULES])
    return HttpResponse(content, content_type=XLSX_MIMETYPE, headers={
        "Content-Disposition": content_disposition_header(True, filename)})


def forget_pending(request, keep):
    """Drop the session's pending uploads (and their files) except those `keep` accepts."""
    pending = request.session.get(SESSION_KEY, {})
    for token, info in list(pending.items()):
        if not keep(token, info):
            default_storage.delete(info["name"])
            del pending[token]
    request.session[SESSION_KEY] = pending


def store_upload(request, what, upload, *, plan=""):
    """Keep a validated upload (and its preview's plan) for the commit step; one pending file
    per kind and user."""
    forget_pending(request, keep=lambda token, info: info["what"] != what)
    token = secrets.token_hex(16)
    upload.seek(0)
    name = default_storage.save(f"imports/{request.user.pk}/{token}.xlsx", upload)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"what": what, "name": name, "filename": upload.name, "plan": plan}
    request.session[SESSION_KEY] = pending
    return token


def render_import_preview(request, *, title, report, filename, form, token, upload_url,
                          commit_url, back_url):
    """The shared preview page of every Excel import: rows to confirm, or the error table."""
    return render(request, "portal/transfer/preview.html", {
        "title": title, "report": report, "filename": filename, "token": token, "form": form,
        "upload_url": upload_url, "commit_url": commit_url if token else "",
        "back_url": back_url,
    })


def _import_urls(what):
    return {"upload_url": reverse("portal:transfer_upload", args=[what]),
            "back_url": reverse("portal:transfer_index")}


@login_required
@require_POST
def import_upload(request, what):
    """Keep the file and queue its preview job; the rows are read by the job, not here."""
    _known(what, IMPORTERS)
    require(request.user, "data.import")
    form = ImportUploadForm(request.POST, request.FILES, prefix=what)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        if not zipfile.is_zipfile(upload):
            form.add_error("file", "文件不是 .xlsx 格式的 Excel 文件，请使用下载的模板填写后上传。")
        else:
            token = store_upload(request, what, upload)
            info = request.session[SESSION_KEY][token]
            try:
                job = start_import_job(owner=request.user, what=what, step=PREVIEW,
                                       name=info["name"], filename=upload.name)
            except ValidationError as exc:  # the worker cannot be reached
                forget_pending(request, keep=lambda t, _info: t != token)
                form.add_error("file", exc.messages[0])
            else:
                info["job"] = str(job.uuid)
                request.session.modified = True
                return redirect("portal:transfer_job", what, job.uuid)
    return render(request, "portal/transfer/index.html", _index_context(request, (what, form)))


def _token_of(request, what, job):
    """The session's pending token whose preview is `job` (its file still kept), or None."""
    for token, info in request.session.get(SESSION_KEY, {}).items():
        if info["what"] == what and info.get("job") == str(job.uuid):
            return token
    return None


@login_required
def import_job(request, what, job_uuid):
    """A preview or commit job of one's own: its progress while it runs (polled by htmx),
    then the preview (with the confirm button) or the commit's outcome."""
    _known(what, IMPORTERS)
    require(request.user, "data.import")
    job = import_job_of(request.user, job_uuid, what)
    if job is None:
        raise Http404
    if request.htmx and job.is_finished:
        # The finished page has forms and messages of its own: load it whole.
        return HttpResponse(headers={"HX-Refresh": "true"})
    step = job.params.get("step")
    report = StoredReport(job.result) if job.result else None
    token = (_token_of(request, what, job)
             if step == PREVIEW and preview_ready(job) else None)
    if step == COMMIT and job.succeeded and report is not None:
        url_name, link_text = LIST_PAGES[what]
        unit = "个组织" if what == "orgs" else "名人员"
        messages.success(request, format_html(
            '已成功导入：新增 {} {}，更新 {} {}。<a href="{}" class="alert-link">{}</a>',
            report.created, unit, report.updated, unit, reverse(url_name), link_text))
        return redirect("portal:transfer_index")
    context = {
        "job": job, "step": step, "title": IMPORT_TITLES[what], "report": report,
        "filename": job.params.get("filename", ""), "token": token,
        "form": ImportUploadForm(prefix=what),
        "commit_url": reverse("portal:transfer_commit", args=[what, token]) if token else "",
        "poll_url": reverse("portal:transfer_job", args=[what, job.uuid]),
        **_import_urls(what),
    }
    if request.htmx:
        return render(request, "portal/transfer/_job.html", context)
    if job.is_finished and report is not None:
        return render(request, "portal/transfer/preview.html", context)
    return render(request, "portal/transfer/job.html", context)


@login_required
@require_POST
def import_commit(request, what, token):
    """确认导入: queue the commit job of the previewed file (validated again in the job,
    written all or nothing only if its plan is still the previewed one)."""
    _known(what, IMPORTERS)
    require(request.user, "data.import")
    info = request.session.get(SESSION_KEY, {}).get(token)
    preview = (import_job_of(request.user, info["job"], what)
               if info and info["what"] == what and info.get("job")
               and info["name"].startswith(f"imports/{request.user.pk}/") else None)
    if preview is None or not preview_ready(preview):
        messages.warning(request, "该导入已完成或已过期，请重新上传文件。")
        return redirect("portal:transfer_index")
    # The file now belongs to the commit job, which deletes it when done.
    pending = request.session[SESSION_KEY]
    del pending[token]
    request.session.modified = True
    try:
        job = start_import_job(owner=request.user, what=what, step=COMMIT, name=info["name"],
                               filename=info["filename"], plan=preview.result.get("plan", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("portal:transfer_index")
    return redirect("portal:transfer_job", what, job.uuid)


class ExportStartView(StartExportView):
    """导出组织 / 人员: the scope organization comes from the form, narrowed to the user's."""

    list_capability = "data.export"
    back_url = "portal:transfer_index"

    def get_exporter_identifier(self):
        return EXPORTS[_known(self.kwargs["what"], EXPORTS)]

    def check_permission(self):
        self.get_exporter_identifier()  # an unknown kind is not found, before the capability
        super().check_permission()
