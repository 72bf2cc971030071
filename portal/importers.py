"""Excel import of organizations and people: validate every row, then write all or nothing.

`import_orgs` and `import_people` are the services. Called with `commit=False` they only
validate (the preview); with `commit=True` they validate again and write in one transaction,
which is rolled back if any row has an error. Errors are (Excel row number, column header,
Chinese message).

Imports create new records only: an organization code or ID number that already exists in the
database is an error ("已存在"), never an update. Updating is done in the portal's forms, where
each change is checked and recorded one by one; a spreadsheet that silently overwrites records
is too easy to get wrong.

People are streamed: the workbook is read with openpyxl `read_only`, rows are validated against
preloaded organizations, checked against the database 1,000 ID numbers at a time, and (when
committing) written with `bulk_create_with_history` in the same batches, so memory stays flat
however long the file is.
"""

import datetime
import decimal
import re
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from portal import audit
from portal.idnumber import id_number_problem, normalize_phone, phone_problem
from portal.idnumber import normalize as normalize_id_number
from portal.models import Organization, Person
from portal.models.audit import AuditAction
from portal.models.orgs import OrgKind, PartyOrgType, placement_problem
from portal.models.people import Gender
from portal.scope import require, scope_paths
from portal.spreadsheets import Column, UnreadableWorkbook, open_rows, unescape_cell

BATCH_SIZE = 1000
PREVIEW_ROWS = 50
MAX_LISTED_ERRORS = 500
HEADER_SEARCH_ROWS = 5
YES, NO = "是", "否"
FLAG_CHOICES = (YES, NO)

ORG_COLUMNS = (
    Column("组织编码", 14, required=True, text=True, note="全县唯一，字母或数字，如 V0101。"),
    Column("组织名称", 26, required=True),
    Column("上级组织编码", 14, text=True,
           note="系统中已有的组织编码，或本文件中其他行的组织编码（先后顺序不限）。"),
    Column("组织类别", 14, required=True, choices=tuple(OrgKind.labels)),
    Column("党组织类型", 12, choices=tuple(PartyOrgType.labels), note="不填默认为“党支部”。"),
    Column("产业标签", 22, note="多个标签用顿号“、”分隔。"),
    Column("地址", 30),
    Column("纬度", 12, note="如 30.123456；经纬度需同时填写。"),
    Column("经度", 12, note="如 120.123456。"),
    Column("是否启用", 10, choices=FLAG_CHOICES, note="不填默认为“是”。"),
)

PERSON_COLUMNS = (
    Column("姓名", 12, required=True),
    Column("性别", 8, required=True, choices=tuple(Gender.labels)),
    Column("身份证号", 22, required=True, text=True, note="18位，请以文本格式填写。"),
    Column("联系电话", 16, text=True, note="11位手机号或带区号的固定电话。"),
    Column("所在组织编码", 14, required=True, text=True, note="须为系统中已有的组织编码。"),
    Column("职务", 16),
    Column("是否党员", 10, choices=FLAG_CHOICES, note="不填默认为“是”。"),
    Column("是否城市人才", 12, choices=FLAG_CHOICES, note="不填默认为“否”。"),
    Column("是否干部", 10, choices=FLAG_CHOICES, note="不填默认为“否”。"),
    Column("是否在册", 10, choices=FLAG_CHOICES, note="不填默认为“是”。"),
)

_KINDS = {**{label: value for value, label in OrgKind.choices}, **{v: v for v in OrgKind.values}}
_PARTY_TYPES = {**{label: value for value, label in PartyOrgType.choices},
                **{v: v for v in PartyOrgType.values}}
_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
_FLAGS = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False,
          "TRUE": True, "FALSE": False}
_CODE = re.compile(r"^[0-9A-Z][0-9A-Z_.\-]*$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found (and, after a commit, wrote)."""

    kind: str  # "orgs" or "people"
    columns: tuple
    total: int = 0
    created: int = 0
    committed: bool = False
    preview: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self):
        return self.error_count == 0

    @property
    def headers(self):
        return [column.header for column in self.columns]

    @property
    def unlisted_errors(self):
        return self.error_count - len(self.errors)

    def add_error(self, row, column, message):
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def sort_errors(self):
        order = {header: i for i, header in enumerate(self.headers)}
        self.errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))


