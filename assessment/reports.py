"""The ranking reports: the quarterly ranking of a cohort (季度排名表) and the annual grading
table for filing (年度考核等次备案表). One data function per report feeds both the PDF and the
Excel (assessment/exporters.py), so the two always show the same rows.

Each data function takes several cohorts at once (the command prints one PDF with a section per
cohort, one workbook with a sheet per cohort) and reads them in a fixed number of queries
whatever the number of rows or cohorts: the runs or gradings, the indicators of their schemes,
the scores (or grades) with their people and organizations, the score items, the enrolment
units.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from assessment.grading import GRADE_LABELS, Grade, PoorReason
from assessment.models import (
    AnnualGrade,
    Enrolment,
    Grading,
    GradingStatus,
    Indicator,
    IndicatorKind,
    IndicatorPeriod,
    QuarterScore,
    RunStatus,
    ScoreItem,
    ScoringRun,
    TargetKind,
)

# Bump when the layout of a report changes: cached files of the old layout are then rebuilt.
REPORT_VERSION = 1

POOR_REASON_LABELS = {PoorReason.VETO: "一票否决", PoorReason.QUOTA: "按比例",
                      PoorReason.TIE: "与末位同分"}
VETO_MARK = "否决"
COUNTY_RULE = "本县规定"
# What is published to leaders: a quarter once published, a grading once submitted.
VISIBLE_RUNS = (RunStatus.PUBLISHED,)
VISIBLE_GRADINGS = (GradingStatus.SUBMITTED, GradingStatus.FILED)

# The target's name and the column beside it, by target kind.
NAME_HEADERS = {TargetKind.PERSON: ("姓名", "所在单位"), TargetKind.VILLAGE: ("村", "所属乡镇"),
                TargetKind.UNIT: ("单位", None), TargetKind.TOWNSHIP: ("乡镇", None),
                TargetKind.ALLIANCE: ("党建联盟", "所属乡镇")}


def points_text(value) -> str:
    """12.50 → "12.5", 60.00 → "60", -3.00 → "-3"; None → ""."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_text(ratio) -> str:
    """0.100 → "10%", 0.125 → "12.5%"."""
    return points_text(Decimal(ratio) * 100) + "%"


@dataclass(frozen=True)
class Column:
    """An indicator column of the ranking table."""

    name: str
    kind: str
    max_points: Decimal

    @property
    def is_veto(self):
        return self.kind == IndicatorKind.VETO

    @property
    def header(self):
        return self.name if self.is_veto else f"{self.name}（{points_text(self.max_points)}分）"


@dataclass
class RankingRow:
    rank: int
    name: str
    unit: str
    cells: list  # per column: Decimal points, VETO_MARK or "" (veto column), None (no item)
    total: Decimal
    vetoed: bool

    def texts(self):
        return [cell if isinstance(cell, str) else points_text(cell) for cell in self.cells]

    @property
    def total_text(self):
        return points_text(self.total)


class CohortHeaders:
    """The name and unit column headers of a cohort's table, by what the scheme assesses."""

    @property
    def name_header(self):
        return NAME_HEADERS[self.scheme.target_kind][0]

    @property
    def unit_header(self):
        return NAME_HEADERS[self.scheme.target_kind][1]


@dataclass
class RankingTable(CohortHeaders):
    """One cohort's quarterly ranking (a scoring run)."""

    run: ScoringRun
    columns: list
    rows: list = field(default_factory=list)

    @property
    def scheme(self):
        return self.run.scheme

    @property
    def title(self):
        return f"{self.scheme.year}年第{self.run.quarter}季度{self.scheme.name}排名表"

    @property
    def sheet_name(self):
        return f"第{self.run.quarter}季度 {self.scheme.name}"

    @property
    def info_lines(self):
        run = self.run
        state = (f"{run.published_at:%Y年%-m月%-d日}发布" if run.published_at
                 else run.get_status_display())
        return [f"考核单位：{self.scheme.assessing_body.name}　考核对象：{len(self.rows)}"
                f"{'人' if self.scheme.target_kind == TargetKind.PERSON else '个'}　{state}"]

    def headers(self):
        return ["排名", self.name_header, *([self.unit_header] if self.unit_header else []),
                *(c.header for c in self.columns), "总分"]

    def fingerprint(self):
        return [self.run.pk, self.run.status, self.title, self.info_lines,
                [c.header for c in self.columns],
                [(r.rank, r.name, r.unit, r.texts(), str(r.total)) for r in self.rows]]


@dataclass
class GradeRow:
    rank: int
    name: str
    unit: str
    total: Decimal
    grade: str  # label: 优秀 / 良好 / 差
    poor_reason: str  # 一票否决 / 按比例 / 与末位同分, or the change reason of a changed 差
    note: str  # the change reason when the grade on record differs from the computed one

    @property
    def total_text(self):
        return points_text(self.total)


