"""Excel exports of the compliance matrices, run as background jobs with progress.

Each handler rebuilds its matrix with the same data function as the page (ledger/compliance.py)
for the job's owner and area (the job's scope_org); the job runner re-checks the owner's
`ledger.compliance` on that area before the handler runs.
"""

from django.db import transaction

from ledger import compliance
from portal import audit
from portal.jobs import job_handler, save_generated_file, start_job
from portal.models import Organization
from portal.models.audit import AuditAction
from portal.spreadsheets import XLSX_MIMETYPE

ORGS_KIND = "ledger_compliance_orgs"
TALENTS_KIND = "ledger_compliance_talents"
UNITS_KIND = "ledger_compliance_units"

TITLES = {
    ORGS_KIND: "组织活动月度矩阵",
    TALENTS_KIND: "城市人才参加村级活动月度矩阵",
    UNITS_KIND: "结对单位联系村月度矩阵",
}


def _save(job, report, matrix, name):
    report(70, f"共 {matrix.row_count} 行，正在生成 Excel")
    content = compliance.matrix_workbook(matrix)
    report(95, "正在保存文件")
    filename = f"{job.scope_org.name}{name}_{matrix.period.label}.xlsx"
    return save_generated_file(job, filename, content, XLSX_MIMETYPE)


@job_handler(ORGS_KIND)
def export_org_matrix(job, report):
    report(10, "正在统计")
    period = compliance.period_for(job.params.get("period"))
    kind = job.params.get("kind") or "village"
    if kind not in compliance.MATRIX_KINDS:
        raise ValueError(f"不支持的组织类别：{kind}")
    matrix = compliance.org_matrix(job.owner, job.scope_org, period, kind)
    return _save(job, report, matrix, TITLES[ORGS_KIND])


@job_handler(TALENTS_KIND)
def export_talent_matrix(job, report):
    report(10, "正在统计")
    period = compliance.period_for(job.params.get("period"))
    unit = None
    if job.params.get("unit"):
        unit = compliance.talent_units(job.scope_org).filter(pk=job.params["unit"]).first()
    matrix = compliance.talent_matrix(job.owner, job.scope_org, period, home_org=unit,
                                      search=job.params.get("q") or "")
    return _save(job, report, matrix, TITLES[TALENTS_KIND])


@job_handler(UNITS_KIND)
def export_unit_matrix(job, report):
    report(10, "正在统计")
    period = compliance.period_for(job.params.get("period"))
    matrix = compliance.unit_matrix(job.owner, job.scope_org, period)
    return _save(job, report, matrix, TITLES[UNITS_KIND])


def start_matrix_export(kind, area: Organization, params, *, actor, request=None):
    """Queue the Excel of one matrix for `area`; audited, as the talents' sheet names people."""
    period = compliance.period_for(params.get("period"))
    title = f"{area.name}{TITLES[kind]}（{period.label}）"
    with transaction.atomic():
        job = start_job(owner=actor, kind=kind, title=title, scope_org=area, params=params,
                        capability=compliance.CAPABILITY)
        audit.record(AuditAction.EXPORT, f"导出{title}", actor=actor, request=request,
                     org=area.pk, job=str(job.uuid))
    return job
