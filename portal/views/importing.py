"""One Excel import flow for the apps' own imports (pairings, enrolments, ...): a page with the
template and the upload form, the template download, upload → preview (every row validated,
nothing written) and commit (validated again, all or nothing) — the same steps, session
handling and preview page as the core's org and people imports (portal.views.transfer), but
inside the requests: these files are a few hundred rows, while the org and people imports run
as background jobs (portal.import_jobs).

An app declares an `ExcelImport` and puts `its.urlpatterns()` in its URLs:

    PAIRING_IMPORT = ExcelImport(kind="pairings", title="导入结对关系", ...)
    urlpatterns = [..., *PAIRING_IMPORT.urlpatterns()]
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.scope import has_capability
from portal.spreadsheets import XLSX_MIMETYPE, UnreadableWorkbook, template_workbook
from portal.views.transfer import (
    SESSION_KEY,
    TEMPLATE_NOTES,
    ImportUploadForm,
    forget_pending,
    render_import_preview,
    store_upload,
)


@dataclass
class ExcelImport:
    kind: str  # the pending upload's kind in the session, e.g. "pairings"
    title: str  # "导入结对关系"
    capability: str
    denied: str  # the 403 message
    columns: tuple
    importer: Callable  # (fileobj, *, actor, commit=False, filename="") -> ImportReport
    url_name: str  # the index page's URL name; "<name>_template", "_upload", "_commit" follow
    sheet_title: str  # the template's sheet, e.g. "结对关系"
    hint: str = ""  # under the template's download button
    rules: tuple = ()  # the file's rules beyond its columns' notes
    page_template: str = "portal/import_page.html"  # context: form, columns, flow, urls
    example_rows: list = field(default_factory=list)
    done_message: str = "已成功导入 {count} 条记录。"  # with {count}
    list_url_name: str = ""  # where the success message links to
    list_label: str = "查看列表"

    # --- URLs ----------------------------------------------------------------------------

    def name(self, step=""):
        return f"{self.url_name}_{step}" if step else self.url_name

    def urlpatterns(self, prefix="import/"):
        """The four URLs; `url_name` must be unqualified here (the app's namespace applies)."""
        short = self.url_name.split(":")[-1]
        return [
            path(prefix, login_required(self.index), name=short),
            path(f"{prefix}template/", login_required(self.template), name=f"{short}_template"),
            path(f"{prefix}upload/", login_required(require_POST(self.upload)),
                 name=f"{short}_upload"),
            path(f"{prefix}<slug:token>/commit/", login_required(require_POST(self.commit)),
                 name=f"{short}_commit"),
        ]

    # --- views ---------------------------------------------------------------------------

    def check(self, user):
        if not has_capability(user, self.capability):
            raise PermissionDenied(self.denied)

    def page(self, request, form=None):
        return render(request, self.page_template, {
            "form": form or ImportUploadForm(prefix=self.kind), "columns": self.columns,
            "flow": self, "template_url": self.name("template"),
            "upload_url": self.name("upload")})

    def index(self, request):
        self.check(request.user)
        return self.page(request)

    def template(self, request):
        self.check(request.user)
        content = template_workbook(self.sheet_title, self.columns, self.example_rows,
                                    TEMPLATE_NOTES)
        return HttpResponse(content, content_type=XLSX_MIMETYPE, headers={
            "Content-Disposition": content_disposition_header(
                True, f"{self.sheet_title}导入模板.xlsx")})

    def preview(self, request, report, filename, token=None):
        return render_import_preview(
            request, title=self.title, report=report, filename=filename,
            form=ImportUploadForm(prefix=self.kind), token=token,
            upload_url=reverse(self.name("upload")),
            commit_url=reverse(self.name("commit"), args=[token]) if token else "",
            back_url=reverse(self.name()))

    def upload(self, request):
        self.check(request.user)
        form = ImportUploadForm(request.POST, request.FILES, prefix=self.kind)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = self.importer(upload, actor=request.user, filename=upload.name)
            except UnreadableWorkbook as exc:
                form.add_error("file", str(exc))
            else:
                token = (store_upload(request, self.kind, upload)
                         if report.ok and report.has_work else None)
                return self.preview(request, report, upload.name, token)
        return self.page(request, form)

    def commit(self, request, token):
        self.check(request.user)
        info = request.session.get(SESSION_KEY, {}).get(token)
        if (info is None or info["what"] != self.kind
                or not info["name"].startswith(f"imports/{request.user.pk}/")):
            messages.warning(request, "该导入已完成或已过期，请重新上传文件。")
            return redirect(self.name())
        try:
            with default_storage.open(info["name"], "rb") as stored:
                report = self.importer(stored, actor=request.user, commit=True,
                                       filename=info["filename"])
        except (UnreadableWorkbook, FileNotFoundError):
            messages.error(request, "暂存的文件已失效，请重新上传。")
            return redirect(self.name())
        finally:
            forget_pending(request, keep=lambda t, _info: t != token)
        if not report.committed:
            messages.error(request, "重新校验时发现错误（数据可能已被修改），未导入任何数据。")
            return self.preview(request, report, info["filename"])
        done = self.done_message.format(count=report.created)
        if self.list_url_name:
            messages.success(request, format_html('{} <a href="{}" class="alert-link">{}</a>',
                                                  done, reverse(self.list_url_name),
                                                  self.list_label))
        else:
            messages.success(request, done)
        return redirect(self.name())