@dataclass
class GradeTable(CohortHeaders):
    """One cohort's annual grading for filing, with the header block the filing needs."""

    grading: Grading
    rows: list = field(default_factory=list)

    @property
    def scheme(self):
        return self.grading.scheme

    @property
    def title(self):
        return f"{self.scheme.year}年度{self.scheme.name}等次评定表"

    @property
    def sheet_name(self):
        return f"{self.scheme.year}年度 {self.scheme.name}"

    @property
    def counts(self):
        counts = dict.fromkeys(GRADE_LABELS.values(), 0)
        for row in self.rows:
            counts[row.grade] += 1
        return counts

    @property
    def poor_rule(self):
        grading = self.grading
        return (f"“差”等次：不低于总人数的{percent_text(self.scheme.poor_min_ratio)}"
                f"（至少 {grading.poor_quota} 人）")

    @property
    def over_quota_line(self):
        over = self.grading.over_quota
        return f"超出比例 {over} 人（与末位同分者不拆分，一并评为“差”）" if over else ""

    @property
    def excellent_rule(self):
        scheme, parts = self.scheme, []
        if scheme.excellent_max_ratio is not None:
            cap = self.grading.excellent_cap
            parts.append(f"不超过总人数的{percent_text(scheme.excellent_max_ratio)}"
                         + (f"（至多 {cap} 人）" if cap is not None else ""))
        if scheme.excellent_min_score is not None:
            parts.append(f"年度积分不低于 {points_text(scheme.excellent_min_score)} 分")
        return f"“优秀”等次（{COUNTY_RULE}）：" + ("，且".join(parts) if parts else "未规定")

    @property
    def info_lines(self):
        grading = self.grading
        counts = "，".join(f"{label} {n} 人" for label, n in self.counts.items())
        lines = [f"考核单位：{self.scheme.assessing_body.name}"
                 f"　状态：{grading.get_status_display()}"
                 f"　总人数 N = {grading.cohort_size}　{counts}",
                 self.poor_rule]
        if self.over_quota_line:
            lines.append(self.over_quota_line)
        lines.append(self.excellent_rule)
        return lines

    def headers(self):
        return ["排名", self.name_header, *([self.unit_header] if self.unit_header else []),
                "年度积分", "等次", "“差”等次原因", "备注"]

    def fingerprint(self):
        return [self.grading.pk, self.grading.status, self.title, self.info_lines,
                [(r.rank, r.name, r.unit, str(r.total), r.grade, r.poor_reason, r.note)
                 for r in self.rows]]


def fingerprint(tables) -> str:
    """A hash of everything a report prints but the generation date: equal fingerprints give
    equal files, so a cached file is reused exactly when no score, grade or name changed."""
    text = repr([REPORT_VERSION, [t.fingerprint() for t in tables]])
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- reading


def _units(schemes, people_ids_by_scheme):
    """{(scheme id, person id): name of the unit that enrolled them} in one query."""
    wanted = Q(pk__in=[])
    keyed = {}
    for scheme in schemes:
        if scheme.target_kind == TargetKind.PERSON and people_ids_by_scheme.get(scheme.pk):
            wanted |= Q(action_id=scheme.action_id, year=scheme.year)
            keyed.setdefault((scheme.action_id, scheme.year), []).append(scheme.pk)
    if not keyed:
        return {}
    units = {}
    rows = Enrolment.objects.filter(wanted).values_list("action_id", "year", "person_id",
                                                        "org__name")
    for action_id, year, person_id, org_name in rows:
        for scheme_id in keyed[(action_id, year)]:
            units[(scheme_id, person_id)] = org_name
    return units


def _with_targets(queryset):
    return (queryset.select_related("person__home_org", "org", "alliance__owner")
            .with_township_name("org__path"))


TARGET_FIELDS = ("person", "person__name", "person__home_org", "person__home_org__name", "org",
                 "org__name", "org__path", "alliance", "alliance__name", "alliance__owner",
                 "alliance__owner__name")


def _target_texts(score, scheme, units):
    """(name, unit) of a score's or grade's target."""
    if score.person_id:
        unit = units.get((scheme.pk, score.person_id)) or score.person.home_org.name
        return score.person.name, unit
    if score.alliance_id:
        return score.alliance.name, score.alliance.owner.name
    return score.org.name, score.township_name or ""


