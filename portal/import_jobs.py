"""The org and people imports as background jobs: the preview (every row validated, nothing
written) and the commit (validated again and written all or nothing, audited) run in a worker,
so the web requests only store the file and queue the job.

The preview job keeps what the preview page shows (counts, the capped lists of errors, changes
and new rows, the plan's fingerprint) as JSON in `Job.result`; the page renders it with
`StoredReport`. The commit job re-checks the owner's import capability (the runner does, as for
exports), validates the file again and writes only if the plan is still the previewed one; a
commit that finds errors fails with a Chinese reason and keeps its error list in the result.
"""


from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from portal import audit
from portal.importers import (
    IMPORTERS,
    FieldChange,
    ImportReport,
    RowChange,
    RowError,
    UnlistedCounts,
)
from portal.jobs import enqueue_job, job_handler
from portal.models import Job, Organization
from portal.models.jobs import JobStatus
from portal.scope import require, scope_paths
from portal.spreadsheets import UnreadableWorkbook

PREVIEW, COMMIT = "preview", "commit"
KINDS = {(what, step): f"import_{what}_{step}" for what in IMPORTERS
         for step in (PREVIEW, COMMIT)}
STEP_OF = {kind: key for key, kind in KINDS.items()}
TITLES = {"orgs": "导入组织", "people": "导入人员"}
STEP_TITLES = {PREVIEW: "校验", COMMIT: "写入"}
FILE_GONE = "暂存的文件已失效，请重新上传。"
COMMIT_FOUND_ERRORS = "重新校验时发现错误（数据可能已被修改），未导入任何数据。"


def import_scope_org(user):
    """The organization an import job is scoped to: the top of the user's import scope (the
    root for a superuser). Raises PermissionDenied without the capability."""
    paths = scope_paths(user, "data.import")
    if paths is None:
        org = Organization.get_first_root_node()
    else:
        org = Organization.objects.filter(path__in=paths).order_by("depth", "path").first()
    require(user, "data.import", org)
    return org


def start_import_job(*, owner, what, step, name, filename, plan="") -> Job:
    """Queue the preview or commit of the stored file `name`; runs after the commit. The
    requesting client (IP, user agent) goes along for the commit's audit row."""
    client = audit.current_client()
    with transaction.atomic():
        return enqueue_job(
            owner=owner, kind=KINDS[what, step], scope_org=import_scope_org(owner),
            title=f"{TITLES[what]}（{STEP_TITLES[step]}）：{filename}"[:200],
            params={"what": what, "step": step, "name": name, "filename": filename,
                    "plan": plan, "client": [client.ip_address, client.user_agent]},
            capability="data.import")


# --- the stored report -----------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value)


def report_json(report: ImportReport) -> dict:
    return {
        "kind": report.kind, "headers": report.headers, "total": report.total,
        "created": report.created, "updated": report.updated, "committed": report.committed,
        "ok": report.ok, "has_work": report.has_work, "classified": report.classified,
        "new": report.new, "changed": report.changed, "unchanged": report.unchanged,
        "error_count": report.error_count, "error_row_count": report.error_row_count,
        "errors": [[e.row, e.column, e.message] for e in report.errors],
        "changes": [[c.row, c.label, [[f.header, f.old, f.new] for f in c.fields]]
                    for c in report.changes],
        "new_rows": [[number, [_text(v) for v in values]] for number, values in report.new_rows],
        "preview": [[_text(v) for v in row] for row in report.preview],
        "plan": report.plan_digest if report.ok else "",
    }


class StoredReport(UnlistedCounts):
    """A job's stored report with the attributes the preview template reads."""

    def __init__(self, data):
        self.data = data
        for key in ("kind", "headers", "total", "created", "updated", "committed", "ok",
                    "has_work", "classified", "new", "changed", "unchanged", "error_count",
                    "error_row_count", "preview", "plan"):
            setattr(self, key, data.get(key))
        self.errors = [RowError(*e) for e in data.get("errors", [])]
        self.changes = [RowChange(row, label, tuple(FieldChange(*f) for f in fields))
                        for row, label, fields in data.get("changes", [])]
        self.new_rows = [tuple(pair) for pair in data.get("new_rows", [])]


# --- the job handlers ------------------------------------------------------------------------


def _save_result(job, data):
    job.result = data
    Job.objects.filter(pk=job.pk).update(result=data)


def _run(job, report, *, commit):
    params = job.params
    start, span = (5, 85)

    def progress(rows, sheet_rows):
        if sheet_rows:
            percent = start + span * min(rows, sheet_rows) // sheet_rows
        else:
            percent = start
        report(percent, f"已{'校验并写入' if commit else '校验'} {rows} 行")

    report(start, "正在读取文件")
    ip_address, user_agent = params.get("client") or (None, "")
    # The audit row names the client that confirmed, also when a worker runs the job.
    client = audit._client.set(audit.ClientInfo(ip_address, user_agent))
    try:
        with default_storage.open(params["name"], "rb") as stored:
            result = IMPORTERS[params["what"]](
                stored, actor=job.owner, commit=commit, filename=params["filename"],
                expected_plan=params.get("plan") or None, progress=progress)
    except FileNotFoundError as exc:
        raise ValidationError(FILE_GONE) from exc
    except UnreadableWorkbook as exc:
        default_storage.delete(params["name"])
        raise ValidationError(str(exc)) from exc
    finally:
        audit._client.reset(client)
    report(95, "正在保存结果")
    return result


def run_import_preview(job, report):
    result = _run(job, report, commit=False)
    _save_result(job, report_json(result))
    if not (result.ok and result.has_work):
        default_storage.delete(job.params["name"])  # nothing to confirm: the file is not kept
    report(100, f"校验完成：共 {result.total} 行")


def run_import_commit(job, report):
    result = _run(job, report, commit=True)
    _save_result(job, report_json(result))
    if not result.committed:
        raise ValidationError(COMMIT_FOUND_ERRORS)
    default_storage.delete(job.params["name"])
    report(100, f"导入完成：新增 {result.created}，更新 {result.updated}")


# Both are safe to run again after a transient conflict: the preview only reads, then saves
# its result (replaced by a re-run); the commit writes every row in one transaction
# (all_or_nothing), which a conflict cancels whole, and after it only its result (one UPDATE
# of the job's row, holding no other lock, so in no deadlock).
for _kind, (_what, _step) in STEP_OF.items():
    job_handler(_kind, rerun_on_conflict=True)(
        run_import_preview if _step == PREVIEW else run_import_commit)


def import_job_of(user, job_uuid, what):
    """The user's own import job of kind `what`, or None."""
    return (Job.objects.filter(uuid=job_uuid, owner=user, kind__in=[
        KINDS[what, PREVIEW], KINDS[what, COMMIT]]).first())


def preview_ready(job):
    """Whether a preview job found a file to confirm."""
    return (job.status == JobStatus.SUCCEEDED and bool(job.result.get("ok"))
            and bool(job.result.get("has_work")))
