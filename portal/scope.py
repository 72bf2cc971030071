"""Who may see and do what: the one scope mechanism used by every view, form, export and task.

A user's scope is the union of the subtrees of the organizations of their active role
assignments. Each role grants capabilities ("org.view", "person.change", ...). A scoped
queryset's `visible_to(user, action)` keeps the rows whose organization lies in a subtree
where the user holds that capability. Views fetch objects through `visible_to(user)`
(missing → 404) and then `require(user, capability, org)` (lacking → 403).

A scope of a few subtrees is matched by path prefixes (the path index); one of many (a unit
contact with 90 paired villages) by the ids of its organizations, read once per request and
again after any write to the organizations (MANY_PATHS).
"""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q


class UnknownCapability(LookupError):
    """A capability name no app declared: a typo in code, caught by any test that reaches it."""

COUNTY_ADMIN = "county_admin"
LEADER = "leader"
TOWNSHIP_ADMIN = "township_admin"
VILLAGE_SECRETARY = "village_secretary"
UNIT_CONTACT = "unit_contact"
TALENT = "talent"
ASSESSOR = "assessor"

# Every capability, declared once by the app that owns it: name -> what it allows (Chinese).
CAPABILITIES: dict[str, str] = {}


def declare_capabilities(capabilities: dict[str, str]):
    """Declare an app's capabilities (called at import of the app's scope module)."""
    for name, label in capabilities.items():
        if name in CAPABILITIES and CAPABILITIES[name] != label:
            raise ValueError(f"capability {name!r} declared twice")
        CAPABILITIES[name] = label


def check_capability(name):
    if name not in CAPABILITIES:
        raise UnknownCapability(f"undeclared capability {name!r}")
    return name


declare_capabilities({
    "org.view": "查看组织", "org.change": "维护组织",
    "person.view": "查看人员", "person.change": "维护人员",
    "person.view_id_number": "查看完整身份证号",
    "role.manage": "授予和撤销角色",
    "job.view": "查看后台任务",
    "data.import": "导入数据", "data.export": "导出数据",
    "audit.view": "查看审计日志",
})

_VIEW = {"org.view", "person.view", "job.view"}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    COUNTY_ADMIN: _VIEW | {
        "org.change", "person.change", "person.view_id_number", "role.manage",
        "data.import", "data.export", "audit.view",
    },
    LEADER: _VIEW | {"data.export"},
    TOWNSHIP_ADMIN: _VIEW | {"org.change", "person.change", "data.export"},
    VILLAGE_SECRETARY: _VIEW | {"person.change"},
    UNIT_CONTACT: _VIEW | {"person.change"},
    TALENT: {"org.view", "job.view"},
    ASSESSOR: _VIEW | {"data.export"},
}

# Functions (user, capability) -> iterable of extra org paths; later apps add scope here
# (a unit sees its paired villages read-only) without portal importing them.
_scope_extenders = []


def register_capabilities(role, capabilities):
    """Let an app grant its own capabilities to a role (called from AppConfig.ready)."""
    for name in capabilities:
        check_capability(name)
    ROLE_CAPABILITIES[role] |= set(capabilities)


def register_scope_extender(func):
    _scope_extenders.append(func)
    return func


def role_grants(role, capability):
    return capability in ROLE_CAPABILITIES.get(role, ())


def active_roles(user):
    """[(role, org_path, org_id)] of the user's active assignments, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        assignment = apps.get_model("portal", "RoleAssignment")
        cached = list(
            assignment.objects.filter(user=user, revoked_at__isnull=True)
            .values_list("role", "org__path", "org_id")
        )
        user._portal_roles = cached
    return cached


def forget_roles(user):
    """Drop every scope cache on the user object (roles or pairings changed). On request.user
    (a lazy object) the caches sit partly on the wrapper, partly on the user it wraps."""
    holders = [user.__dict__]
    wrapped = user.__dict__.get("_wrapped")
    if wrapped is not None and hasattr(wrapped, "__dict__"):
        holders.append(wrapped.__dict__)
    for holder in holders:
        for key in [k for k in holder if k.startswith("_portal_")]:
            del holder[key]


def _minimal(paths):
    """Drop paths already covered by a shorter prefix in the set, in one pass over the sorted
    paths: a subtree's paths sort right after its own, so a covered path starts with the last
    path kept (comparing every pair cost a unit contact with 90 paired villages some 4,000
    comparisons per capability, about 10 ms a page at city scale)."""
    kept = []
    for path in sorted(set(paths)):
        if not (kept and path.startswith(kept[-1])):
            kept.append(path)
    return kept


def scope_paths(user, capability):
    """Org paths whose subtrees the user may act on with `capability`; None means everywhere.
    Cached on the user object per capability, like the roles (a page's menu alone asks for
    some 40 capabilities); not to be changed by the caller."""
    check_capability(capability)
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    cache = user.__dict__.setdefault("_portal_scope_paths", {})
    if capability not in cache:
        paths = [path for role, path, _ in active_roles(user) if role_grants(role, capability)]
        for extend in _scope_extenders:
            paths.extend(extend(user, capability))
        cache[capability] = _minimal(paths)
    return cache[capability]


def scope_holds_every_org(user, capability):
    """Whether the user's scope for `capability` covers the whole org tree (every root), so a
    figure over all rows needs no scope filter: at city scale the filter is a join of every
    row with the tree. One query per user object and set of roots held (cached on it, like the
    roles): the county home asks it for three capabilities that a county admin holds alike."""
    paths = scope_paths(user, capability)
    if paths is None:
        return True
    organization = apps.get_model("portal", "Organization")
    roots = tuple(sorted(path for path in paths if len(path) == organization.steplen))
    if not roots:
        return False
    cache = user.__dict__.setdefault("_portal_everything", {})
    if roots not in cache:
        cache[roots] = not organization.objects.filter(depth=1).exclude(path__in=roots).exists()
    return cache[roots]


# A scope of more subtrees than this (a unit contact's or a talent's paired villages: 90 at
# city scale) is matched by its organizations' ids rather than by one path prefix per subtree:
# every query compiled and planned 90 LIKEs per path field (each a bitmap index scan), about a
# fifth of such a user's page at city scale.
MANY_PATHS = 8
# Moves on whenever this process writes organizations (portal.fragments sees every write): a
# scope's ids read before then are read again, so a request that creates or moves an
# organization checks it against the tree as it now is.
_organization_writes = 0


def note_organizations_written():
    global _organization_writes
    _organization_writes += 1


def scope_org_ids(user, capability):
    """Ids of the organizations in the user's scope for `capability` (not for a scope of
    everywhere: the caller asks scope_holds_every_org first), read once per user object and
    capability until this process writes organizations."""
    paths = scope_paths(user, capability)
    if not paths:
        return []
    cache = user.__dict__.setdefault("_portal_scope_ids", {})
    written, ids = cache.get(capability, (None, None))
    if written != _organization_writes:
        written = _organization_writes
        ids = org_ids_under(paths)
        cache[capability] = (written, ids)
    return ids


# On PostgreSQL the paths are one array parameter joined to a range of the path's pattern index
# (text_pattern_ops: byte order, which LIKE 'prefix%' uses too). Every path character (0-9, A-Z)
# sorts before "~", so a subtree is [path, path + "~"). A unit contact's 91 villages as 91
# LIKEs took 8.5 ms to build and compile and 5 ms to plan at city scale; as an array, 1.3 ms.
_IDS_UNDER_PATHS_SQL = """
    SELECT DISTINCT organization.id
    FROM unnest(%s::text[]) AS subtree(path)
    JOIN {table} AS organization
      ON organization.path ~>=~ subtree.path AND organization.path ~<~ (subtree.path || '~')
