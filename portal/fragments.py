"""Rendered fragments cached until the data changes: the county-wide home panels and the
compliance matrices, which county staff and leaders reload all day while their figures change
only when someone writes.

A fragment is stored under a key made of its name, the user, the query parameters it reads,
today's date and the **data version**, a counter that moves on whenever the portal's data
changes:

- Every INSERT, UPDATE or DELETE Django sends to a table of the portal's apps (the ORM, bulk
  updates and raw SQL alike; not sessions, jobs, downloads' audit rows, login throttling or a
  login's last_login) marks its connection as having written: an execute wrapper installed on
  each connection.
- When the transaction commits, the version moves on (the first on_commit callback; at once
  in autocommit). A reader who built a fragment from the data before that commit stored it
  under a version nobody reads afterwards.
- A connection whose open transaction has written neither reads nor stores fragments: it
  builds them (it must see its own change, and must not leave a fragment of data that a
  rollback then takes back).

On PostgreSQL the version is a sequence: `nextval` takes no lock and does not wait for commit,
so writers never queue behind one another for it. On SQLite it is a one-row table (SQLite
serialises writers anyway). A write made outside Django (psql) is not seen: every entry also
expires after FRAGMENT_CACHE_SECONDS (0 turns the cache off); a restore empties the cache
(portal.backup). Entries live in the default cache (Redis when CACHE_REDIS_URL is set, shared by
every worker; otherwise each process's memory); a cache that fails is left alone for
CACHE_RETRY_SECONDS while pages are built without it.

The user is part of the key, so a fragment is never shown to anyone but the user it was built
for, whatever their scopes; a role granted or withdrawn is a write like any other. So is a
digest of the code, templates and installed packages (`code_fingerprint`): a new release
never serves what the previous one stored in a shared cache.

A fragment must depend only on what its key holds, or say when it changes by itself: a panel
showing a booking until it ends, or a reopened month until it expires, calls
`valid_until(request, moment)` while it is built, and the entry is kept no longer.
"""

import functools
import hashlib
import logging
import re
import time
from importlib import metadata

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.backends.signals import connection_created
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import mark_safe

from portal.scope import note_organizations_written

VERSION_TABLE = "portal_data_version"
# Tables whose writes move the version: the portal's apps (and auth: users, groups).
WATCHED_PREFIXES = ("portal_", "pairing_", "alliances_", "ledger_", "assessment_", "auth_")
# ... except those no fragment reads, written on requests that change nothing shown:
# background jobs' progress, generated files, the audit trail, and the version itself.
UNWATCHED_TABLES = frozenset({VERSION_TABLE, "portal_job", "portal_generatedfile",
                              "portal_auditevent"})
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)
# A login stamps last_login: no fragment shows it, and a morning of logins would otherwise
# empty everyone's cache.
_LAST_LOGIN = 'UPDATE "auth_user" SET "last_login" = '
CACHE_RETRY_SECONDS = 30
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
    """Move the data version on (after a commit)."""
    conn = conn or connection
    if not _store_exists(conn):
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{VERSION_TABLE}')")
        else:
            cursor.execute(f"UPDATE {VERSION_TABLE} SET n = n + 1")


def move_version_past(version, conn=None):
    """Set the data version beyond `version` (and beyond its current value): after a restore
    brought back an older one, no worker's cached entry of the versions in between can match.
    Also empties this process's (or the shared) cache."""
    conn = conn or connection
    if version is None or not _store_exists(conn):
        return
    target = max(version, data_version(conn) or 0) + 1
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SELECT setval('{VERSION_TABLE}', %s)", [target])
        else:
            cursor.execute(f"UPDATE {VERSION_TABLE} SET n = %s", [target])
    try:
        cache.clear()
    except Exception:
        logger.warning("cache not emptied after a restore", exc_info=True)


def _advance_logged(conn):
    """advance(), after a write that has committed: a failure here must not look like the
    write's (entries then expire after FRAGMENT_CACHE_SECONDS)."""
    try:
        advance(conn)
    except Exception:
        logger.exception("data version not moved on after a commit")


