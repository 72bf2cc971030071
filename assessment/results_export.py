"""The year's results for the cadre department (干部科): one workbook with the confirmed
表现特别突出 (priority for promotion), the confirmed commendations, and the 差 list
("原则上不得作为提拔重用和评先评优对象") with any exception and its reason. Names, units and
reasons — never codes."""

from assessment.forms.results import ResultsYearForm
from assessment.models import Nomination, NominationKind, NominationStatus
from assessment.services import consequences
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.spreadsheets import (
    XLSX_MIMETYPE,
    Column,
    new_workbook,
    sheet_caption,
    workbook_bytes,
    write_sheet,
)

NOMINATION_COLUMNS = [Column("类别", 22), Column("姓名/组织", 18), Column("所在单位", 24),
                      Column("推荐理由", 50), Column("“差”等次例外理由", 24),
                      Column("审核时间", 18)]
POOR_COLUMNS = [Column("姓名/组织", 18), Column("所在单位", 24), Column("考核方案", 36),
                Column("年度积分", 10), Column("排位", 8), Column("“差”等次原因", 16),
                Column("例外理由", 30)]


def _unit(person, org):
    return person.home_org.name if person else org.name


def nomination_rows(year, kinds):
    rows = (Nomination.objects.filter(year=year, kind__in=kinds,
                                      status=NominationStatus.CONFIRMED)
            .select_related("person__home_org", "org").order_by("kind", "person__name", "id"))
    for n in rows:
        yield [n.get_kind_display(), str(n.target), _unit(n.person, n.org),
               n.reason, n.poor_override,
               n.decided_at.strftime("%Y-%m-%d %H:%M") if n.decided_at else ""]


def poor_rows(year):
    grades = (consequences.ineligible(year)
              .select_related("person__home_org", "org", "grading__scheme",
                              "eligibility_override")
              .order_by("grading__scheme__assessing_body__path", "grading_id", "rank"))
    for g in grades:
        override = getattr(g, "eligibility_override", None) if g.has_override else None
        yield [str(g.target), _unit(g.person, g.org), str(g.grading.scheme), g.total, g.rank,
               g.get_poor_reason_display() or "", override.reason if override else ""]


@register_exporter
class ResultsExporter(Exporter):
    identifier = "assessment_results"
    verbose_name = "考核结果运用名单"
    capability = "assessment.view"
    form_class = ResultsYearForm

    def clean_params(self, scope_org, params):
        year = int(params.get("year", 0))
        if not 2000 <= year <= 2100:
            raise ValueError("年度无效。")
        return {"year": year}

    def job_title(self, scope_org, params):
        return f"{params['year']}年{self.verbose_name}"

    def render(self, job, report):
        year = job.params["year"]
        workbook = new_workbook()

        def caption(what):
            return sheet_caption(f"考核结果运用名单·{what}", job.scope_org.name, f"{year}年")

        report(20, "表现特别突出")
        write_sheet(workbook, "表现特别突出", NOMINATION_COLUMNS,
                    nomination_rows(year, [NominationKind.OUTSTANDING]),
                    caption=caption("表现特别突出"))
        report(50, "评先评优")
        write_sheet(workbook, "评先评优", NOMINATION_COLUMNS,
                    nomination_rows(year, [NominationKind.ADVANCED_ORG,
                                           NominationKind.EXCELLENT_MEMBER]),
                    caption=caption("评先评优"))
        report(80, "“差”等次名单")
        write_sheet(workbook, "“差”等次名单", POOR_COLUMNS, poor_rows(year),
                    caption=caption("“差”等次名单"))
        return ExportFile(f"{year}年考核结果运用名单.xlsx", XLSX_MIMETYPE,
                          workbook_bytes(workbook))
