"""The global search (全局搜索): one box in the navbar over every kind of record a user may see.

Each kind is a search source registered here: portal registers organizations and people,
pairing registers pairings and needs (from its navigation module), alliances may add theirs.
A source is `fn(user, text, limit) -> SearchResults`: one query, scoped with `visible_to`,
that returns its first `limit` hits and the total count (a window count in the same query).
Names match by Chinese text, or by pinyin and initials through the `search_key` columns
(see portal.pinyin), so "qsc" and "qingshan" find 青山村.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Window

from portal.pinyin import has_han, query_key

MIN_QUERY_LENGTH = 1
MAX_QUERY_LENGTH = 50


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""


@dataclass
class SearchResults:
    hits: list = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class SearchSource:
    """A kind of record the global search looks through, e.g. ("orgs", "组织")."""

    key: str
    label: str
    icon: str
    search: object  # fn(user, text, limit) -> SearchResults
    order: int = 100


_sources: list[SearchSource] = []


def register_search_source(source: SearchSource):
    """Add (or replace, by key) a source; sources are shown in `order`."""
    _sources[:] = [s for s in _sources if s.key != source.key]
    _sources.append(source)
    _sources.sort(key=lambda s: s.order)


def search_sources():
    return list(_sources)


def clean_query(text):
    return (text or "").strip()[:MAX_QUERY_LENGTH]


def name_q(text, prefix=""):
    """Q for rows whose name (at `prefix`, e.g. "village_org__") matches what was typed:
    Chinese characters as typed, anything else through the pinyin key ("qsc", "qingshan")."""
    text = clean_query(text)
    if has_han(text) and not any("a" <= c.lower() <= "z" for c in text):
        return Q(**{f"{prefix}name__icontains": text})
    key = query_key(text)
    if not key:
        return Q(pk__in=[])
    return Q(**{f"{prefix}search_key__contains": key})


def first_hits(queryset, limit, hit):
    """Run `queryset` once: its first `limit` rows as hits (through `hit(row)`) and the count
    of all rows that matched, taken by a window count in the same query."""
    rows = list(queryset.annotate(search_total=Window(Count("pk")))[:limit])
    return SearchResults([hit(row) for row in rows], rows[0].search_total if rows else 0)


def run_search(user, text, limit, only=None):
    """[(source, SearchResults)] for every source (or the one keyed `only`), one query each;
    nothing for a blank query."""
    text = clean_query(text)
    if len(text) < MIN_QUERY_LENGTH:
        return []
    return [(source, source.search(user, text, limit)) for source in _sources
            if only is None or source.key == only]
