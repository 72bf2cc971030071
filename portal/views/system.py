"""Home page per role, the audit log, job progress and permission-checked downloads, health."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache

from portal import audit
from portal.dashboard import home_panels
from portal.jobs import retry_job
from portal.models import AuditEvent, GeneratedFile, Job
from portal.models.audit import AuditAction
from portal.roles import primary_role
from portal.scope import has_capability, require
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView


@login_required
def home(request):
    grid, panels = home_panels(request)
    return render(request, "portal/home.html", {
        "role": primary_role(request.user), "grid": grid, "panels": panels,
    })


@login_required
def audit_log(request):
    if not has_capability(request.user, "audit.view"):
        raise PermissionDenied("只有组织部管理员可以查看审计日志。")
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    query = request.GET.get("q", "").strip()
    if query:
        events = events.filter(actor_name__icontains=query) | events.filter(
            summary__icontains=query)
    return render(request, "portal/audit.html", {
        "page": paginate(request, events), "actions": AuditAction.choices, "action": action,
        "query": query, "query_string": query_without_page(request),
    })


def _own_job(request, job_uuid):
    job = get_object_or_404(Job.objects.select_related("output"), uuid=job_uuid)
    if job.owner_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return job


@login_required
def job_list(request):
    jobs = Job.objects.filter(owner=request.user).select_related("output", "scope_org")
    return render(request, "portal/jobs/list.html", {"page": paginate(request, jobs)})


@login_required
def job_detail(request, job_uuid):
    job = _own_job(request, job_uuid)
    template = "portal/jobs/_progress.html" if request.htmx else "portal/jobs/detail.html"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ["HX-Request"])
    return response


class JobRetryView(ObjectActionView):
    """重试: run a failed job of one's own again (same parameters, a new file)."""

    service = staticmethod(retry_job)
    transition = "retry"
    success_message = "已重新开始“{obj.title}”。"

    def get_object(self):
        return _own_job(self.request, self.kwargs["job_uuid"])

    def get_failure_url(self, obj):
        return reverse("portal:job_detail", args=[obj.uuid])

    def get_success_url(self, obj, result):
        return self.get_failure_url(obj)


@login_required
def download(request, file_uuid):
    generated = get_object_or_404(GeneratedFile.objects.select_related("scope_org"),
                                  uuid=file_uuid)
    if not has_capability(request.user, "org.view", generated.scope_org):
        raise Http404
    # Permission is checked again at download: a role revoked since the export loses access.
    require(request.user, generated.capability, generated.scope_org)
    try:
        handle = generated.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在，请重新导出。") from None
    audit.record(AuditAction.DOWNLOAD, f"下载 {generated.filename}", actor=request.user,
                 file=str(generated.uuid))
    return FileResponse(handle, as_attachment=True,
                        filename=generated.filename, content_type=generated.mimetype)


def broker_status():
    """'ok', 'eager' (no broker configured) or an error string."""
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means the broker is unusable
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # report, never raise: this is what load balancers poll
        database = f"error: {exc.__class__.__name__}"
    broker = broker_status()
    healthy = database == "ok" and not broker.startswith("error")
    return JsonResponse({"status": "ok" if healthy else "error", "database": database,
                         "broker": broker}, status=200 if healthy else 503)
