"""Excel import of organizations and people: validate every row, then write all or nothing.

`import_orgs` and `import_people` are the services. Called with `commit=False` they only
validate (the preview); with `commit=True` they validate again and write in one transaction,
which is rolled back if any row has an error. Errors are (Excel row number, column header,
Chinese message).

A row whose ID number (people) or organization code (orgs) is already in the database updates
that record; every other row creates one. The preview classifies each row as new, changed (with
each changed field, old → new) or unchanged, and the commit writes only new and changed rows:
an unchanged row gets no history row. On an update a blank optional cell (and a column missing
from the file) keeps the stored value, so a file never erases data by leaving cells empty; an
organization's parent is not changed by an import (moving is the org page's own action). A row
for a record outside the importer's scope is an error, never an update. The commit also checks
that it would write what the preview showed (`plan_digest`): a record changed in between
stops the import instead of silently turning a "new" row into an update.

Organizations are named by code, by name (among those the importer may see; a name that is
not unique within the import scope is an error listing the candidates' codes), or "名称（编码）".

People are streamed: the workbook is read with openpyxl `read_only`, rows are validated against
the preloaded organizations, matched with the database 1,000 ID numbers to a query, and (when
committing) written with `bulk_create_with_history` / `bulk_update_with_history` in the same
batches, so memory stays flat however long the file is.
"""

import datetime
import decimal
import hashlib
import re
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal import audit, org_tally
from portal.idnumber import id_number_problem, mask_id_number, normalize_phone, phone_problem
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
MAX_LISTED_CHANGES = 200
HEADER_SEARCH_ROWS = 5
PROGRESS_EVERY = 500
YES, NO = "是", "否"
FLAG_CHOICES = (YES, NO)
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"

_ORG_REFERENCE_NOTE = ("组织编码或组织名称；名称在您的管理范围内重名时请填编码，"
                       "或填“名称（编码）”（以编码为准）。")

ORG_COLUMNS = (
    Column("组织编码", 14, required=True, text=True,
           note="全县唯一，字母或数字，如 V0101。系统中已有的编码将更新该组织。"),
    Column("组织名称", 26, required=True),
    Column("上级组织", 16,
           note="系统中已有的组织，或本文件中新增的组织（先后顺序不限）：" + _ORG_REFERENCE_NOTE
           + "更新已有组织时不能调整上级组织。"),
    Column("组织类别", 14, required=True, choices=tuple(OrgKind.labels)),
    Column("党组织类型", 12, choices=tuple(PartyOrgType.labels), note="新增时不填默认为“党支部”。"),
    Column("产业标签", 22, note="多个标签用顿号“、”分隔。"),
    Column("地址", 30),
    Column("纬度", 12, note="如 30.123456；经纬度需同时填写。"),
    Column("经度", 12, note="如 120.123456。"),
    Column("是否启用", 10, choices=FLAG_CHOICES, note="新增时不填默认为“是”。"),
)

PERSON_COLUMNS = (
    Column("姓名", 12, required=True),
    Column("性别", 8, required=True, choices=tuple(Gender.labels)),
    Column("身份证号", 22, required=True, text=True,
           note="18位，请以文本格式填写。系统中已有的身份证号将更新该人员。"),
    Column("联系电话", 16, text=True, note="11位手机号或带区号的固定电话。"),
    Column("所在组织", 16, required=True, note="须为系统中已有的组织：" + _ORG_REFERENCE_NOTE),
    Column("职务", 16),
    Column("是否党员", 10, choices=FLAG_CHOICES, note="新增时不填默认为“是”。"),
    Column("是否城市人才", 12, choices=FLAG_CHOICES, note="新增时不填默认为“否”。"),
    Column("是否干部", 10, choices=FLAG_CHOICES, note="新增时不填默认为“否”。"),
    Column("是否在册", 10, choices=FLAG_CHOICES, note="新增时不填默认为“是”。"),
)
# Headers of older templates and exports, still accepted.
HEADER_ALIASES = {"所在组织编码": "所在组织", "上级组织编码": "上级组织"}
# What the import pages tell about updates (template notes and the rules list).
UPDATE_RULES = (
    "身份证号（人员）或组织编码（组织）已在系统中存在的行会更新该记录，其余行为新增；"
    "确认前的预览会列出新增、更新（每项改动：原值 → 新值）和无变化的行。",
    "更新时，选填列留空（或文件中没有该列）表示保持原值；无变化的行不会写入。",
    "所在组织、上级组织可填组织编码或名称；名称重名时请改填编码。",
    "只能新增或更新您管理范围内的组织和人员；组织的上级关系不能通过导入调整。",
)

