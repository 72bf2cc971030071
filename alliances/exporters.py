"""The alliances' files, made by background jobs (portal/exporting.py): WeasyPrint takes seconds
on a 季度晾晒 board or a 擂台赛 table, more than a web request may.

- `alliance_showcase_poster` — a township's 季度晾晒 board as an A3 landscape poster; params
  {township, year, quarter}. Needs alliance.view; the job reads the board as its owner sees it
  (the township must still be among the owners of alliances they see).
- `alliance_competition_pdf` / `alliance_competition_xlsx` — a published 擂台赛's ranked
  results; params {competition}. A round is seen by its owner's alliance scope and by its
  seated judges, who may come from anywhere, so the registry's gate is job.view (every role
  holds it on its own organization) and the job checks the round itself: still visible to its
  owner (`competitions_for`) and published.

The scope organization a file is filed under (`filing_org`): the owner of what is exported when
the user holds the capability there, otherwise the user's own organization where they hold it
(a member's secretary seeing a county-owned task alliance, a judge from a unit).
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from alliances.filters import visible_owners
from alliances.forms.stars import NUMBER, QUARTER_CHOICES, OwnerChoiceField
from alliances.models import Competition, CompetitionStatus
from alliances.services import competitions as competition_services
from alliances.services import showcase as showcase_services
from alliances.services.stars import YEAR_MAX, YEAR_MIN
from portal.exporting import Exporter, ExportFile, register_exporter
from portal.models import Organization
from portal.scope import active_roles, has_capability, role_grants
from portal.spreadsheets import XLSX_MIMETYPE

POSTER_KIND = "alliance_showcase_poster"
COMPETITION_PDF_KIND = "alliance_competition_pdf"
COMPETITION_XLSX_KIND = "alliance_competition_xlsx"
PDF_MIMETYPE = "application/pdf"
NOT_PUBLISHED = "成绩公布后才能导出。"


def filing_org(user, org, capability):
    """`org` when the user holds `capability` there, else the user's own (widest) organization
    where they hold it, else `org` (start_export then refuses with 403)."""
    if has_capability(user, capability, org):
        return org
    ids = [org_id for role, path, org_id in sorted(active_roles(user), key=lambda r: len(r[1]))
           if role_grants(role, capability)]
    return Organization.objects.get(pk=ids[0]) if ids else org


def _int(params, name):
    try:
        return int(params[name])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"缺少或无效的参数：{name}") from None


# ---------------------------------------------------------------- 季度晾晒 poster

class PosterForm(forms.Form):
    """The poster's township (among the owners of alliances the user sees) and quarter."""

    township = OwnerChoiceField(label="乡镇", queryset=None, error_messages={
        "required": "请选择乡镇。", "invalid_choice": "该乡镇不在您的范围内。"})
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX,
                              widget=forms.NumberInput(attrs=NUMBER), error_messages={
                                  "required": "请填写年度。", "invalid": "年度应为数字。",
                                  "min_value": f"年度不能早于{YEAR_MIN}年。",
                                  "max_value": f"年度不能晚于{YEAR_MAX}年。"})
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTER_CHOICES, coerce=int,
                                     error_messages={"required": "请选择季度。",
                                                     "invalid_choice": "请选择第1至第4季度。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = visible_owners(user)


def poster_params(owner, year, quarter) -> dict:
    return {"township": owner.pk, "year": int(year), "quarter": int(quarter)}


def _quarter(params):
    year, quarter = _int(params, "year"), _int(params, "quarter")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"年度应在{YEAR_MIN}年至{YEAR_MAX}年之间。")
    if quarter not in (1, 2, 3, 4):
        raise ValueError("请选择第1至第4季度。")
    return year, quarter


