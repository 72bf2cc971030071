"""党建联盟: the x+x+x structure and members, project lists, stars, the 擂台赛, shared venues,
cross-inspections."""

from alliances import scope as _capabilities  # noqa: F401  (declares what the models name)

from .competitions import Competition, CompetitionStatus, Criterion, Entrant, Judge, JudgeScore
from .inspections import Inspection, InspectionRound, Rectification
from .projects import Project, ProjectStatus, ProjectUpdate
from .stars import StarRating, StarSource
from .structure import Alliance, AllianceKind, AllianceType, Membership
from .venues import Booking, BookingStatus, Venue, VenueKind

__all__ = ["Alliance", "AllianceKind", "AllianceType", "Booking", "BookingStatus",
           "Competition", "CompetitionStatus", "Criterion", "Entrant", "Inspection",
           "InspectionRound", "Judge", "JudgeScore", "Membership", "Project", "ProjectStatus",
           "ProjectUpdate", "Rectification", "StarRating", "StarSource", "Venue", "VenueKind"]