_KINDS = {**{label: value for value, label in OrgKind.choices}, **{v: v for v in OrgKind.values}}
_PARTY_TYPES = {**{label: value for value, label in PartyOrgType.choices},
                **{v: v for v in PartyOrgType.values}}
_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
_FLAGS = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False,
          "TRUE": True, "FALSE": False}
_CODE = re.compile(r"^[0-9A-Z][0-9A-Z_.\-]*$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# "青山村（V0001）": a name with its code in brackets, as exports may write it.
_NAME_AND_CODE = re.compile(r"^(.+?)\s*[（(]\s*([0-9A-Za-z][0-9A-Za-z_.\-]*)\s*[）)]$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class FieldChange:
    header: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    """An existing record a row changes: which one, and each changed field."""

    row: int
    label: str
    fields: tuple


class UnlistedCounts:
    """The errors and changes counted but not listed (the lists are capped): for the import
    report and for its copy stored on a job (portal.import_jobs.StoredReport)."""

    @property
    def unlisted_errors(self):
        return self.error_count - len(self.errors)

    @property
    def unlisted_changes(self):
        return self.changed - len(self.changes)


@dataclass
class ImportReport(UnlistedCounts):
    """What an import found (and, after a commit, wrote)."""

    kind: str  # "orgs" or "people"
    columns: tuple
    total: int = 0
    created: int = 0
    updated: int = 0
    committed: bool = False
    preview: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    error_count: int = 0
    error_rows: set = field(default_factory=set)
    # Importers that match existing records classify each valid row (see `plan`).
    classified: bool = False
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    new_rows: list = field(default_factory=list)  # (row number, display values), capped
    changes: list = field(default_factory=list)  # RowChange, capped
    # progress(rows read, rows in the sheet or None), called every PROGRESS_EVERY data rows
    progress: object = field(default=None, repr=False)
    _plan: object = field(default_factory=hashlib.sha256, repr=False)

    @property
    def ok(self):
        return self.error_count == 0

    @property
    def headers(self):
        return [column.header for column in self.columns]

    @property
    def error_row_count(self):
        return len(self.error_rows)

    @property
    def has_work(self):
        """Whether a commit would write anything (a file of unchanged rows would not)."""
        return self.total > 0 and (not self.classified or self.new + self.changed > 0)

    @property
    def plan_digest(self):
        """A fingerprint of what the commit writes: each row's class and its changed fields'
        new values. The commit compares it with the preview's."""
        return self._plan.hexdigest()

    def add_error(self, row, column, message):
        self.error_count += 1
        self.error_rows.add(row)
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def plan(self, number, status, *, display=None, change=None):
        """Record a valid row as NEW (with its display values), CHANGED (with its RowChange)
        or UNCHANGED."""
        self.classified = True
        if status == NEW:
            self.new += 1
            if len(self.new_rows) < PREVIEW_ROWS:
                self.new_rows.append((number, display))
        elif status == CHANGED:
            self.changed += 1
            if len(self.changes) < MAX_LISTED_CHANGES:
                self.changes.append(change)
        else:
            self.unchanged += 1
        detail = "" if change is None else "|".join(f"{f.header}={f.new}" for f in change.fields)
        self._plan.update(f"{number}:{status}:{detail}\n".encode())

    def sort_errors(self):
        order = {header: i for i, header in enumerate(self.headers)}
        self.errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))


class Rollback(Exception):
    """Raised inside the import transaction when validation found errors."""