def ranking_tables(runs) -> list[RankingTable]:
    """The quarterly ranking of each run (in the order given): rank, name, unit, each quarterly
    indicator's points, total; ties share a rank and keep the scoring order."""
    runs = list(runs)
    if not runs:
        return []
    schemes = {run.scheme_id: run.scheme for run in runs}
    run_schemes = {run.pk: run.scheme for run in runs}
    columns = defaultdict(list)
    indicators = (Indicator.objects.filter(scheme_id__in=schemes, period=IndicatorPeriod.QUARTER)
                  .order_by("scheme_id", "order", "id").values_list("scheme_id", "id", "name",
                                                                     "kind", "max_points"))
    for scheme_id, pk, name, kind, max_points in indicators:
        columns[scheme_id].append((pk, Column(name, kind, max_points)))
    scores = list(_with_targets(QuarterScore.objects.filter(run__in=runs))
                  .only("id", "run", "rank", "total", "vetoed", *TARGET_FIELDS)
                  .order_by("run_id", "rank", "id"))
    points = defaultdict(dict)
    items = ScoreItem.objects.filter(score__run__in=runs).values_list(
        "score_id", "indicator_id", "points").order_by()
    for score_id, indicator_id, value in items:
        points[score_id][indicator_id] = value
    people = defaultdict(set)
    for score in scores:
        if score.person_id:
            people[run_schemes[score.run_id].pk].add(score.person_id)
    units = _units(schemes.values(), people)
    tables = {run.pk: RankingTable(run=run, columns=[c for _, c in columns[run.scheme_id]])
              for run in runs}
    for score in scores:
        scheme = run_schemes[score.run_id]
        name, unit = _target_texts(score, scheme, units)
        mine = points.get(score.pk, {})
        cells = []
        for pk, column in columns[scheme.pk]:
            if column.is_veto:
                cells.append(VETO_MARK if pk in mine else "")
            else:
                cells.append(mine.get(pk))
        tables[score.run_id].rows.append(RankingRow(rank=score.rank, name=name, unit=unit,
                                                    cells=cells, total=score.total,
                                                    vetoed=score.vetoed))
    return [tables[run.pk] for run in runs]


def grade_tables(gradings) -> list[GradeTable]:
    """The annual grading of each grading (in the order given), in rank order, with the 差
    reason of every 差 (一票否决, 按比例, 与末位同分, or the reason it was changed to 差)."""
    gradings = list(gradings)
    if not gradings:
        return []
    schemes = {g.pk: g.scheme for g in gradings}
    grades = list(_with_targets(AnnualGrade.objects.filter(grading__in=gradings))
                  .only("id", "grading", "rank", "total", "grade", "computed_grade",
                        "poor_reason", "change_reason", *TARGET_FIELDS)
                  .order_by("grading_id", "rank", "id"))
    people = defaultdict(set)
    for grade in grades:
        if grade.person_id:
            people[schemes[grade.grading_id].pk].add(grade.person_id)
    units = _units(schemes.values(), people)
    tables = {g.pk: GradeTable(grading=g) for g in gradings}
    for grade in grades:
        name, unit = _target_texts(grade, schemes[grade.grading_id], units)
        changed = grade.grade != grade.computed_grade
        reason = ""
        if grade.grade == Grade.POOR:
            reason = (POOR_REASON_LABELS.get(grade.poor_reason, "") if not changed
                      else f"调整：{grade.change_reason}")
        note = (f"由“{GRADE_LABELS[Grade(grade.computed_grade)]}”调整：{grade.change_reason}"
                if changed else "")
        tables[grade.grading_id].rows.append(GradeRow(
            rank=grade.rank, name=name, unit=unit, total=grade.total,
            grade=GRADE_LABELS[Grade(grade.grade)], poor_reason=reason, note=note))
    return [tables[g.pk] for g in gradings]


# ---------------------------------------------------------------- choosing cohorts


def runs_for(year, quarter=None, scheme=None, *, statuses=VISIBLE_RUNS):
    """The runs of a year (a quarter, a scheme), published by default, in a stable order."""
    runs = (ScoringRun.objects.select_related("scheme__assessing_body")
            .filter(scheme__year=year, status__in=statuses))
    if quarter is not None:
        runs = runs.filter(quarter=quarter)
    if scheme is not None:
        runs = runs.filter(scheme=scheme)
    return runs.order_by("quarter", "scheme__assessing_body__path", "scheme_id")


def gradings_for(year, scheme=None, *, statuses=VISIBLE_GRADINGS):
    """The gradings of a year (a scheme), submitted or filed by default."""
    gradings = (Grading.objects.select_related("scheme__assessing_body")
                .filter(scheme__year=year, status__in=statuses))
    if scheme is not None:
        gradings = gradings.filter(scheme=scheme)
    return gradings.order_by("scheme__assessing_body__path", "scheme_id")
