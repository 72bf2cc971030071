"""一月一公益 (003 二.7 "依托'一月一公益'等自愿服务活动载体实现困难联帮"): whether each alliance
held at least one counted activity (submitted or confirmed) of the theme "monthly_charity" in each
month, linked to the alliance directly or through one of its service-menu items.

alliances may not import the ledger: the activity rows are reached through the reverse
relation `Alliance.activities` (its related model), as the alliance page does.
"""

import datetime

from django.db.models import F
from django.db.models.functions import TruncMonth

from alliances.hooks import COUNTED_ACTIVITY_STATUSES
from alliances.models import Alliance

THEME_CODE = "monthly_charity"
HELD, MISSED, PENDING, FUTURE, OUTSIDE = "held", "missed", "pending", "future", "outside"


def _activity_model():
    return Alliance._meta.get_field("activities").related_model


def month_first(year, month):
    return datetime.date(year, month, 1)


def next_first(year, month):
    return datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)


def held_months(alliance_ids, year):
    """{alliance id: {month, ...}} of months with a counted 一月一公益 activity — one query over
    the year's date range, whatever the number of alliances.

    An activity counts for its own alliance, or, without one, for its menu item's alliance. The
    two links are two index lookups joined by UNION: one OR across the menu-item join made
    PostgreSQL read every counted activity of the year (73-98 ms at city scale, even for one
    township's four alliances)."""
    ids = [getattr(a, "pk", a) for a in alliance_ids]
    held = {pk: set() for pk in ids}
    if not ids:
        return held
    of_year = _activity_model().objects.filter(
        theme__code=THEME_CODE, status__in=COUNTED_ACTIVITY_STATUSES,
        date__gte=month_first(year, 1), date__lt=month_first(year + 1, 1)).order_by()
    direct = (of_year.filter(alliance_id__in=ids)
              .annotate(linked=F("alliance_id"), month=TruncMonth("date"))
              .values_list("linked", "month"))
    through_menu = (of_year.filter(alliance_id__isnull=True, menu_item__alliance_id__in=ids)
                    .annotate(linked=F("menu_item__alliance_id"), month=TruncMonth("date"))
                    .values_list("linked", "month"))
    for linked, month in direct.union(through_menu):
        held[linked].add(month.month)
    return held


def _alive(alliance, year, month):
    """Whether the alliance existed during the month (founded before its end, not closed
    before its start)."""
    return (alliance.founded < next_first(year, month)
            and (alliance.closed_at is None or alliance.closed_at >= month_first(year, month)))


def month_state(alliance, year, month, held, today):
    """held / missed (a past month without one) / pending (this month, none yet) / future /
    outside (before founding or after closing)."""
    if month_first(year, month) > today:
        return FUTURE
    if not _alive(alliance, year, month):
        return OUTSIDE
    if month in held:
        return HELD
    return PENDING if next_first(year, month) > today else MISSED


def charity_grid(alliances, year, today):
    """[(alliance, [state for months 1..12], held count, missed count)] in one query."""
    alliances = list(alliances)
    held = held_months(alliances, year)
    grid = []
    for alliance in alliances:
        states = [month_state(alliance, year, m, held[alliance.pk], today) for m in range(1, 13)]
        grid.append((alliance, states, states.count(HELD), states.count(MISSED)))
    return grid


def missed_months(alliance, year, today):
    """Past months of `year` (within the alliance's life) without a counted 一月一公益."""
    held = held_months([alliance.pk], year)[alliance.pk]
    return [m for m in range(1, 13) if month_state(alliance, year, m, held, today) == MISSED]