PLAN_CHANGED = ("预览之后系统中的数据已有变动，本次导入将写入的内容与预览不再一致，"
                "未导入任何数据。请重新上传文件，核对新的预览后再确认。")


def all_or_nothing(report, *, validate, write=None, commit, actor, filename, summary,
                   expected_plan=None):
    """The one shape of every import. Preview (commit False): `validate()` only. Commit: in
    one transaction `validate()`, then `write(ready)` with what it returned (which sets
    `report.created` / `report.updated` and may add errors or raise Rollback); any error rolls
    everything back, and so does a classified import whose plan differs from `expected_plan`
    (the preview's). A commit is audited with `summary.format(count=..., created=...,
    updated=...)` and the file's name."""
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
            if expected_plan and report.classified and report.plan_digest != expected_plan:
                report.add_error(0, "", PLAN_CHANGED)
            if not report.ok:
                raise Rollback
            report.committed = True
            text = summary.format(count=report.created, created=report.created,
                                  updated=report.updated)
            audit.record(AuditAction.IMPORT, f"{text}（{filename}）", actor=actor,
                         kind=report.kind, count=report.created, updated=report.updated,
                         filename=filename)
    except Rollback:
        report.created, report.updated, report.committed = 0, 0, False
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
    """Whether a row's cells are the file's column headers: the first required header, or
    at least two of the expected ones (a title row above them holds neither)."""
    headers = [c.header for c in columns]
    required = [c.header for c in columns if c.required]
    return ((required and required[0] in positions)
            or sum(1 for h in headers if h in positions) >= min(2, len(headers)))


def read_rows(fileobj, columns, report, *, aliases=None):
    """Yield (Excel row number, values, header positions) for the data rows of the first
    sheet. The header row is the first of the top HEADER_SEARCH_ROWS rows whose cells are the
    expected headers (`aliases` maps older header names to current ones); rows above it (an
    export's title row) are skipped, and row numbers stay Excel's. Missing required columns
    are reported against the header row."""
    workbook, rows = open_rows(fileobj)
    try:
        sheet_rows = workbook.worksheets[0].max_row  # from the file's dimension; may be None
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
                if report.progress and report.total % PROGRESS_EVERY == 0:
                    report.progress(report.total, sheet_rows)
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


def _shown(value):
    """A field value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


# ---------------------------------------------------------------------------------------------
# Existing organizations, and cells that name one


@dataclass(frozen=True)
class _Org:
    pk: int
    code: str
    path: str
    name: str
    kind: str


class _OrgIndex:
    """Every organization loaded once (one query): by code, pk and path, and by name among
    those the importer may see (names of others are never matched or shown)."""

    def __init__(self, actor):
        visible = scope_paths(actor, "org.view")
        self.by_code, self.by_pk, self.by_path, self.by_name = {}, {}, {}, {}
        for values in Organization.objects.order_by().values_list("pk", "code", "path", "name",
                                                                  "kind"):
            org = _Org(*values)
            self.by_code[org.code.upper()] = org
            self.by_pk[org.pk] = org
            self.by_path[org.path] = org
            if in_scope(org.path, visible):
                self.by_name.setdefault(org.name, []).append(org)

    def parent(self, org):
        return self.by_path.get(org.path[:-Organization.steplen])

    def label(self, org):
        return f"{org.name}（{org.code}）"

    def label_of(self, pk):
        org = self.by_pk.get(pk)
        return self.label(org) if org else ""

    def candidates(self, orgs):
        """'V0101（青山镇）、V0201（白水乡）': same-named orgs' codes, each with its parent."""
        parts = []
        for org in sorted(orgs, key=lambda o: o.code):
            parent = self.parent(org)
            parts.append(f"{org.code}（{parent.name}）" if parent else org.code)
        return "、".join(parts)

    def by_code_in(self, value):
        """The org a cell's text names by code ("V0001", or "青山村（V0001）" where the code
        decides), or None (the text may still be a name)."""
        match = _NAME_AND_CODE.match(value)
        if match and (org := self.by_code.get(match.group(2).upper())):
            return org
        return self.by_code.get(value.upper())