"""


def org_ids_under(paths):
    """Ids of the organizations at or below any of `paths`, each once."""
    organization = apps.get_model("portal", "Organization")
    if not paths:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_IDS_UNDER_PATHS_SQL.format(table=organization._meta.db_table),
                           [list(paths)])
            return [pk for pk, in cursor.fetchall()]
    return list(organization.objects.filter(under_any_path("path", paths))
                .order_by().values_list("pk", flat=True))


def under_any_path(field, paths):
    """Q for rows whose `field` (an organization path) lies at or below any of `paths`: one
    range of the path index per path. No paths: no row."""
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def _org_relation(path_field):
    """The organization a path field belongs to, for an id lookup: "path" is the organization
    itself, "village_org__path" the row's village_org."""
    return "pk" if path_field == "path" else path_field.removesuffix("__path")


def scope_q(user, capability, path_fields):
    """Q matching rows whose org path (any of `path_fields`) lies in the user's scope; for a
    scope of many subtrees (MANY_PATHS), rows whose organization is one of the scope's."""
    paths = scope_paths(user, capability)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    if isinstance(path_fields, str):
        path_fields = (path_fields,)
    query = Q()
    if len(paths) > MANY_PATHS:
        ids = scope_org_ids(user, capability)
        for field in path_fields:
            query |= Q(**{f"{_org_relation(field)}__in": ids})
        return query
    for field in path_fields:
        query |= under_any_path(field, paths)
    return query


def has_capability(user, capability, org=None):
    """Whether the user holds `capability` on `org` (or anywhere, when org is None)."""
    paths = scope_paths(user, capability)
    if paths is None:
        return True
    if org is None:
        return bool(paths)
    return any(org.path.startswith(p) for p in paths)


def require(user, capability, org=None):
    if not has_capability(user, capability, org):
        raise PermissionDenied("您没有执行此操作的权限。")


def require_any(user, capability, orgs):
    """Pass when the user holds `capability` on at least one of `orgs` (either side of a pair)."""
    if not any(has_capability(user, capability, org) for org in orgs):
        raise PermissionDenied("您没有执行此操作的权限。")


def ensure_still_visible(obj, actor, action="change"):
    """After a write, inside its transaction: the actor must still be able to `action` what
    they wrote (stops moving a record into another village)."""
    if not type(obj).objects.visible_to(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("该操作会使数据超出您的管理范围。")


class ScopedQuerySetMixin:
    """Adds `visible_to(user, action)`; subclasses name the path of their organization, or a
    tuple of paths when a row belongs to two organizations (a pairing: unit and village)."""

    scope_path_field = "org__path"

    def with_township_name(self, path_field=None):
        """Annotate `township_name`: the township above each row's organization ("" for rows
        not under a township), one correlated lookup per row shown."""
        from django.db.models import OuterRef, Subquery
        from django.db.models.functions import Substr

        organization = apps.get_model("portal", "Organization")
        field = path_field or self.scope_path_field
        township_path = Substr(OuterRef(field), 1, organization.steplen * 2)
        return self.annotate(township_name=Subquery(
            organization.objects.filter(path=township_path, kind="township")
            .order_by().values("name")[:1]))

    def visible_to(self, user, action="view"):
        capability = action if "." in action else f"{self.model.scope_domain}.{action}"
        return self.filter(scope_q(user, capability, self.scope_path_field))
