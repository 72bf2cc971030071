"""List exports: a list page's rows, as its filters show them, as a print-ready Excel job.

A list exporter names the list's FilterSet, its scoped queryset, its columns and how a row
becomes cells (names, never codes). The list's filter bar posts its current query string to
`portal:list_export` (portal.views.generic.ListExportView); the job rebuilds the FilterSet
from that query string for the job's owner, so the file holds what the list showed: the rows
the owner may see (`visible_to`) that match the filters, whatever the parameters say.

    @register_exporter
    class PairingListExporter(ListExporter):
        identifier = "pairing_list"
        verbose_name = "结对共建名单"
        filterset_class = PairingFilterSet
        columns = [Column("结对村"), ...]

        def get_queryset(self):
            return Pairing.objects.select_related(...)

        def row(self, pairing):
            return [pairing.village_org.name, ...]
"""

from types import SimpleNamespace

from django import forms
from django.http import QueryDict
from django.utils import timezone

from portal.exporting import Exporter, ExportFile, register_exporter
from portal.filters import PersonFilter
from portal.forms import orgs_for
from portal.models import Person
from portal.scope import has_capability
from portal.spreadsheets import (
    XLSX_MIMETYPE,
    Column,
    new_workbook,
    sheet_caption,
    workbook_bytes,
    write_sheet,
)

MAX_QUERY_LENGTH = 2000


class ListExportForm(forms.Form):
    """The list's filters as its query string (what the filter bar shows)."""

    query = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_query(self):
        return self.cleaned_data["query"].lstrip("?")


def export_scope(user, capability="data.export"):
    """The organization a list export is filed under: the topmost one where the user may
    export (the rows themselves are limited by `visible_to`); None without any."""
    for org in orgs_for(user, capability).order_by("path")[:20]:
        if has_capability(user, capability, org):
            return org
    return None


def describe_filters(form):
    """"组织：青山镇；类别：党员" for the filters that are set (the title row of the file)."""
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if value in (None, "", []):
            continue
        if isinstance(field, forms.ModelChoiceField):
            shown = getattr(value, "name", None) or str(value)
        elif isinstance(field, forms.ChoiceField):
            shown = dict((str(k), v) for k, v in field.choices).get(str(value), str(value))
        else:
            shown = str(value)
        parts.append(f"{field.label}：{shown}")
    return "；".join(parts)


class ListExporter(Exporter):
    """Base of list exporters; see the module docstring."""

    capability = "data.export"
    form_class = ListExportForm
    filterset_class = None
    visible_action = "view"
    columns = ()
    sheet_title = ""

    def get_queryset(self):
        raise NotImplementedError

    def row(self, obj):
        raise NotImplementedError

    def clean_params(self, scope_org, params):
        query = str(params.get("query", ""))[:MAX_QUERY_LENGTH]
        return {"query": QueryDict(query).urlencode()}

    def job_title(self, scope_org, params):
        return f"导出{self.verbose_name}"

    def audit_summary(self, scope_org, params):
        return f"导出{self.verbose_name}（{scope_org.name}，筛选：{params.get('query') or '无'}）"

    def filtered(self, owner, query):
        """(rows, filter form) of the list for `owner` with the filters of `query`."""
        rows = self.get_queryset().visible_to(owner, self.visible_action)
        data = QueryDict(query)
        filterset = self.filterset_class(data or None, queryset=rows,
                                         request=SimpleNamespace(user=owner, GET=data))
        return filterset.qs, filterset.form

    def caption(self, job, form):
        filters = describe_filters(form) if form.is_bound and form.is_valid() else ""
        return sheet_caption(self.verbose_name, scope=job.scope_org.name,
                             period=f"筛选：{filters}" if filters else None)

    def render(self, job, report):
        rows, form = self.filtered(job.owner, job.params.get("query", ""))
        workbook = new_workbook()
        count = write_sheet(workbook, self.sheet_title or self.verbose_name, self.columns,
                            (self.row(obj) for obj in rows.iterator(chunk_size=2000)),
                            caption=self.caption(job, form))
        report(95, f"共 {count} 条")
        filename = f"{self.verbose_name}_{timezone.localdate():%Y%m%d}.xlsx"
        return ExportFile(filename, XLSX_MIMETYPE, workbook_bytes(workbook))


@register_exporter
class PersonListExporter(ListExporter):
    """人员名单 as the people list shows it (search, organization, category, gender)."""

    identifier = "person_list"
    verbose_name = "人员名单"
    columns = [Column("姓名", 10), Column("性别", 6), Column("所在组织", 20),
               Column("乡镇", 12), Column("职务", 12), Column("联系电话", 14, text=True),
               Column("党员", 6), Column("城市人才", 8), Column("干部", 6), Column("在册", 6)]

    filterset_class = PersonFilter

    def get_queryset(self):
        return (Person.objects.select_related("home_org")
                .with_township_name()
                .order_by("home_org__path", "name", "id"))

    def row(self, person):
        yes = {True: "是", False: "否"}
        return [person.name, person.get_gender_display(), person.home_org.name,
                person.township_name or "", person.position, person.phone,
                yes[person.is_party_member], yes[person.is_city_talent], yes[person.is_cadre],
                yes[person.is_active]]