def _ambiguous(value, listed):
    return f"组织名称“{value}”在您的管理范围内不唯一：{listed}，请改填组织编码。"


def _find_org(row, header, index, scope, *, required=False):
    """The existing org a cell names (code, name or 名称（编码）) inside the import scope, or
    None with a row error (an unknown, ambiguous or out-of-scope org)."""
    value = row.text(header, required=required, max_length=120)
    if not value:
        return None
    org = index.by_code_in(value)
    if org is None:
        candidates = index.by_name.get(value, [])
        inside = [o for o in candidates if in_scope(o.path, scope)]
        if len(inside) > 1:
            row.error(header, _ambiguous(value, index.candidates(inside)))
            return None
        if not candidates:
            row.error(header, f"组织“{value}”不存在（请填写系统中已有组织的编码或名称）。")
            return None
        org = inside[0] if inside else candidates[0]
    if not in_scope(org.path, scope):
        row.error(header, f"组织“{value}”不在您的管理范围内。")
        return None
    return org


# ---------------------------------------------------------------------------------------------
# Organizations

ORG_FIELDS = (("name", "组织名称"), ("kind", "组织类别"), ("party_org_type", "党组织类型"),
              ("industry_tags", "产业标签"), ("address", "地址"), ("latitude", "纬度"),
              ("longitude", "经度"), ("is_active", "是否启用"))
ORG_DEFAULTS = {"party_org_type": PartyOrgType.BRANCH, "industry_tags": "", "address": "",
                "latitude": None, "longitude": None, "is_active": True}
_KIND_LABELS = dict(OrgKind.choices)
_PARTY_TYPE_LABELS = dict(PartyOrgType.choices)


@dataclass
class _OrgRow:
    number: int
    code: str
    parent_text: str  # the 上级组织 cell as written
    given: dict  # the fields the row gives (blank optional cells left out)
    valid: bool
    existing: _Org | None = None  # the org this row updates
    parent_code: str = ""  # the parent, resolved to a code (of the file or the database)
    parent_label: str = ""

    @property
    def kind(self):
        return self.given.get("kind")

    @property
    def fields(self):
        """A new org's fields: what the row gives over the defaults."""
        return {**ORG_DEFAULTS, **self.given, "code": self.code}


def _org_value(name, value):
    if name == "kind":
        return _KIND_LABELS.get(value, value or "")
    if name == "party_org_type":
        return _PARTY_TYPE_LABELS.get(value, value or "")
    return _shown(value)


def _read_org_row(report, number, values, positions):
    row = Row(report, number, values, positions)
    code = row.code("组织编码", required=True)
    given = {
        "name": row.text("组织名称", required=True, max_length=100),
        "kind": row.choice("组织类别", _KINDS, required=True),
        "party_org_type": row.choice("党组织类型", _PARTY_TYPES),
        "industry_tags": row.text("产业标签", max_length=200),
        "address": row.text("地址", max_length=200),
        "latitude": row.coordinate("纬度", 90),
        "longitude": row.coordinate("经度", 180),
        "is_active": row.flag("是否启用", default=None),
    }
    parent_text = row.text("上级组织", max_length=120)
    if (given["latitude"] is None) != (given["longitude"] is None) and row.valid:
        row.error("纬度" if given["latitude"] is None else "经度", "经纬度需同时填写。")
    given = {name: value for name, value in given.items() if value not in (None, "")}
    return _OrgRow(number, code, parent_text, given, row.valid)


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
            report.add_error(row.number, "上级组织",
                             "上级组织关系存在循环：" + " → ".join(loop + [code]) + "。")
        else:
            report.add_error(row.number, "上级组织", "上级组织处于循环关系中，无法确定隶属。")
    return order