class Rollback(Exception):
    """Raised inside the import transaction when validation found errors."""


def all_or_nothing(report, *, validate, write=None, commit, actor, filename, summary):
    """The one shape of every import. Preview (commit False): `validate()` only. Commit: in
    one transaction `validate()`, then `write(ready)` with what it returned (which sets
    `report.created` and may add errors or raise Rollback); any error rolls everything back.
    A commit is audited with `summary.format(count=...)` and the file's name."""
    if not commit:
        validate()
        report.sort_errors()
        return report
    try:
        with transaction.atomic():
            ready = validate()
            if not report.ok:
                raise Rollback
            if write is not None:
                write(ready)
            if not report.ok:
                raise Rollback
            report.committed = True
            audit.record(AuditAction.IMPORT,
                         f"{summary.format(count=report.created)}（{filename}）", actor=actor,
                         kind=report.kind, count=report.created, filename=filename)
    except Rollback:
        report.created, report.committed = 0, False
    report.sort_errors()
    return report


def max_rows():
    return getattr(settings, "IMPORT_MAX_ROWS", 100_000)


def cell_text(value) -> str:
    """A cell as stripped text: integral numbers without '.0', escaped formulas unescaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return unescape_cell(value).strip()
    return str(value).strip()


class Row:
    """One data row being validated; problems go straight to the report."""

    def __init__(self, report, number, values, positions):
        self.report = report
        self.number = number
        self.values = values
        self.positions = positions
        self.valid = True

    def raw(self, header):
        index = self.positions.get(header)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def error(self, header, message):
        self.valid = False
        self.report.add_error(self.number, header, message)

    def text(self, header, *, required=False, max_length=None):
        value = cell_text(self.raw(header))
        if required and not value:
            self.error(header, f"“{header}”不能为空。")
        elif max_length and len(value) > max_length:
            self.error(header, f"不能超过{max_length}个字。")
            value = value[:max_length]
        return value

    def code(self, header, *, required=False):
        value = self.text(header, required=required, max_length=32).upper()
        if value and not _CODE.match(value):
            self.error(header, "组织编码只能包含字母、数字和“-”“_”“.”。")
        return value

    def choice(self, header, mapping, *, required=False, default=None):
        value = self.text(header, required=required)
        if not value:
            return default
        key = value.upper() if value.isascii() else value
        if key not in mapping:
            labels = "、".join(dict.fromkeys(k for k in mapping if not k.isascii()))
            self.error(header, f"“{value}”无效，应为：{labels}。")
            return default
        return mapping[key]

    def date(self, header):
        """A date cell (an Excel date, or text like 2026-01-01 / 2026年1月1日), or None."""
        value = self.raw(header)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        match = _DATE.match(text)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        self.error(header, f"“{text}”不是有效日期，请填写如 2026-01-01。")
        return None

    def flag(self, header, *, default):
        return self.choice(header, _FLAGS, default=default)

    def coordinate(self, header, limit):
        value = self.raw(header)
        if value is None or cell_text(value) == "":
            return None
        try:
            number = decimal.Decimal(cell_text(value))
        except decimal.InvalidOperation:
            self.error(header, "应为数字。")
            return None
        if not number.is_finite() or abs(number) > limit:
            self.error(header, f"应在 -{limit} 到 {limit} 之间。")
            return None
        return number.quantize(decimal.Decimal("0.000001"))


def _is_blank(values):
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _header_positions(header_row, aliases=None):
    aliases = aliases or {}
    positions = {}
    for i, value in enumerate(header_row):
        header = cell_text(value).rstrip("*＊").strip()
        if header:
            positions.setdefault(aliases.get(header, header), i)
    return positions


def _is_header(positions, columns):
    """Whether a row's cells are the file's column headers: at least two of the expected
    headers (a title row above them never holds two)."""
    headers = [c.header for c in columns]
    return sum(1 for h in headers if h in positions) >= min(2, len(headers))


def read_rows(fileobj, columns, report, *, aliases=None):
    """Yield (Excel row number, values, header positions) for the data rows of the first
    sheet. The header row is the first of the top HEADER_SEARCH_ROWS rows whose cells are the
    expected headers (`aliases` maps older header names to current ones); rows above it (an
    export's title row) are skipped, and row numbers stay Excel's. Missing required columns
    are reported against the header row."""
    workbook, rows = open_rows(fileobj)
    try:
        header_number, positions = None, {}
        required = [c.header for c in columns if c.required]
        try:
            for number, values in enumerate(rows, start=1):
                if header_number is None:
                    candidate = _header_positions(values, aliases)
                    if _is_header(candidate, columns):
                        header_number, positions = number, candidate
                        missing = [h for h in required if h not in positions]
                        for header in missing:
                            report.add_error(number, header, f"缺少“{header}”列。")
                        if missing:
                            return
                    elif number >= HEADER_SEARCH_ROWS:
                        break
                    continue
                if _is_blank(values):
                    continue
                if report.total >= max_rows():
                    report.add_error(number, "", f"文件超过{max_rows()}行上限，请分批导入。")
                    return
                yield number, values, positions
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # a damaged sheet can fail midway through the XML
            raise UnreadableWorkbook("文件已损坏，读取表格内容时出错。") from exc
        if header_number is None:
            report.add_error(1, "", f"前{HEADER_SEARCH_ROWS}行中未找到表头，请使用下载的模板"
                                    "（表头行应为列名，其上最多可有标题行）。")
    finally:
        workbook.close()


def in_scope(path, paths):
    return paths is None or any(path.startswith(p) for p in paths)


# ---------------------------------------------------------------------------------------------
# Organizations


@dataclass
class _OrgRow:
    number: int
    code: str
    parent_code: str
    fields: dict
    valid: bool


def _read_org_row(report, number, values, positions):
    row = Row(report, number, values, positions)
    code = row.code("组织编码", required=True)
    fields = {
        "code": code,
        "name": row.text("组织名称", required=True, max_length=100),
        "kind": row.choice("组织类别", _KINDS, required=True),
        "party_org_type": row.choice("党组织类型", _PARTY_TYPES, default=PartyOrgType.BRANCH),
        "industry_tags": row.text("产业标签", max_length=200),
        "address": row.text("地址", max_length=200),
        "latitude": row.coordinate("纬度", 90),
        "longitude": row.coordinate("经度", 180),
        "is_active": row.flag("是否启用", default=True),
    }
    parent_code = row.code("上级组织编码")
    if (fields["latitude"] is None) != (fields["longitude"] is None) and row.valid:
        row.error("纬度" if fields["latitude"] is None else "经度", "经纬度需同时填写。")
    return _OrgRow(number, code, parent_code, fields, row.valid)


def _org_order(report, file_rows):
    """File rows ordered so each parent comes before its children; rows caught in a cycle
    are reported and left out."""
    children = {}
    roots = []
    for row in file_rows.values():
        if row.parent_code and row.parent_code in file_rows:
            children.setdefault(row.parent_code, []).append(row)
        else:
            roots.append(row)
    order, queue = [], deque(roots)
    while queue:
        row = queue.popleft()
        order.append(row)
        queue.extend(children.get(row.code, ()))
    placed = {row.code for row in order}
    for row in file_rows.values():
        if row.code in placed:
            continue
        # Walk up the parents: either this row lies on the loop or hangs below one.
        seen, code = [], row.code
        while code not in seen:
            seen.append(code)
            code = file_rows[code].parent_code
        on_loop = row.code in seen[seen.index(code):]
        if on_loop:
            loop = seen[seen.index(code):]
            report.add_error(row.number, "上级组织编码",
                             "上级组织关系存在循环：" + " → ".join(loop + [code]) + "。")
        else:
            report.add_error(row.number, "上级组织编码", "上级组织处于循环关系中，无法确定隶属。")
    return order


def _validate_orgs(fileobj, actor, report):
    """Validate an org file; returns the valid rows in creation order (parents first)."""
    scope = scope_paths(actor, "data.import")
    existing = {code: (pk, path, kind) for pk, code, path, kind in
                Organization.objects.values_list("pk", "code", "path", "kind")}
    file_rows, all_rows = {}, []
    for number, values, positions in read_rows(fileobj, ORG_COLUMNS, report):
        report.total += 1
        row = _read_org_row(report, number, values, positions)
        all_rows.append(row)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_org_display(row))
        if not row.code:
            continue
        if row.code in file_rows:
            report.add_error(number, "组织编码",
                             f"组织编码与第{file_rows[row.code].number}行重复。")
            row.valid = False
            continue
        file_rows[row.code] = row
        if row.code in existing:
            report.add_error(number, "组织编码", f"组织编码“{row.code}”已存在。")
            row.valid = False

    for row in all_rows:
        kind = row.fields["kind"]
        if not row.parent_code:
            if scope is not None:
                report.add_error(row.number, "上级组织编码",
                                 "请填写上级组织编码（只能在您管理的组织之下新增）。")
            elif kind and (problem := placement_problem(kind, None)):
                report.add_error(row.number, "组织类别", problem)
            continue
        if row.parent_code == row.code:
            report.add_error(row.number, "上级组织编码", "上级组织不能是自己。")
            continue
        if row.parent_code in file_rows:
            parent_kind = file_rows[row.parent_code].fields["kind"]
        elif row.parent_code in existing:
            _, parent_path, parent_kind = existing[row.parent_code]
            if not in_scope(parent_path, scope):
                report.add_error(row.number, "上级组织编码",
                                 f"上级组织“{row.parent_code}”不在您的管理范围内。")
                continue
        else:
            report.add_error(row.number, "上级组织编码",
                             f"上级组织编码“{row.parent_code}”不存在。")
            continue
        if kind and parent_kind and (problem := placement_problem(kind, parent_kind)):
            report.add_error(row.number, "组织类别", problem)

    # Self-parents were reported above; leave them out of the ordering.
    linked = {code: row for code, row in file_rows.items() if row.parent_code != code}
    order = _org_order(report, linked)
    return order, existing


def _org_display(row):
    f = row.fields
    return [row.code, f["name"], row.parent_code, OrgKind(f["kind"]).label if f["kind"] else "",
            PartyOrgType(f["party_org_type"]).label if f["party_org_type"] else "",
            f["industry_tags"], f["address"], f["latitude"] or "", f["longitude"] or "",
            YES if f["is_active"] else NO]


def import_orgs(fileobj, *, actor, commit=False, filename="") -> ImportReport:
    """Validate an organization file; with commit=True also create the organizations (through
    treebeard, parents first) in one transaction, only if no row has an error."""
    require(actor, "data.import")
    report = ImportReport("orgs", ORG_COLUMNS)

    def write(validated):
        order, existing = validated
        scope = scope_paths(actor, "data.import")
        created = {}
        for row in order:
            instance = Organization(**row.fields)
            instance._history_user = actor
            if not row.parent_code:
                org = Organization.objects.add_root(instance=instance)
            else:
                parent = created.get(row.parent_code) or Organization.objects.get(
                    pk=existing[row.parent_code][0])
                org = Organization.objects.add_child(parent, instance=instance)
            if not in_scope(org.path, scope):  # the write must stay inside the scope
                raise Rollback
            created[row.code] = org
        report.created = len(created)

    return all_or_nothing(report, validate=lambda: _validate_orgs(fileobj, actor, report),
                          write=write, commit=commit, actor=actor, filename=filename,
                          summary="导入组织 {count} 个")


# ---------------------------------------------------------------------------------------------
# People


class _PeopleBatch:
    """Up to BATCH_SIZE validated people, checked against the database together."""

    def __init__(self):
        self.rows = []  # (row number, Person)

    def __len__(self):
        return len(self.rows)

    def flush(self, report, *, commit, actor):
        if not self.rows:
            return
        numbers = [person.id_number for _, person in self.rows]
        taken = set(Person.objects.filter(id_number__in=numbers)
                    .values_list("id_number", flat=True))
        for number, person in self.rows:
            if person.id_number in taken:
                report.add_error(number, "身份证号", f"身份证号“{person.id_number}”已存在。")
        if commit and report.ok:
            bulk_create_with_history([p for _, p in self.rows], Person, batch_size=BATCH_SIZE,
                                     default_user=actor)
            report.created += len(self.rows)
        self.rows = []


def _read_person(report, number, values, positions, orgs, scope):
    row = Row(report, number, values, positions)
    raw_id = row.raw("身份证号")
    id_number = normalize_id_number(row.text("身份证号", required=True))
    if isinstance(raw_id, int | float):
        # Excel keeps 15 significant digits: a number cell may have lost the last ones, so it
        # is refused even when it happens to pass the check digit, and never compared.
        row.error("身份证号", "身份证号被存成了数字，末几位可能已丢失，"
                              "请把该列设为文本格式后重新填写。")
        id_number = ""
    elif id_number and (problem := id_number_problem(id_number)):
        row.error("身份证号", problem)
    phone = normalize_phone(row.text("联系电话", max_length=20))
    if phone and (problem := phone_problem(phone)):
        row.error("联系电话", problem)
    org_code = row.code("所在组织编码", required=True)
    org_id = None
    if org_code:
        org = orgs.get(org_code)
        if org is None:
            row.error("所在组织编码", f"组织编码“{org_code}”不存在。")
        elif not in_scope(org[1], scope):
            row.error("所在组织编码", f"组织“{org[2]}”不在您的管理范围内。")
        else:
            org_id = org[0]
    person = Person(
        name=row.text("姓名", required=True, max_length=50),
        gender=row.choice("性别", _GENDERS, required=True),
        id_number=id_number,
        phone=phone,
        home_org_id=org_id,
        position=row.text("职务", max_length=50),
        is_party_member=row.flag("是否党员", default=True),
        is_city_talent=row.flag("是否城市人才", default=False),
        is_cadre=row.flag("是否干部", default=False),
        is_active=row.flag("是否在册", default=True),
    )
    return person, org_code, row.valid


def _person_display(person, org_code):
    return [person.name, Gender(person.gender).label if person.gender else "", person.id_number,
            person.phone, org_code, person.position,
            *[YES if flag else NO for flag in (person.is_party_member, person.is_city_talent,
                                               person.is_cadre, person.is_active)]]


def _process_people(fileobj, actor, report, *, commit):
    scope = scope_paths(actor, "data.import")
    orgs = {code: (pk, path, name) for pk, code, path, name in
            Organization.objects.values_list("pk", "code", "path", "name")}
    first_row_of = {}
    batch = _PeopleBatch()
    for number, values, positions in read_rows(fileobj, PERSON_COLUMNS, report):
        report.total += 1
        person, org_code, valid = _read_person(report, number, values, positions, orgs, scope)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_person_display(person, org_code))
        if person.id_number:
            first = first_row_of.setdefault(person.id_number, number)
            if first != number:
                report.add_error(number, "身份证号", f"身份证号与第{first}行重复。")
                valid = False
        if valid:
            batch.rows.append((number, person))
            if len(batch) >= BATCH_SIZE:
                batch.flush(report, commit=commit, actor=actor)
    batch.flush(report, commit=commit, actor=actor)


def import_people(fileobj, *, actor, commit=False, filename="") -> ImportReport:
    """Validate a people file; with commit=True also create the people in batches inside one
    transaction, rolled back if any row has an error."""
    require(actor, "data.import")
    report = ImportReport("people", PERSON_COLUMNS)
    return all_or_nothing(
        report, validate=lambda: _process_people(fileobj, actor, report, commit=commit),
        commit=commit, actor=actor, filename=filename, summary="导入人员 {count} 名")


IMPORTERS = {"orgs": import_orgs, "people": import_people}
