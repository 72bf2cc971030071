"""Hooks through which alliances reach apps above it without importing them.

The ledger sits above alliances (portal <- pairing <- alliances <- ledger), so scheduling a
service-menu item (党建联盟定) cannot create the planned ledger activity itself: the ledger
registers an `ActivityPlanner` from its AppConfig.ready(), and alliances calls `plan_activity`
and friends. Without a registered planner, scheduling is refused with a clear message.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

# The ledger activities that count (submitted or confirmed; drafts and returns do not), for the
# pages that reach ledger rows through `Alliance.activities`. The ledger's own definition is
# ledger.compliance.COUNTED_STATUSES; a ledger test holds the two equal.
COUNTED_ACTIVITY_STATUSES = ("submitted", "confirmed")


@dataclass(frozen=True)
class ActivityPlanner:
    """What the ledger offers to the service menu.

    - `plan(item, *, org, date, theme, actor)`: create the planned (draft) activity of `item`,
      held by `org` on `date` with the theme code `theme`, linked to the item's alliance;
      returns it. Runs inside the caller's transaction; raises ValidationError to refuse.
    - `theme_choices()`: [(code, name)] of the activity themes a plan may take.
    - `cancel(item, *, actor, reason)`: remove the item's planned activities that are still
      drafts; raises ValidationError when one has already gone further (submitted, confirmed).
    """

    plan: Callable
    theme_choices: Callable
    cancel: Callable


_planner: ActivityPlanner | None = None

NO_PLANNER = "活动台账未启用，暂不能排期。请联系系统管理员。"


def register_activity_planner(planner: ActivityPlanner):
    global _planner
    _planner = planner


def activity_planner() -> ActivityPlanner | None:
    return _planner


def _require_planner() -> ActivityPlanner:
    if _planner is None:
        raise ValidationError(NO_PLANNER, code="no_planner")
    return _planner


def plan_activity(item, *, org, date, theme, actor):
    return _require_planner().plan(item, org=org, date=date, theme=theme, actor=actor)


def activity_theme_choices():
    """The themes a schedule may pick, or [] without a planner."""
    return list(_planner.theme_choices()) if _planner is not None else []


def cancel_planned_activities(item, *, actor, reason):
    """Drop the item's draft planned activities (nothing to do without a planner)."""
    if _planner is None:
        return 0
    return _planner.cancel(item, actor=actor, reason=reason)


# --- Stars scored by an assessment scheme ----------------------------------------------------
# Assessment sits above alliances too: when a county assesses its alliances with a scheme, the
# quarter's stars come from the published scores (alliances.services.stars.rate_from_score), and
# staff may not set them by hand. Assessment registers how to find that scheme.

_star_scheme_lookup: Callable | None = None


def register_star_scheme_lookup(lookup: Callable):
    """`lookup(alliance, year)` returns the name of the scheme that scores the alliance in
    `year`, or "" when none does."""
    global _star_scheme_lookup
    _star_scheme_lookup = lookup


def star_scheme_for(alliance, year) -> str:
    return _star_scheme_lookup(alliance, year) if _star_scheme_lookup is not None else ""
