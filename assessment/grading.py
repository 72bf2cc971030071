"""Annual grading 优秀 / 良好 / 差 (seed 004 六.3: "差等次不低于总人数的10%").

Pure functions, no ORM. The rules, exactly:
- N is the cohort; the 差 quota is ceil(poor_min_ratio × N), in exact Decimal arithmetic.
- Vetoed keys (一票否决) are 差 and count toward the quota; then the lowest scores fill what is
  left. Ties are never split: a tie group straddling the quota goes wholly to 差 (the 10% is a
  minimum), and the preview says how many that puts over the quota.
- 优秀 is taken only from the top, never beyond the cap floor(excellent_max_ratio × N), never
  below excellent_min_score; a tie group straddling the cap stays wholly out. With neither a cap
  nor a minimum score nobody is 优秀 (the seed fixes no 优秀 rule: a scheme must declare one).
- Scores are numbers or tuples of numbers (tie-break keys), compared lexicographically, higher
  better; equal scores are ties. The minimum score applies to the first element.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Grade(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    POOR = "poor"


class PoorReason(StrEnum):
    VETO = "veto"  # 一票否决
    QUOTA = "quota"  # among the lowest that fill the 10%
    TIE = "tie"  # tied with the last one the quota needed: not split from them


GRADE_LABELS = {Grade.EXCELLENT: "优秀", Grade.GOOD: "良好", Grade.POOR: "差"}


@dataclass
class Grading:
    """The outcome for one cohort, with what the preview shows."""

    grades: dict
    poor_reasons: dict = field(default_factory=dict)
    cohort_size: int = 0
    poor_quota: int = 0
    over_quota: int = 0  # 差 beyond the quota because a tie group was not split
    excellent_cap: int | None = None

    def count(self, grade):
        return sum(1 for g in self.grades.values() if g == grade)


def _as_key(score):
    values = tuple(score) if isinstance(score, tuple | list) else (score,)
    return tuple(Decimal(str(v)) if isinstance(v, float) else v for v in values)


def _ratio_of(ratio, n):
    return Decimal(str(ratio)) * n


def grade_cohort(scores, *, poor_min_ratio=Decimal("0.10"), excellent_max_ratio=None,
                 excellent_min_score=None, vetoed=()) -> Grading:
    """Grade every key of `scores`; see the module docstring for the rules."""
    n = len(scores)
    vetoed = set(vetoed) & set(scores)
    quota = math.ceil(_ratio_of(poor_min_ratio, n)) if n else 0
    cap = math.floor(_ratio_of(excellent_max_ratio, n)) if excellent_max_ratio is not None \
        else None
    grades = {key: Grade.GOOD for key in scores}
    reasons = {}

    for key in vetoed:
        grades[key], reasons[key] = Grade.POOR, PoorReason.VETO

    groups = defaultdict(list)  # tie groups of the others, by score
    for key, score in scores.items():
        if key not in vetoed:
            groups[_as_key(score)].append(key)
    ordered = sorted(groups)  # lowest first

    still_needed = quota - len(vetoed)
    for score in ordered:
        if still_needed <= 0:
            break
        group = groups[score]
        for key in group:
            grades[key] = Grade.POOR
            reasons[key] = PoorReason.QUOTA if len(group) <= still_needed else PoorReason.TIE
        still_needed -= len(group)
    over_quota = max(0, -still_needed)

    if cap is not None or excellent_min_score is not None:
        taken = 0
        for score in reversed(ordered):
            group = groups[score]
            if any(grades[key] == Grade.POOR for key in group):
                break
            if cap is not None and taken + len(group) > cap:
                break
            if excellent_min_score is not None and score[0] < _as_key(excellent_min_score)[0]:
                break
            for key in group:
                grades[key] = Grade.EXCELLENT
            taken += len(group)

    return Grading(grades=grades, poor_reasons=reasons, cohort_size=n, poor_quota=quota,
                   over_quota=over_quota, excellent_cap=cap)


def assign_grades(scores, *, poor_min_ratio=Decimal("0.10"), excellent_max_ratio=None,
                  excellent_min_score=None, vetoed=()) -> dict:
    """{key: "excellent" | "good" | "poor"} — the contract in shared/DESIGN.md."""
    return grade_cohort(scores, poor_min_ratio=poor_min_ratio,
                        excellent_max_ratio=excellent_max_ratio,
                        excellent_min_score=excellent_min_score, vetoed=vetoed).grades
