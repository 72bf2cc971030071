"""The global search (全局搜索): one box in the navbar over every kind of record a user may see.

Each kind is a search source registered here: portal registers organizations and people,
pairing registers pairings and needs (from its navigation module), alliances may add theirs.
A source is `fn(user, text, limit) -> SearchResults`: one query, scoped with `visible_to`,
that returns its first `limit` hits and whether more matched (it reads one row more; counting
every match read all of them: 4,026 people and 250 needs for "王" at city scale).
Names match by Chinese text, or by pinyin and initials through the `search_key` columns
(see portal.pinyin), so "qsc" and "qingshan" find 青山村.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Q, Window
from django.db.models.lookups import IContains

from portal.models import Organization
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
    """A kind's first hits, and whether more rows matched than were read; `counted` is the
    number of every match, for the callers that pay for counting them (the pickers)."""

    hits: list = field(default_factory=list)
    more: bool = False
    counted: int | None = None

    @property
    def total(self):
        """Every match when counted, else how many hits are shown (with `more`: at least)."""
        return len(self.hits) if self.counted is None else self.counted

    @property
    def count_label(self):
        """"20+" when more matched than shown, else the exact count."""
        return f"{self.total}+" if self.more else str(self.total)


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


class HanIContains(IContains):
    """`name__han_icontains="王"`: `icontains`, plus, on PostgreSQL, "the name's characters
    include every Chinese character typed", which the GIN indexes on
    `string_to_array(name, NULL)` (portal migration 0006) answer without reading the table;
    a LIKE '%王%' alone reads every name (154,500 people at city scale), and a trigram index
    cannot serve a one- or two-character query. Chinese characters have no case, so the extra
    condition never drops a row `icontains` keeps. Its `lookup_name` stays "icontains", so
    the database writes the LIKE exactly as for `icontains`."""

    def as_postgresql(self, compiler, connection):
        sql, params = self.as_sql(compiler, connection)
        chars = sorted({c for c in str(self.rhs) if has_han(c)})
        if not chars:
            return sql, params
        column_sql, column_params = compiler.compile(self.lhs)
        return (f"(string_to_array({column_sql}, NULL) @> %s::text[] AND {sql})",
                (*column_params, chars, *params))


models.CharField.register_lookup(HanIContains, lookup_name="han_icontains")


def name_q(text, prefix=""):
    """Q for rows whose name (or, with `prefix` such as "village_org__", whose organization's
    name) matches what was typed: Chinese characters as typed, anything else through the
    pinyin key ("qsc", "qingshan")."""
    if prefix:
        # The matching organizations as a subquery that uses their name index: as a join
        # condition (an OR over a pairing's unit and village) it read every pairing and both
        # orgs of each, 4,822 pairings at city scale.
        return Q(**{f"{prefix}in": Organization.objects.filter(name_q(text)).values("pk")})
    text = clean_query(text)
    if has_han(text) and not any("a" <= c.lower() <= "z" for c in text):
        return Q(name__han_icontains=text)
    key = query_key(text)
    if not key:
        return Q(pk__in=[])
    return Q(search_key__contains=key)


def any_org_named_q(model, text, *relations):
    """Q for rows of `model` whose organization through any of `relations` (such as a
    pairing's "city_org" and "village_org") matches what was typed: the row ids as a UNION of
    one foreign-key lookup per relation from the matching organizations. An OR of the
    relations' IN subqueries left PostgreSQL guessing half the table matched, so it hashed
    the whole org tree twice and read every pairing (4,822 at city scale for 56 hits)."""
    orgs = Organization.objects.filter(name_q(text)).values("pk")
    ids = [model._base_manager.filter(**{f"{relation}__in": orgs}).order_by().values("pk")
           for relation in relations]
    return Q(pk__in=ids[0].union(*ids[1:]))


def first_hits(queryset, limit, hit):
    """Run `queryset` once for its first `limit` rows as hits (through `hit(row)`), reading one
    row more to tell whether more matched: a query ordered by an index stops there, where a
    count of every match must read them all."""
    rows = list(queryset[:limit + 1])
    return SearchResults([hit(row) for row in rows[:limit]], more=len(rows) > limit)


def counted_hits(queryset, limit, hit):
    """Like `first_hits`, with the count of every match taken by a window count in the same
    query (which reads every match): for the pickers, whose ten hits say "共 N 个结果"."""
    rows = list(queryset.annotate(search_total=Window(Count("pk")))[:limit])
    total = rows[0].search_total if rows else 0
    return SearchResults([hit(row) for row in rows], more=total > len(rows), counted=total)


def run_search(user, text, limit, only=None):
    """[(source, SearchResults)] for every source (or the one keyed `only`), one query each;
    nothing for a blank query."""
    text = clean_query(text)
    if len(text) < MIN_QUERY_LENGTH:
        return []
    return [(source, source.search(user, text, limit)) for source in _sources
            if only is None or source.key == only]
