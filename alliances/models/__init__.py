"""党建联盟: the x+x+x structure and members, project lists, stars, the 擂台赛, shared venues,
cross-inspections, meetings and the year-end review, the service menu, and people across the
alliance (mentors, experts, the member-development quota)."""

from alliances import scope as _capabilities  # noqa: F401  (declares what the models name)

from .competitions import Competition, CompetitionStatus, Criterion, Entrant, Judge, JudgeScore
from .inspections import Inspection, InspectionRound, Rectification
from .meetings import (
    AnnualReview,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    MeetingStatus,
    MemberReport,
    PeerScore,
    ReviewStatus,
)
from .menu import MenuChannel, MenuStatus, ServiceMenuItem, ServiceVote
from .people import (
    QUOTA_HOLDING,
    CandidateStage,
    DevelopmentCandidate,
    DevelopmentQuota,
    Expert,
    MentorPair,
)
from .projects import Project, ProjectStatus, ProjectUpdate
from .stars import StarRating, StarSource
from .structure import Alliance, AllianceKind, AllianceType, Membership, OwnerMemberTally
from .venues import Booking, BookingStatus, Venue, VenueKind

__all__ = ["Alliance", "AllianceKind", "AllianceType", "AnnualReview", "Booking", "BookingStatus",
           "CandidateStage", "Competition", "CompetitionStatus", "Criterion",
           "DevelopmentCandidate", "DevelopmentQuota", "Entrant", "Expert", "Inspection",
           "InspectionRound", "Judge", "JudgeScore", "Meeting", "MeetingKind", "MeetingPhoto",
           "MeetingStatus", "MemberReport", "Membership", "MentorPair", "MenuChannel",
           "MenuStatus", "OwnerMemberTally", "PeerScore", "Project", "ProjectStatus",
           "ProjectUpdate", "QUOTA_HOLDING", "Rectification", "ReviewStatus", "ServiceMenuItem",
           "ServiceVote", "StarRating", "StarSource", "Venue", "VenueKind"]