class _OrgFile:
    """The rows of an org file with the index, resolving parents among both."""

    def __init__(self, report, index, scope):
        self.report, self.index, self.scope = report, index, scope
        self.rows = {}  # code → first row with it
        self.new_by_name = {}

    def kind_of(self, code):
        """An org's kind after the import: the file's row if it has one, else the database's."""
        row = self.rows.get(code)
        if row is not None and row.kind:
            return row.kind
        org = self.index.by_code.get(code)
        return org.kind if org else None

    def resolve_parent(self, row):
        """Set row.parent_code/label from its 上级组织 cell; False (with an error) if it names
        no org the importer may use."""
        value, header = row.parent_text, "上级组织"
        upper = value.upper()
        match = _NAME_AND_CODE.match(value)
        code = match.group(2).upper() if match else upper
        for candidate in (code, upper):
            file_row = self.rows.get(candidate)
            if file_row is not None and file_row.existing is None:
                row.parent_code = candidate
                row.parent_label = f"{file_row.given.get('name', '')}（{candidate}）"
                return True
        org = self.index.by_code_in(value)
        in_file = [] if org else [r for r in self.new_by_name.get(value, []) if r is not row]
        if org is None:
            candidates = self.index.by_name.get(value, [])
            inside = [o for o in candidates if in_scope(o.path, self.scope)]
            found = len(inside) + len(in_file)
            if found > 1:
                listed = "、".join([*(f"{r.code}（本文件第{r.number}行）" for r in in_file),
                                    *([self.index.candidates(inside)] if inside else [])])
                self.report.add_error(row.number, header, _ambiguous(value, listed))
                return False
            if in_file:
                row.parent_code = in_file[0].code
                row.parent_label = f"{value}（{row.parent_code}）"
                return True
            if not candidates:
                self.report.add_error(row.number, header, f"上级组织“{value}”不存在。")
                return False
            org = inside[0] if inside else candidates[0]
        if not in_scope(org.path, self.scope):
            self.report.add_error(row.number, header, f"上级组织“{value}”不在您的管理范围内。")
            return False
        row.parent_code, row.parent_label = org.code.upper(), self.index.label(org)
        return True

    def check_new(self, row):
        """A new org: its parent must be given (unless the importer may add roots) and take
        its kind."""
        kind = row.kind
        if not row.parent_text:
            if self.scope is not None:
                self.report.add_error(row.number, "上级组织",
                                      "请填写上级组织（只能在您管理的组织之下新增）。")
            elif kind and (problem := placement_problem(kind, None)):
                self.report.add_error(row.number, "组织类别", problem)
            return
        if not self.resolve_parent(row):
            return
        if row.parent_code == row.code:
            self.report.add_error(row.number, "上级组织", "上级组织不能是自己。")
            return
        parent_kind = self.kind_of(row.parent_code)
        if kind and parent_kind and (problem := placement_problem(kind, parent_kind)):
            self.report.add_error(row.number, "组织类别", problem)

    def check_update(self, row, children):
        """An existing org: the parent stays (a different one is an error) and a new kind must
        fit under it and over its children."""
        org = row.existing
        parent = self.index.parent(org)
        if row.parent_text and self.resolve_parent(row):
            if parent is None or row.parent_code != parent.code.upper():
                was = self.index.label(parent) if parent else "无（顶级组织）"
                self.report.add_error(
                    row.number, "上级组织",
                    f"导入不能调整上级组织（现为{was}），请在组织页面使用“移动”。")
                return
        kind = row.kind
        if not kind or kind == org.kind:
            return
        parent_kind = self.kind_of(parent.code.upper()) if parent else None
        if problem := placement_problem(kind, parent_kind):
            self.report.add_error(row.number, "组织类别", problem)
            return
        for child_code in children.get(org.path, ()):
            child_kind = self.kind_of(child_code)
            if problem := placement_problem(child_kind, kind):
                self.report.add_error(row.number, "组织类别",
                                      f"改为“{_KIND_LABELS[kind]}”后，下级组织{child_code}不符合："
                                      f"{problem}")
                return


