"""Excel import of enrolments (行动报名): one row per person and action, validated as a whole
and written all or nothing (the foundation's import machinery, portal.importers).

Each row names the person by ID number (in the importer's enrolment scope, a party cadre of a
county unit), the action by name or code, the year, and optionally the start date (default 1
January). A person already enrolled in that action and year — in the database or earlier in
the file — is an error, never an update."""

import datetime

from assessment.models import Action, Enrolment
from assessment.services.enrolment import ENROL, is_cadre
from portal.idnumber import normalize as normalize_id_number
from portal.importers import (
    PREVIEW_ROWS,
    ImportReport,
    Row,
    all_or_nothing,
    in_scope,
    read_rows,
)
from portal.models import Person
from portal.models.orgs import CITY_KINDS
from portal.scope import require, scope_paths
from portal.spreadsheets import Column

ENROLMENT_COLUMNS = (
    Column("身份证号", 22, required=True, text=True, note="系统中已有的县直单位党员干部。"),
    Column("姓名", 12, note="仅供核对，以身份证号为准。"),
    Column("行动", 22, required=True, note="行动名称或编码。"),
    Column("年度", 8, required=True, note="如 2026。"),
    Column("参加日期", 14, note="如 2026-01-01；不填默认为当年 1 月 1 日。"),
)
EXAMPLE_ROWS = [["510100198001010011", "张三", "乡村振兴行动", 2026, "2026-01-01"]]


def _read(report, number, values, positions, actions):
    row = Row(report, number, values, positions)
    item = {"row": row, "number": number,
            "id_number": normalize_id_number(row.text("身份证号", required=True,
                                                      max_length=18)),
            "name": row.text("姓名", max_length=50),
            "action": None, "year": None, "start": row.date("参加日期")}
    label = row.text("行动", required=True, max_length=100)
    if label:
        item["action"] = actions.get(label) or actions.get(label.lower())
        if item["action"] is None:
            names = "、".join(sorted({a.name for a in actions.values()}))
            row.error("行动", f"未知的行动“{label}”，应为：{names}。")
    year_text = row.text("年度", required=True, max_length=4)
    if year_text:
        if year_text.isdigit() and 2000 <= int(year_text) <= 2100:
            item["year"] = int(year_text)
        else:
            row.error("年度", f"“{year_text}”不是有效年度。")
    if len(report.preview) < PREVIEW_ROWS:
        report.preview.append([item["id_number"], item["name"],
                               item["action"].name if item["action"] else label,
                               item["year"] or year_text, item["start"] or ""])
    return item


def _validate(fileobj, actor, report):
    actions = {}
    for action in Action.objects.filter(is_active=True):
        actions[action.name] = actions[action.code.lower()] = action
    parsed = [_read(report, number, values, positions, actions)
              for number, values, positions in read_rows(fileobj, ENROLMENT_COLUMNS, report)]
    report.total = len(parsed)
    numbers = {item["id_number"] for item in parsed if item["id_number"]}
    people = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers)
              .select_related("home_org")}
    years = {item["year"] for item in parsed if item["year"]}
    taken = set(Enrolment.objects.filter(person__id_number__in=numbers, year__in=years)
                .values_list("person__id_number", "action_id", "year"))
    scope = scope_paths(actor, ENROL)
    seen, ready = {}, []
    for item in parsed:
        row, number = item["row"], item["id_number"]
        person = people.get(number) if number else None
        if number and person is None:
            row.error("身份证号", f"身份证号为“{number}”的人员不存在。")
        elif person is not None:
            if not in_scope(person.home_org.path, scope):
                row.error("身份证号", f"“{person.name}”不在您的管理范围内。")
            elif person.home_org.kind not in CITY_KINDS or not is_cadre(person):
                row.error("身份证号", f"“{person.name}”不是在册的县直单位党员干部。")
            elif item["name"] and item["name"] != person.name:
                row.error("姓名", f"与身份证号对应的姓名“{person.name}”不一致。")
        if not row.valid or person is None or item["action"] is None or item["year"] is None:
            continue
        key = (number, item["action"].pk, item["year"])
        if key in taken:
            row.error("行动", f"“{person.name}”已报名{item['year']}年{item['action'].name}。")
        elif key in seen:
            row.error("行动", f"与第{seen[key]}行重复。")
        else:
            seen[key] = item["number"]
            start = item["start"] or datetime.date(item["year"], 1, 1)
            if start.year != item["year"]:
                row.error("参加日期", "参加日期应在该年度内。")
                continue
            ready.append(Enrolment(action=item["action"], year=item["year"], person=person,
                                   org=person.home_org, start_date=start, changed_by=actor))
    return ready


def import_enrolments(fileobj, *, actor, commit=False, filename="") -> ImportReport:
    """Validate an enrolment file; with commit=True also create every enrolment in one
    transaction, only if no row has an error."""
    require(actor, ENROL)
    report = ImportReport("enrolments", ENROLMENT_COLUMNS)

    def write(ready):
        Enrolment.objects.bulk_create(ready, batch_size=1000)
        report.created = len(ready)

    return all_or_nothing(report, validate=lambda: _validate(fileobj, actor, report),
                          write=write, commit=commit, actor=actor, filename=filename,
                          summary="导入行动报名 {count} 条")
