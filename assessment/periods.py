"""Assessment periods: quarters as date ranges, clipped to a scheme's dates. Pure functions."""

import datetime


def quarter_range(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The quarter as a half-open range [first day, first day of the next quarter)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("季度应为 1–4。")
    first = datetime.date(year, 3 * quarter - 2, 1)
    after = (datetime.date(year + 1, 1, 1) if quarter == 4
             else datetime.date(year, 3 * quarter + 1, 1))
    return first, after


def clip(start, end, lower, upper):
    """[start, end) ∩ [lower, upper), or None when they do not meet."""
    first, last = max(start, lower), min(end, upper)
    return (first, last) if first < last else None


def scheme_range(scheme) -> tuple[datetime.date, datetime.date]:
    """The scheme's dates as a half-open range."""
    return scheme.start_date, scheme.end_date + datetime.timedelta(days=1)


def scheme_quarter_range(scheme, quarter):
    """The part of `quarter` of the scheme's year that the scheme covers (None: none)."""
    return clip(*quarter_range(scheme.year, quarter), *scheme_range(scheme))


def month_count(start: datetime.date, end: datetime.date) -> int:
    """Months [start, end) touches."""
    if end <= start:
        return 0
    last = end - datetime.timedelta(days=1)
    return (last.year - start.year) * 12 + last.month - start.month + 1
