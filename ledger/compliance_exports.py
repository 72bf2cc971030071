"""Excel exports of the compliance matrices, run as background jobs with progress.

Each exporter rebuilds its matrix with the same data function as the page (ledger/compliance.py)
for the job's owner and area (the job's scope_org); the job runner re-checks the owner's
`ledger.compliance` on that area before rendering. Started with
`portal.exporting.start_export(kind, area, form.export_params(), actor=...)`; audited, as the
talents' sheet names people.
"""

from ledger import compliance
from ledger.forms.compliance import OrgMatrixForm, TalentMatrixForm, UnitMatrixForm
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.spreadsheets import XLSX_MIMETYPE

ORGS_KIND = "ledger_compliance_orgs"
TALENTS_KIND = "ledger_compliance_talents"
UNITS_KIND = "ledger_compliance_units"

TITLES = {
    ORGS_KIND: "组织活动月度矩阵",
    TALENTS_KIND: "城市人才参加村级活动月度矩阵",
    UNITS_KIND: "结对单位联系村月度矩阵",
}


class MatrixExporter(Exporter):
    """One compliance matrix of an area and a period as Excel."""

    capability = compliance.CAPABILITY

    def job_title(self, scope_org, params):
        period = compliance.period_for(params.get("period"))
        return f"{scope_org.name}{self.verbose_name}（{period.label}）"

    def audit_summary(self, scope_org, params):
        return f"导出{self.job_title(scope_org, params)}"

    def matrix(self, job, period):
        raise NotImplementedError

    def render(self, job, report):
        report(10, "正在统计")
        period = compliance.period_for(job.params.get("period"))
        matrix = self.matrix(job, period)
        report(70, f"共 {matrix.row_count} 行，正在生成 Excel")
        content = compliance.matrix_workbook(matrix)
        filename = f"{job.scope_org.name}{self.verbose_name}_{matrix.period.label}.xlsx"
        return ExportFile(filename, XLSX_MIMETYPE, content)


@register_exporter
class OrgMatrixExporter(MatrixExporter):
    identifier = ORGS_KIND
    verbose_name = TITLES[ORGS_KIND]
    form_class = OrgMatrixForm

    def matrix(self, job, period):
        kind = job.params.get("kind") or "village"
        if kind not in compliance.MATRIX_KINDS:
            raise ValueError(f"不支持的组织类别：{kind}")
        return compliance.org_matrix(job.owner, job.scope_org, period, kind)


@register_exporter
class TalentMatrixExporter(MatrixExporter):
    identifier = TALENTS_KIND
    verbose_name = TITLES[TALENTS_KIND]
    form_class = TalentMatrixForm

    def matrix(self, job, period):
        unit = None
        if job.params.get("unit"):
            unit = compliance.talent_units(job.scope_org).filter(pk=job.params["unit"]).first()
        return compliance.talent_matrix(job.owner, job.scope_org, period, home_org=unit,
                                        search=job.params.get("q") or "")


@register_exporter
class UnitMatrixExporter(MatrixExporter):
    identifier = UNITS_KIND
    verbose_name = TITLES[UNITS_KIND]
    form_class = UnitMatrixForm

    def matrix(self, job, period):
        return compliance.unit_matrix(job.owner, job.scope_org, period)