def _children_codes(index, orgs):
    """{path: [child codes]} for the given orgs, from the index (no query)."""
    wanted = {org.path for org in orgs}
    children = {}
    if wanted:
        for path, org in index.by_path.items():
            parent_path = path[:-Organization.steplen]
            if parent_path in wanted:
                children.setdefault(parent_path, []).append(org.code.upper())
    return children


def _validate_orgs(fileobj, actor, report):
    """Validate an org file; returns (new rows in creation order, changed Organizations and
    the names of their changed fields)."""
    report.classified = True
    scope = scope_paths(actor, "data.import")
    index = _OrgIndex(actor)
    file = _OrgFile(report, index, scope)
    all_rows = []
    for number, values, positions in read_rows(fileobj, ORG_COLUMNS, report,
                                               aliases=HEADER_ALIASES):
        report.total += 1
        row = _read_org_row(report, number, values, positions)
        all_rows.append(row)
        if not row.code:
            continue
        if row.code in file.rows:
            first = file.rows[row.code].number
            report.add_error(number, "组织编码", f"组织编码与第{first}行重复。")
            row.valid = False
            continue
        file.rows[row.code] = row
        row.existing = index.by_code.get(row.code)
        if row.existing is None:
            file.new_by_name.setdefault(row.given.get("name"), []).append(row)
        elif not in_scope(row.existing.path, scope):
            report.add_error(number, "组织编码",
                             f"组织编码“{row.code}”对应的组织不在您的管理范围内，不能更新。")
            row.valid = False

    updates = [row for row in file.rows.values() if row.existing is not None and row.valid]
    changing_kind = [row.existing for row in updates if row.kind and row.kind != row.existing.kind]
    children = _children_codes(index, changing_kind)
    for row in all_rows:
        if row.existing is not None:
            if row.valid:
                file.check_update(row, children)
        else:
            file.check_new(row)

    # Self-parents were reported above; leave them out of the ordering.
    new_rows = {code: row for code, row in file.rows.items()
                if row.existing is None and row.parent_code != code}
    order = _org_order(report, new_rows)

    stored = Organization.objects.in_bulk([row.existing.pk for row in updates])
    changed, changed_fields = [], set()
    for row in all_rows:
        if not row.valid or row.number in report.error_rows:
            continue
        if row.existing is None:
            if row.code in new_rows:
                report.plan(row.number, NEW, display=_org_display(row))
            continue
        org, given = stored[row.existing.pk], row.given
        diffs = [(name, header) for name, header in ORG_FIELDS
                 if name in given and getattr(org, name) != given[name]]
        if not diffs:
            report.plan(row.number, UNCHANGED)
            continue
        fields = tuple(FieldChange(header, _org_value(name, getattr(org, name)),
                                   _org_value(name, given[name])) for name, header in diffs)
        for name, _header in diffs:
            setattr(org, name, given[name])
            changed_fields.add(name)
        changed.append(org)
        report.plan(row.number, CHANGED,
                    change=RowChange(row.number, index.label(row.existing), fields))
    return order, changed, changed_fields, index


def _org_display(row):
    f = row.fields
    return [row.code, f["name"], row.parent_label, _org_value("kind", f["kind"]),
            _org_value("party_org_type", f["party_org_type"]), f["industry_tags"], f["address"],
            _shown(f["latitude"]), _shown(f["longitude"]), _shown(f["is_active"])]


