"""Excel export of organizations and people, run as background jobs.

The columns are the import columns (portal.importers), so an exported file imports back into
an empty database unchanged; organizations are written as "名称（编码）", which the importer
reads, under a title row the importer skips. Rows are limited to what the job's owner may see
inside the chosen organization's subtree. Full ID numbers are written only where the owner
may see them (person.view_id_number); elsewhere they are masked, and such a file cannot be
re-imported.
"""

from django import forms
from django.utils import timezone

from portal.exporting import Exporter, ExportFile, register_exporter
from portal.forms import OrgChoiceField, orgs_for
from portal.idnumber import mask_id_number
from portal.importers import NO, ORG_COLUMNS, PERSON_COLUMNS, YES
from portal.models import Organization, Person
from portal.models.orgs import OrgKind, PartyOrgType
from portal.models.people import Gender
from portal.scope import has_capability, scope_paths
from portal.spreadsheets import (
    XLSX_MIMETYPE,
    new_workbook,
    sheet_caption,
    workbook_bytes,
    write_sheet,
)

_KIND_LABELS = dict(OrgKind.choices)
_PARTY_TYPE_LABELS = dict(PartyOrgType.choices)
_GENDER_LABELS = dict(Gender.choices)


def _yes_no(value):
    return YES if value else NO


def org_label(name, code):
    """An organization as exports name it: "青山村（V0101）" (the importer reads it back)."""
    return f"{name}（{code}）"


def org_rows(owner, scope_org):
    """Rows of ORG_COLUMNS for the orgs the owner may see in `scope_org`'s subtree."""
    orgs = (Organization.objects.visible_to(owner)
            .filter(path__startswith=scope_org.path).order_by("path")
            .values_list("path", "code", "name", "kind", "party_org_type", "industry_tags",
                         "address", "latitude", "longitude", "is_active"))
    parent = Organization.objects.get_parent(scope_org)
    labels = {parent.path: org_label(parent.name, parent.code)} if parent else {}
    for path, code, name, kind, party_type, tags, address, lat, lon, active in orgs:
        labels[path] = org_label(name, code)
        parent_label = labels.get(path[:-Organization.steplen], "")
        yield [code, name, parent_label, _KIND_LABELS.get(kind, kind),
               _PARTY_TYPE_LABELS.get(party_type, party_type), tags, address, lat, lon,
               _yes_no(active)]


def person_rows(owner, scope_org, report=None):
    """Rows of PERSON_COLUMNS for the people the owner may see in `scope_org`'s subtree,
    streamed from the database."""
    people = (Person.objects.visible_to(owner)
              .filter(home_org__path__startswith=scope_org.path)
              .order_by("home_org__path", "name", "id"))
    total = people.count() if report else 0
    full_id_paths = scope_paths(owner, "person.view_id_number")
    columns = ("name", "gender", "id_number", "phone", "home_org__name", "home_org__code",
               "home_org__path", "position", "is_party_member", "is_city_talent", "is_cadre",
               "is_active")
    for index, (name, gender, id_number, phone, org_name, org_code, org_path, position, member,
                talent, cadre, active) in enumerate(people.values_list(*columns)
                                                    .iterator(chunk_size=2000)):
        if full_id_paths is not None and not any(org_path.startswith(p)
                                                 for p in full_id_paths):
            id_number = mask_id_number(id_number)
        yield [name, _GENDER_LABELS.get(gender, gender), id_number, phone,
               org_label(org_name, org_code), position,
               _yes_no(member), _yes_no(talent), _yes_no(cadre), _yes_no(active)]
        if report and index % 1000 == 0:
            report(90 * index / max(total, 1), f"已导出 {index} 人")


def _filename(what, org):
    return f"{what}_{org.name}_{timezone.localdate():%Y%m%d}.xlsx"


def _caption(what, org):
    return sheet_caption(what, org.name, f"截至 {timezone.localdate():%Y-%m-%d}")


class ScopeExportForm(forms.Form):
    """The organization whose subtree is exported, among those the user may export."""

    org = OrgChoiceField(label="导出范围", queryset=Organization.objects.none(),
                         empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = orgs_for(user, "data.export")
        self.fields["org"].queryset = orgs
        top = orgs.first()
        if top is not None:
            self.fields["org"].initial = top.pk


@register_exporter
class OrgExporter(Exporter):
    identifier = "export_orgs"
    verbose_name = "组织"
    form_class = ScopeExportForm

    def render(self, job, report):
        workbook = new_workbook()
        count = write_sheet(workbook, "组织", ORG_COLUMNS, org_rows(job.owner, job.scope_org),
                            caption=_caption("组织名单", job.scope_org))
        report(95, f"共 {count} 个组织")
        return ExportFile(_filename("组织", job.scope_org), XLSX_MIMETYPE,
                          workbook_bytes(workbook))


@register_exporter
class PeopleExporter(Exporter):
    identifier = "export_people"
    verbose_name = "人员"
    form_class = ScopeExportForm

    def download_capability(self, actor, scope_org, params):
        # A people file holds full ID numbers when its owner may see them: downloading it
        # then takes the same right, not only data.export.
        if has_capability(actor, "person.view_id_number", scope_org):
            return "person.view_id_number"
        return self.capability

    def render(self, job, report):
        workbook = new_workbook()
        count = write_sheet(workbook, "人员", PERSON_COLUMNS,
                            person_rows(job.owner, job.scope_org, report),
                            caption=_caption("人员名单", job.scope_org))
        report(95, f"共 {count} 人")
        return ExportFile(_filename("人员", job.scope_org), XLSX_MIMETYPE,
                          workbook_bytes(workbook))


# The transfer page's export buttons: what → exporter identifier.
EXPORTS = {"orgs": OrgExporter.identifier, "people": PeopleExporter.identifier}