def data_version(conn=None):
    """The current data version, or None where there is none yet (before the migration)."""
    conn = conn or connection
    if not _store_exists(conn):
        return None
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # A new sequence's last_value is already 1 before the first nextval.
            cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                           f"FROM {VERSION_TABLE}")
        else:
            cursor.execute(f"SELECT n FROM {VERSION_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def _advance_after_commit(conn):
    def callback():
        _advance_logged(conn)
    callback.fragment_advance = True
    return callback


def _advance_pending(conn) -> bool:
    return any(getattr(func, "fragment_advance", False) for _, func, _ in conn.run_on_commit)


def written_in_open_transaction(conn=None) -> bool:
    conn = conn or connection
    return conn.in_atomic_block and _advance_pending(conn)


def note_write(conn):
    """Record that `conn` changed the portal's data: the version moves on after the commit,
    at once in autocommit."""
    conn.fragment_writes = getattr(conn, "fragment_writes", 0) + 1
    if not conn.in_atomic_block:
        _advance_logged(conn)
        return
    # One callback per transaction (savepoints rolled back take theirs away with them), run
    # first: Django stops at the first callback that raises, and a job's broker being down
    # must not leave the version where it was. (The entry is what Connection.on_commit
    # appends: the savepoints open now, the function, robust.)
    if not _advance_pending(conn):
        conn.run_on_commit.insert(0, (set(conn.savepoint_ids), _advance_after_commit(conn),
                                      True))


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if match and _is_watched(match.group(1).lower()) and not sql.startswith(_LAST_LOGIN):
        note_write(context["connection"])
        if match.group(1).lower() == "portal_organization":
            note_organizations_written()  # scopes read as organization ids are read again
    return result


def watch(sender, connection, **kwargs):
    """connection_created receiver: install the write watch on a new connection (once)."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


connection_created.connect(watch, dispatch_uid="portal.fragments.watch")


# --- Cached fragments -------------------------------------------------------------------------

def _version_for(request):
    """The data version, read once per request (a home page has a dozen panels), and again
    after the request's own connection has written (in autocommit)."""
    writes = getattr(connection, "fragment_writes", 0)
    seen = getattr(request, "_fragment_version", None)
    if seen is None or seen[0] != writes:
        seen = (writes, data_version())
        request._fragment_version = seen
    return seen[1]


@functools.cache
def code_fingerprint() -> str:
    """A digest of the portal's code and templates and of the installed packages' versions
    (a Django or crispy-forms upgrade changes widgets' HTML), so a release never serves
    fragments an earlier one stored in a shared cache (Redis outlives the workers). Taken when
    the application is loaded (portal/wsgi.py: in the master under gunicorn's preload), so it
    describes the code running, not files changed on disk since; a deploy restarts the
    server. ~1,000 files, a few MB: ~40 ms once per process."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                digest.update(path.relative_to(settings.BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}"
                      for dist in metadata.distributions())
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()[:16]


def _key(request, name, version, params):
    # Only the query parameters the fragment reads: any other makes no entry of its own.
    query = [(param, tuple(request.GET.getlist(param))) for param in params
             if param in request.GET]
    # The database's name too: one cache (Redis) may serve several installs or test databases,
    # each with its own versions.
    parts = repr((connection.settings_dict["NAME"], code_fingerprint(), name, request.user.pk,
                  query, timezone.localdate().isoformat(), version))
    return KEY_PREFIX + hashlib.sha256(parts.encode()).hexdigest()


def _with_csrf_token(request, html):
    if CSRF_HOLE not in html:
        return html
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308 — a token


def cached_fragment(request, name: str, render, *, params=()) -> str:
    """The HTML `render()` returns, cached for this user, the query parameters `params`, the
    day and the data version.

    `render` must depend on nothing else: not on other parameters or request headers, nor on
    the time of day. A form's {% csrf_token %} is the one per-request part a fragment may hold:
    render it with `csrf_token=CSRF_HOLE` in the context, and the request's token is put in
    when served."""
    # Whatever render() returns is the fragment's HTML (a join of rendered templates too).
    return _with_csrf_token(request, mark_safe(_cached(request, name, render, params)))  # noqa: S308


_cache_failed_at = None  # time.monotonic() of the cache's last failure in this process


def _cache_usable():
    return _cache_failed_at is None or time.monotonic() - _cache_failed_at > CACHE_RETRY_SECONDS


def _cache_failed():
    global _cache_failed_at
    _cache_failed_at = time.monotonic()
    logger.warning("fragment cache unavailable: pages are built without it for %s s",
                   CACHE_RETRY_SECONDS, exc_info=True)


def valid_until(request, moment):
    """Called while a fragment is built: what it shows changes by itself at `moment` (a meeting
    starts, a booking ends, a reopened month expires), so the entry is kept no longer."""
    if moment is None:
        return
    current = getattr(request, "_fragment_valid_until", None)
    if current is None or moment < current:
        request._fragment_valid_until = moment


def _seconds_to_keep(request, seconds):
    deadline = getattr(request, "_fragment_valid_until", None)
    if deadline is None:
        return seconds
    return min(seconds, int((deadline - timezone.now()).total_seconds()))


def _cached(request, name, render, params):
    seconds = settings.FRAGMENT_CACHE_SECONDS
    if not seconds or written_in_open_transaction() or not _cache_usable():
        return render()
    version = _version_for(request)
    if version is None:
        return render()
    key = _key(request, name, version, params)
    try:
        html = cache.get(key)
    except Exception:  # the cache server down or hung: serve the page, uncached
        _cache_failed()
        return render()
    if html is None:
        request._fragment_valid_until = None
        html = render()
        keep = _seconds_to_keep(request, seconds)
        try:
            if keep > 0:
                cache.set(key, str(html), keep)
        except Exception:
            _cache_failed()
    return html