def import_orgs(fileobj, *, actor, commit=False, filename="", expected_plan=None,
                progress=None) -> ImportReport:
    """Validate an organization file; with commit=True also update the changed organizations
    and create the new ones (through treebeard, parents first) in one transaction, only if no
    row has an error (and the plan is still `expected_plan`, when given)."""
    require(actor, "data.import")
    report = ImportReport("orgs", ORG_COLUMNS, progress=progress)

    def write(validated):
        order, changed, changed_fields, index = validated
        # Many statements in one transaction: another import doing the same in another order
        # would deadlock on the organizations per township (portal.org_tally).
        org_tally.serialize_bulk_writes()
        if changed:
            bulk_update_with_history(changed, Organization, sorted(changed_fields),
                                     batch_size=BATCH_SIZE, default_user=actor)
        report.updated = len(changed)
        scope = scope_paths(actor, "data.import")
        created = {}
        for row in order:
            instance = Organization(**row.fields)
            instance._history_user = actor
            if not row.parent_code:
                org = Organization.objects.add_root(instance=instance)
            else:
                parent = created.get(row.parent_code) or Organization.objects.get(
                    pk=index.by_code[row.parent_code].pk)
                org = Organization.objects.add_child(parent, instance=instance)
            if not in_scope(org.path, scope):  # the write must stay inside the scope
                raise Rollback
            created[row.code] = org
        report.created = len(created)

    return all_or_nothing(report, validate=lambda: _validate_orgs(fileobj, actor, report),
                          write=write, commit=commit, actor=actor, filename=filename,
                          summary="导入组织：新增 {created} 个，更新 {updated} 个",
                          expected_plan=expected_plan)


# ---------------------------------------------------------------------------------------------
# People

PERSON_FIELDS = (("name", "姓名"), ("gender", "性别"), ("phone", "联系电话"),
                 ("home_org_id", "所在组织"), ("position", "职务"),
                 ("is_party_member", "是否党员"), ("is_city_talent", "是否城市人才"),
                 ("is_cadre", "是否干部"), ("is_active", "是否在册"))
PERSON_DEFAULTS = {"phone": "", "position": "", "is_party_member": True,
                   "is_city_talent": False, "is_cadre": False, "is_active": True}
_GENDER_LABELS = dict(Gender.choices)


def _person_value(name, value, index):
    if name == "gender":
        return _GENDER_LABELS.get(value, value or "")
    if name == "home_org_id":
        return index.label_of(value)
    return _shown(value)


def _lock_in_id_order(model, rows):
    """Lock `rows` (FOR UPDATE, by id) before they are updated in bulk: the bulk UPDATE locks
    them in whatever order PostgreSQL reads them, while an activity being saved share-locks its
    participants by id (ledger/tallies.py). Taking them by id here too, a save and an import
    wait for each other instead of deadlocking."""
    list(model.objects.select_for_update().filter(pk__in=[row.pk for row in rows])
         .order_by("pk").values_list("pk", flat=True))


class _PeopleBatch:
    """Up to BATCH_SIZE valid rows, matched with the database in one query: each becomes a
    new person, an update of the person with its ID number, or nothing (unchanged)."""

    def __init__(self, report, index, scope, *, commit, actor):
        self.report, self.index, self.scope = report, index, scope
        self.commit, self.actor = commit, actor
        self.rows = []  # (row number, ID number, given fields)

    def __len__(self):
        return len(self.rows)

    def flush(self):
        if not self.rows:
            return
        report, index = self.report, self.index
        stored = Person.objects.order_by().in_bulk([number for _, number, _ in self.rows],
                                                   field_name="id_number")
        new, changed, changed_fields = [], [], set()
        for number, id_number, given in self.rows:
            person = stored.get(id_number)
            if person is None:
                person = Person(id_number=id_number, **{**PERSON_DEFAULTS, **given})
                new.append(person)
                report.plan(number, NEW, display=self.display(person))
                continue
            if not in_scope(index.by_pk[person.home_org_id].path, self.scope):
                report.add_error(number, "身份证号",
                                 "该身份证号对应的人员不在您的管理范围内，不能更新。")
                continue
            diffs = [(name, header) for name, header in PERSON_FIELDS
                     if name in given and getattr(person, name) != given[name]]
            if not diffs:
                report.plan(number, UNCHANGED)
                continue
            fields = tuple(FieldChange(header, _person_value(name, getattr(person, name), index),
                                       _person_value(name, given[name], index))
                           for name, header in diffs)
            label = f"{person.name}（{mask_id_number(id_number)}）"
            for name, _header in diffs:
                setattr(person, name, given[name])
                changed_fields.add(name)
            changed.append(person)
            report.plan(number, CHANGED, change=RowChange(number, label, fields))
        if self.commit and report.ok:
            if new:
                bulk_create_with_history(new, Person, batch_size=BATCH_SIZE,
                                         default_user=self.actor)
            if changed:
                _lock_in_id_order(Person, changed)
                bulk_update_with_history(changed, Person, sorted(changed_fields),
                                         batch_size=BATCH_SIZE, default_user=self.actor)
            report.created += len(new)
            report.updated += len(changed)
        self.rows = []

    def display(self, person):
        return [person.name, _person_value("gender", person.gender, self.index),
                person.id_number, person.phone,
                _person_value("home_org_id", person.home_org_id, self.index), person.position,
                *[_shown(flag) for flag in (person.is_party_member, person.is_city_talent,
                                            person.is_cadre, person.is_active)]]