@register_exporter
class ShowcasePosterExporter(Exporter):
    """A township's 季度晾晒 board as an A3 landscape PDF poster."""

    identifier = POSTER_KIND
    verbose_name = "季度晾晒海报"
    capability = "alliance.view"
    form_class = PosterForm

    def owner_of(self, params, user=None):
        """The poster's township; with `user`, only among the owners of alliances they see."""
        owners = visible_owners(user) if user is not None else Organization.objects.all()
        owner = owners.filter(pk=_int(params, "township")).first()
        if owner is None:
            if user is not None:
                raise PermissionDenied("该乡镇已不在您的范围内。")
            raise ValueError("没有找到该乡镇。")
        return owner

    def clean_params(self, scope_org, params):
        year, quarter = _quarter(params)
        return poster_params(self.owner_of(params), year, quarter)

    def job_title(self, scope_org, params):
        owner = self.owner_of(params)
        return f"{showcase_services.poster_title(owner, params['year'], params['quarter'])}" \
               f"（A3 海报）"

    def audit_summary(self, scope_org, params):
        return f"导出{self.job_title(scope_org, params)}"

    def render(self, job, report):
        year, quarter = _quarter(job.params)
        owner = self.owner_of(job.params, user=job.owner)  # the owner's scope, checked again
        report(10, "正在统计本季度数据")
        content = showcase_services.poster_pdf(job.owner, owner, year, quarter)
        return ExportFile(f"{showcase_services.poster_title(owner, year, quarter)}.pdf",
                          PDF_MIMETYPE, content)


# ---------------------------------------------------------------- 擂台赛 results

class CompetitionExportForm(forms.Form):
    """The round (from the page the download is started on): a published one the user sees."""

    competition = forms.ModelChoiceField(
        label="擂台赛", queryset=Competition.objects.none(), widget=forms.HiddenInput,
        error_messages={"required": "请选择擂台赛。", "invalid_choice": NOT_PUBLISHED})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competition"].queryset = competition_services.competitions_for(user).filter(
            status=CompetitionStatus.PUBLISHED)


class CompetitionResultsExporter(Exporter):
    """A published 擂台赛's ranked results; subclasses set the format."""

    capability = "job.view"
    form_class = CompetitionExportForm
    extension = mimetype = format_label = ""

    def competition_of(self, params, user=None):
        """The published round; with `user`, only one they still see (scope or judge's seat)."""
        rows = (competition_services.competitions_for(user) if user is not None
                else Competition.objects.all())
        competition = rows.select_related("owner").filter(pk=_int(params, "competition")).first()
        if competition is None:
            if user is not None:
                raise PermissionDenied("该擂台赛已不在您的范围内。")
            raise ValueError("没有找到该擂台赛。")
        if competition.status != CompetitionStatus.PUBLISHED:
            raise ValueError(NOT_PUBLISHED)
        return competition

    def clean_params(self, scope_org, params):
        return {"competition": self.competition_of(params).pk}

    def job_title(self, scope_org, params):
        return f"{self.competition_of(params).title}成绩（{self.format_label}）"

    def audit_summary(self, scope_org, params):
        return f"导出擂台赛成绩：{self.competition_of(params).title}（{self.extension}）"

    def content(self, competition, table) -> bytes:
        raise NotImplementedError

    def render(self, job, report):
        competition = self.competition_of(job.params, user=job.owner)
        report(10, "正在汇总评分")
        table = competition_services.results(competition)
        report(40, f"共 {len(table.rows)} 个参赛联盟，正在生成文件")
        return ExportFile(f"{competition.title}成绩.{self.extension}", self.mimetype,
                          self.content(competition, table))


@register_exporter
class CompetitionPdfExporter(CompetitionResultsExporter):
    identifier = COMPETITION_PDF_KIND
    verbose_name = "擂台赛成绩 PDF"
    extension, mimetype, format_label = "pdf", PDF_MIMETYPE, "PDF"

    def content(self, competition, table):
        return competition_services.results_pdf(competition, table,
                                                generated_at=timezone.localtime())


@register_exporter
class CompetitionExcelExporter(CompetitionResultsExporter):
    identifier = COMPETITION_XLSX_KIND
    verbose_name = "擂台赛成绩 Excel"
    extension, mimetype, format_label = "xlsx", XLSX_MIMETYPE, "Excel"

    def content(self, competition, table):
        return competition_services.results_xlsx(competition, table)
