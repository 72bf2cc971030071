"""Assessment (考核): actions and enrolment, schemes and scoring tables, quarterly scores,
annual grades, appeals."""

from assessment import scope as _capabilities  # noqa: F401  (declares what the workflows name)

from .actions import Action, Enrolment, EnrolmentStatus
from .consequences import (
    EligibilityOverride,
    Nomination,
    NominationKind,
    NominationStatus,
)
from .grades import AnnualGrade, Appeal, AppealStatus, Grading, GradingStatus
from .schemes import Indicator, IndicatorKind, IndicatorPeriod, PartYearRule, Scheme, TargetKind
from .scores import QuarterScore, RunStatus, ScoreEntry, ScoreItem, ScoringRun, TalentEvaluation

__all__ = [
    "EligibilityOverride", "Nomination", "NominationKind", "NominationStatus",
    "Action", "AnnualGrade", "Appeal", "AppealStatus", "Enrolment", "EnrolmentStatus",
    "Grading", "GradingStatus", "Indicator", "IndicatorKind", "IndicatorPeriod",
    "PartYearRule", "QuarterScore", "RunStatus", "Scheme", "ScoreEntry", "ScoreItem",
    "ScoringRun", "TalentEvaluation", "TargetKind",
]
