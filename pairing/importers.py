"""Excel import of pairings (结对关系): validate every row, then create all or nothing.

Built on the foundation's import machinery (portal.importers): the same row reader, error
report (Excel row, column, Chinese message) and rollback. Each row is checked with the pairing
service's own rule (`pairing_problem`), and the commit creates every pairing through
`do_create_pairing` inside one transaction, so a row the service refuses rolls back the file.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError

from pairing.models import Principle
from pairing.services.pairings import do_create_pairing, pairing_problem
from portal.idnumber import normalize as normalize_id_number
from portal.importers import (
    PREVIEW_ROWS,
    ImportReport,
    Row,
    all_or_nothing,
    cell_text,
    in_scope,
    read_rows,
)
from portal.models import Organization, Person
from portal.scope import require, scope_paths
from portal.spreadsheets import Column

IMPORT_CAPABILITY = "pairing.import"
PRINCIPLE_LABELS = tuple(Principle.labels)

PAIRING_COLUMNS = (
    Column("单位编码", 14, required=True, text=True,
           note="结对单位（县直单位、城市社区、非公企业或工业园区）的组织编码。"),
    Column("村编码", 14, required=True, text=True, note="结对村的组织编码。"),
    Column("结对日期", 14, note="如 2026-01-01；不填默认为导入当天。"),
    Column("结对原则", 30,
           note="可填多项，用顿号“、”分隔：" + "、".join(PRINCIPLE_LABELS) + "。"),
    Column("名誉村长身份证号", 22, text=True,
           note="须为结对单位的人员；可不填，以后在页面上设置。"),
    Column("联络员身份证号", 22, text=True, note="须为结对单位的人员；可不填。"),
)
EXAMPLE_ROWS = [["U0001", "V0001", "2026-01-01", "地域相邻、优势互补", "", ""]]
_PRINCIPLES = {**{label: value for value, label in Principle.choices},
               **{value: value for value in Principle.values}}


def _principles(row, header):
    text = cell_text(row.raw(header))
    chosen = []
    for part in re.split(r"[、,，;；/\s]+", text):
        if not part:
            continue
        value = _PRINCIPLES.get(part)
        if value is None:
            row.error(header, f"未知的结对原则“{part}”，应为：{'、'.join(PRINCIPLE_LABELS)}。")
        elif value not in chosen:
            chosen.append(value)
    return chosen


class _Lookups:
    """Everything the rows refer to, loaded once for the whole file."""

    def __init__(self, parsed):
        codes = {code for item in parsed for code in (item["city_code"], item["village_code"])
                 if code}
        self.orgs = {org.code: org for org in Organization.objects.filter(code__in=codes)}
        numbers = {number for item in parsed for number in (item["head_id"], item["liaison_id"])
                   if number}
        self.people = {person.id_number: person for person in
                       Person.objects.filter(id_number__in=numbers).select_related("home_org")}


def _read(report, number, values, positions):
    row = Row(report, number, values, positions)
    item = {
        "number": number,
        "row": row,
        "city_code": row.code("单位编码", required=True),
        "village_code": row.code("村编码", required=True),
        "since": row.date("结对日期"),
        "principles": _principles(row, "结对原则"),
        "head_id": normalize_id_number(row.text("名誉村长身份证号", max_length=18)),
        "liaison_id": normalize_id_number(row.text("联络员身份证号", max_length=18)),
    }
    if len(report.preview) < PREVIEW_ROWS:
        report.preview.append([item["city_code"], item["village_code"], item["since"] or "",
                               "、".join(Principle(p).label for p in item["principles"]),
                               item["head_id"], item["liaison_id"]])
    return item


def _check(item, lookups, scope, seen):
    """Resolve one parsed row against the database; errors go to the row."""
    row = item["row"]
    city = village = None
    for key, header in (("city_code", "单位编码"), ("village_code", "村编码")):
        code = item[key]
        if not code:
            continue
        org = lookups.orgs.get(code)
        if org is None:
            row.error(header, f"组织编码“{code}”不存在。")
        elif not in_scope(org.path, scope):
            row.error(header, f"组织“{org.name}”不在您的管理范围内。")
        elif key == "city_code":
            city = org
        else:
            village = org
    people = {}
    for key, header, label in (("head_id", "名誉村长身份证号", "名誉村长"),
                               ("liaison_id", "联络员身份证号", "联络员")):
        number = item[key]
        if not number:
            continue
        person = lookups.people.get(number)
        if person is None:
            row.error(header, f"身份证号为“{number}”的人员不存在。")
        elif city is not None and not person.home_org.path.startswith(city.path):
            row.error(header, f"{label}“{person.name}”不是“{city.name}”的人员。")
        else:
            people[key] = person
    if city is None or village is None:
        return None
    pair = (city.pk, village.pk)
    if pair in seen:
        row.error("村编码", f"与第{seen[pair]}行重复：同一单位与村只能有一条结对关系。")
        return None
    seen[pair] = item["number"]
    problem = pairing_problem(city, village, item["principles"])
    if problem:
        if problem.startswith("结对单位"):
            row.error("单位编码", problem)
        elif problem.startswith("未知的结对原则"):
            row.error("结对原则", problem)
        else:
            row.error("村编码", problem)
        return None
    if not row.valid:
        return None
    return {"city_org": city, "village_org": village, "since": item["since"],
            "principles": item["principles"], "honorary_head": people.get("head_id"),
            "liaison": people.get("liaison_id"), "number": item["number"]}


def _validate(fileobj, actor, report):
    """Every row checked; returns the rows ready to create (all of them when report.ok)."""
    scope = scope_paths(actor, "pairing.change")
    parsed = []
    for number, values, positions in read_rows(fileobj, PAIRING_COLUMNS, report):
        report.total += 1
        parsed.append(_read(report, number, values, positions))
    lookups = _Lookups(parsed)
    seen, ready = {}, []
    for item in parsed:
        checked = _check(item, lookups, scope, seen)
        if checked is not None:
            ready.append(checked)
    return ready


def import_pairings(fileobj, *, actor, commit=False, filename="") -> ImportReport:
    """Validate a pairing file; with commit=True also create every pairing in one transaction,
    only if no row has an error."""
    require(actor, IMPORT_CAPABILITY)
    report = ImportReport("pairings", PAIRING_COLUMNS)

    def write(ready):
        for item in ready:
            number = item.pop("number")
            try:
                do_create_pairing(actor=actor, **item)
            except (ValidationError, PermissionDenied) as exc:
                message = "；".join(getattr(exc, "messages", None) or [str(exc)])
                report.add_error(number, "村编码", message)
        report.created = len(ready)

    return all_or_nothing(report, validate=lambda: _validate(fileobj, actor, report),
                          write=write, commit=commit, actor=actor, filename=filename,
                          summary="导入结对关系 {count} 条")
