"""Dynamic stars (动态评星): the pure rules — a score to 1–5 stars by absolute thresholds,
quarter arithmetic, and the run of high stars a demonstration site (示范点) needs. No ORM here.

Thresholds are `[(minimum score, stars), ...]`: a score at or above a minimum earns its stars
(the highest band reached wins); a score below every minimum earns one star. The county sets
them in `settings.ALLIANCE_STAR_THRESHOLDS`.
"""

from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.conf import settings

DEFAULT_THRESHOLDS = ((90, 5), (80, 4), (70, 3), (60, 2))
FLOOR_STARS = 1
MAX_STARS = 5
DEFAULT_DEMONSTRATION_QUARTERS = 2
DEMONSTRATION_MIN_STARS = 4


def to_decimal(value) -> Decimal:
    """A finite Decimal from an int, Decimal, str or float (floats through their repr, so 89.9
    stays 89.9); anything else is a ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"not a score: {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not a score: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite score: {value!r}")
    return number


def check_thresholds(thresholds):
    """The thresholds as ((Decimal minimum, stars), ...) from the highest band down, or a
    ValueError saying what is wrong: each band's stars 2–5 and used once, and more stars
    always need a strictly higher minimum."""
    bands = []
    for entry in thresholds:
        try:
            minimum, stars = entry
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a threshold is (minimum score, stars), not {entry!r}") from exc
        if isinstance(stars, bool) or not isinstance(stars, int) \
                or not FLOOR_STARS < stars <= MAX_STARS:
            raise ValueError(f"threshold stars must be 2–5, not {stars!r}")
        bands.append((to_decimal(minimum), stars))
    bands.sort(key=lambda band: band[1], reverse=True)
    for (higher_min, higher), (lower_min, lower) in pairwise(bands):
        if higher == lower:
            raise ValueError(f"{higher} stars appear in two thresholds")
        if higher_min <= lower_min:
            raise ValueError(f"{higher} stars need a higher minimum than {lower} stars "
                             f"({higher_min} <= {lower_min})")
    return tuple(bands)


def configured_thresholds():
    """`settings.ALLIANCE_STAR_THRESHOLDS` (or the default), checked."""
    return check_thresholds(getattr(settings, "ALLIANCE_STAR_THRESHOLDS", DEFAULT_THRESHOLDS))


def band_for(score, thresholds):
    """(stars, the band's minimum) for `score`; the minimum is None for the one-star floor."""
    score = to_decimal(score)
    for minimum, stars in check_thresholds(thresholds):
        if score >= minimum:
            return stars, minimum
    return FLOOR_STARS, None


def stars_for(score, thresholds) -> int:
    """Stars (1–5) earned by `score` under `thresholds`."""
    return band_for(score, thresholds)[0]


def demonstration_quarters() -> int:
    quarters = getattr(settings, "ALLIANCE_DEMONSTRATION_QUARTERS",
                       DEFAULT_DEMONSTRATION_QUARTERS)
    if isinstance(quarters, bool) or not isinstance(quarters, int) or quarters < 1:
        raise ValueError(f"ALLIANCE_DEMONSTRATION_QUARTERS must be a positive int: {quarters!r}")
    return quarters


def quarter_index(year, quarter) -> int:
    return year * 4 + quarter - 1


def previous_quarter(year, quarter):
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def next_quarter(year, quarter):
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def quarter_of(day):
    """(year, quarter) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def holds_run(stars_by_quarter, latest, quarters, min_stars=DEMONSTRATION_MIN_STARS) -> bool:
    """Whether the `quarters` consecutive quarters ending at `latest` (year, quarter) all hold
    at least `min_stars`; `stars_by_quarter` maps (year, quarter) to the stars that count."""
    year, quarter = latest
    for _ in range(quarters):
        if stars_by_quarter.get((year, quarter), 0) < min_stars:
            return False
        year, quarter = previous_quarter(year, quarter)
    return True
