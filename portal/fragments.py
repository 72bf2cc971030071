"""Rendered fragments cached until the data changes: the county-wide home panels and the
compliance matrices, which county staff and leaders reload all day while their figures change
only when someone writes.

A fragment is stored under a key made of its name, the user, the request's query, today's date
and the **data version**, a counter that moves on whenever the portal's data changes:

- Every INSERT, UPDATE or DELETE Django sends to a table of the portal's apps (the ORM, bulk
  updates and raw SQL alike; not sessions, jobs, downloads' audit rows or login throttling)
  marks its connection as having written: an execute wrapper installed on each connection.
- When the transaction commits, the version moves on (on_commit). A reader who built a
  fragment from the data before that commit stored it under a version nobody reads afterwards.
- Reading the version on a connection that wrote in its still-open transaction moves it first:
  a request that writes and then renders sees its own change (so do the tests, which never
  commit).

On PostgreSQL the version is a sequence: `nextval` takes no lock and does not wait for commit,
so writers never queue behind one another for it. On SQLite it is a one-row table (SQLite
serialises writers anyway). A write made outside Django (psql, a restore) is not seen: every
entry also expires after FRAGMENT_CACHE_SECONDS (0 turns the cache off). Entries live in the
default cache (Redis when CACHE_REDIS_URL is set, shared by every worker; otherwise each
process's memory).

The user is part of the key, so a fragment is never shown to anyone but the user it was built
for, whatever their scopes; a role granted or withdrawn is a write like any other. So is a
digest of the code and templates (`code_fingerprint`): a new release never serves what the
previous one stored in a shared cache.
"""

import functools
import hashlib
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.backends.signals import connection_created
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import mark_safe

VERSION_TABLE = "portal_data_version"
# Tables whose writes move the version: the portal's apps (and auth: users, groups).
WATCHED_PREFIXES = ("portal_", "pairing_", "alliances_", "ledger_", "assessment_", "auth_")
# ... except those no fragment reads, written on requests that change nothing shown:
# background jobs' progress, generated files, the audit trail, and the version itself.
UNWATCHED_TABLES = frozenset({VERSION_TABLE, "portal_job", "portal_generatedfile",
                              "portal_auditevent"})
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
KEY_PREFIX = "fragment:"
# Stands for the request's CSRF token in a cached fragment (cached_fragment).
CSRF_HOLE = "portal-fragment-csrf-token"
CODE_FOLDERS = ("portal", "pairing", "alliances", "ledger", "assessment", "templates")
logger = logging.getLogger(__name__)


def _is_watched(table: str) -> bool:
    return table.startswith(WATCHED_PREFIXES) and table not in UNWATCHED_TABLES


# --- The data version ------------------------------------------------------------------------

def _store_exists(conn) -> bool:
    """Whether the version's sequence (table) exists yet: not before portal's migration 0007.
    Remembered once seen; looked for again while absent (a migration may be creating it)."""
    if getattr(conn, "fragment_version_store", False):
        return True
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [VERSION_TABLE])
        else:
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = %s", [VERSION_TABLE])
        exists = bool(cursor.fetchone()[0])
    conn.fragment_version_store = exists
    return exists


def advance(conn=None):
    """Move the data version on (after a commit; or before reading it after an own write)."""
    conn = conn or connection
    conn.fragment_unseen_write = False
    if not _store_exists(conn):
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{VERSION_TABLE}')")
        else:
            cursor.execute(f"UPDATE {VERSION_TABLE} SET n = n + 1")


def data_version(conn=None):
    """The current data version, or None where there is none yet (before the migration)."""
    conn = conn or connection
    if getattr(conn, "fragment_unseen_write", False):
        advance(conn)
    if not _store_exists(conn):
        return None
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT last_value FROM {VERSION_TABLE}")
        else:
            cursor.execute(f"SELECT n FROM {VERSION_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def _advance_after_commit(conn):
    def callback():
        advance(conn)
    callback.fragment_advance = True
    return callback


def note_write(conn):
    """Record that `conn` changed the portal's data: the version moves on after the commit
    (at once in autocommit), and before this connection next reads it."""
    conn.fragment_unseen_write = True
    conn.fragment_writes = getattr(conn, "fragment_writes", 0) + 1
    if not conn.in_atomic_block:
        advance(conn)
        return
    # One callback per transaction: savepoints rolled back take theirs away with them.
    if not any(getattr(func, "fragment_advance", False) for _, func, _ in conn.run_on_commit):
        conn.on_commit(_advance_after_commit(conn), robust=True)


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if match and _is_watched(match.group(1).lower()):
        note_write(context["connection"])
    return result


def watch(sender, connection, **kwargs):
    """connection_created receiver: install the write watch on a new connection (once)."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


connection_created.connect(watch, dispatch_uid="portal.fragments.watch")


# --- Cached fragments -------------------------------------------------------------------------

def _version_for(request):
    """The data version, read once per request (a home page has a dozen panels), and again
    after the request's own connection has written."""
    writes = getattr(connection, "fragment_writes", 0)
    seen = getattr(request, "_fragment_version", None)
    if seen is None or seen[0] != writes:
        seen = (writes, data_version())
        request._fragment_version = seen
    return seen[1]


@functools.cache
def code_fingerprint() -> str:
    """A digest of the portal's code and templates, so a deploy that changes how a fragment is
    built does not serve fragments an earlier release stored in a shared cache (Redis outlives
    the workers). Read once per process (~1,000 files, a few MB)."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                digest.update(path.relative_to(settings.BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(request, name, version, vary):
    query = sorted((k, tuple(v)) for k, v in request.GET.lists())
    # The database's name too: one cache (Redis) may serve several installs or test databases,
    # each with its own versions.
    parts = repr((connection.settings_dict["NAME"], code_fingerprint(), name, request.user.pk,
                  query, timezone.localdate().isoformat(), version, vary))
    return KEY_PREFIX + hashlib.sha256(parts.encode()).hexdigest()


def _with_csrf_token(request, html):
    if CSRF_HOLE not in html:
        return html
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308 — a token


def cached_fragment(request, name: str, render, *, vary=()) -> str:
    """The HTML `render()` returns, cached for this user, query, day and data version.

    `render` must depend on nothing else: not on other request headers or the time of day.
    A form's {% csrf_token %} is the one per-request part a fragment may hold: render it with
    `csrf_token=CSRF_HOLE` in the context, and the request's token is put in when served."""
    return _with_csrf_token(request, _cached(request, name, render, vary))


def _cached(request, name, render, vary):
    seconds = settings.FRAGMENT_CACHE_SECONDS
    version = _version_for(request) if seconds else None
    if version is None:
        return render()
    key = _key(request, name, version, vary)
    try:
        html = cache.get(key)
    except Exception:  # the cache server down: serve the page, uncached
        logger.warning("fragment cache unavailable", exc_info=True)
        return render()
    if html is None:
        html = render()
        try:
            cache.set(key, str(html), seconds)
        except Exception:
            logger.warning("fragment cache unavailable", exc_info=True)
    return mark_safe(html)
