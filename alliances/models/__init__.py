"""党建联盟: the x+x+x structure and members, shared venues, cross-inspections."""

from alliances import scope as _capabilities  # noqa: F401  (declares what the models name)

from .inspections import Inspection, InspectionRound, Rectification
from .structure import Alliance, AllianceKind, AllianceType, Membership
from .venues import Booking, BookingStatus, Venue, VenueKind

__all__ = ["Alliance", "AllianceKind", "AllianceType", "Booking", "BookingStatus",
           "Inspection", "InspectionRound", "Membership", "Rectification", "Venue",
           "VenueKind"]
