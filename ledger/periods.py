"""Period arithmetic of the ledger: a month as a date range, when a month closes. Pure
functions, no ORM."""

import datetime


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The month as a half-open date range (first day, first day of the next month), to filter
    with `date__gte=first, date__lt=next_first` — never `date__month=`, whose EXTRACT defeats
    the date index."""
    return datetime.date(year, month, 1), datetime.date(*next_month(year, month), 1)


def close_date(year: int, month: int, close_day: int) -> datetime.date:
    """The last day on which entries for (year, month) may still be made: `close_day` of the
    following month (clamped to that month's length)."""
    first, following = month_range(*next_month(year, month))
    last = (following - datetime.timedelta(days=1)).day
    return first.replace(day=min(max(close_day, 1), last))


def is_closed(today: datetime.date, year: int, month: int, close_day: int) -> bool:
    return today > close_date(year, month, close_day)


def months_back(today: datetime.date, count: int) -> list[tuple[int, int]]:
    """The `count` months ending with today's month, oldest first."""
    y, m = today.year, today.month
    result = []
    for _ in range(count):
        result.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return result[::-1]


def date_from_cursor(value) -> datetime.date:
    """A date column read through a raw cursor: PostgreSQL gives a date, SQLite its ISO text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