def _read_person(report, number, values, positions, index, scope):
    """(ID number, the fields the row gives, valid) of one row; blank optional cells are left
    out of the fields (a new person takes the defaults, an update keeps the stored value)."""
    row = Row(report, number, values, positions)
    raw_id = row.raw("身份证号")
    id_number = normalize_id_number(row.text("身份证号", required=True))
    if isinstance(raw_id, int | float):
        # Excel keeps 15 significant digits: a number cell may have lost the last ones, so it
        # is refused even when it happens to pass the check digit, and never compared.
        row.error("身份证号", "身份证号被存成了数字，末几位可能已丢失，"
                              "请把该列设为文本格式后重新填写。")
        id_number = ""
    elif "*" in id_number:
        row.error("身份证号", "身份证号含“*”（导出时部分隐藏），请填写完整的18位身份证号。")
        id_number = ""
    elif id_number and (problem := id_number_problem(id_number)):
        row.error("身份证号", problem)
    phone = normalize_phone(row.text("联系电话", max_length=20))
    if phone and (problem := phone_problem(phone)):
        row.error("联系电话", problem)
    org = _find_org(row, "所在组织", index, scope, required=True)
    given = {
        "name": row.text("姓名", required=True, max_length=50),
        "gender": row.choice("性别", _GENDERS, required=True),
        "phone": phone,
        "home_org_id": org.pk if org else None,
        "position": row.text("职务", max_length=50),
        "is_party_member": row.flag("是否党员", default=None),
        "is_city_talent": row.flag("是否城市人才", default=None),
        "is_cadre": row.flag("是否干部", default=None),
        "is_active": row.flag("是否在册", default=None),
    }
    given = {name: value for name, value in given.items() if value not in (None, "")}
    return id_number, given, row.valid


def _process_people(fileobj, actor, report, *, commit):
    report.classified = True
    scope = scope_paths(actor, "data.import")
    index = _OrgIndex(actor)
    first_row_of = {}
    batch = _PeopleBatch(report, index, scope, commit=commit, actor=actor)
    for number, values, positions in read_rows(fileobj, PERSON_COLUMNS, report,
                                               aliases=HEADER_ALIASES):
        report.total += 1
        id_number, given, valid = _read_person(report, number, values, positions, index, scope)
        if id_number:
            first = first_row_of.setdefault(id_number, number)
            if first != number:
                report.add_error(number, "身份证号", f"身份证号与第{first}行重复。")
                valid = False
        if valid:
            batch.rows.append((number, id_number, given))
            if len(batch) >= BATCH_SIZE:
                batch.flush()
    batch.flush()


def import_people(fileobj, *, actor, commit=False, filename="", expected_plan=None,
                  progress=None) -> ImportReport:
    """Validate a people file; with commit=True also create the new people and update the
    changed ones in batches inside one transaction, rolled back if any row has an error (or
    the plan is no longer `expected_plan`, when given)."""
    require(actor, "data.import")
    report = ImportReport("people", PERSON_COLUMNS, progress=progress)
    return all_or_nothing(
        report, validate=lambda: _process_people(fileobj, actor, report, commit=commit),
        commit=commit, actor=actor, filename=filename,
        summary="导入人员：新增 {created} 名，更新 {updated} 名", expected_plan=expected_plan)


IMPORTERS = {"orgs": import_orgs, "people": import_people}
