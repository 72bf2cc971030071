"""The URL × persona matrix (pretix `test_permissions.py` style): expected status per request.

Every named URL pattern outside the admin must appear here at least once;
`tests/test_permission_matrix.py` walks the resolver and fails on any that is missing.

Targets come from the `tree`/`people` fixtures in tests/conftest.py: the village secretary
holds 青山村 (village_a1, under 青山镇 town_a), the other village secretary 白水村 (village_b1,
under 白水乡), the township admin 青山镇, unit contact and talent 县农业农村局 (unit), county
admin and leader the county; the outsider has no role. Out of scope → 404, in scope without
the capability → 403, anonymous → 302 to the login page.
"""

from dataclasses import dataclass, field

from django.core.files.base import ContentFile

PERSONAS = ("anonymous", "county_admin", "leader", "township_admin", "village_secretary",
            "other_village_secretary", "unit_contact", "talent", "outsider")


@dataclass(frozen=True)
class Case:
    """One request (url name + target) and the status every persona must get for it."""

    url_name: str
    target: str
    statuses: tuple
    args: object = None  # env -> list of URL args; env has .tree, .people and .user(persona)
    method: str = "get"
    expected: dict = field(init=False)

    def __post_init__(self):
        if len(self.statuses) != len(PERSONAS):
            raise ValueError(f"{self.url_name} [{self.target}]: need {len(PERSONAS)} statuses")
        object.__setattr__(self, "expected", dict(zip(PERSONAS, self.statuses, strict=True)))

    @property
    def label(self):
        target = f"[{self.target}]" if self.target else ""
        return f"{self.method.upper()} {self.url_name}{target}"


def org(name):
    return lambda env: [getattr(env.tree, name).pk]


def person(key):
    return lambda env: [getattr(env.people, key).pk]


def kind(*args):
    return lambda env: list(args)


def assignment_of(persona):
    def build(env):
        return [env.user(persona).role_assignments.get().pk]
    return build


def job_of(persona):
    def build(env):
        from portal.models import Job

        job = Job.objects.create(owner=env.user(persona), scope_org=env.tree.village_a1,
                                 kind="export.people", title="人员导出")
        return [job.uuid]
    return build


def file_for(org_name, capability):
    def build(env):
        from portal.models import GeneratedFile

        generated = GeneratedFile(scope_org=getattr(env.tree, org_name), capability=capability,
                                  filename="人员.xlsx", mimetype="application/octet-stream")
        generated.file.save("people.xlsx", ContentFile(b"xlsx"), save=False)
        generated.save()
        return [generated.uuid]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("portal:home", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    # A single visible root redirects to its node; the outsider sees an empty tree.
    Case("portal:org_tree", "", (302, 302, 302, 302, 302, 302, 302, 302, 200)),
    Case("portal:org_tree_node", "town_a", (302, 200, 200, 200, 404, 404, 404, 404, 404),
         org("town_a")),
    Case("portal:org_tree_node", "village_a1", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         org("village_a1")),
    Case("portal:org_tree_node", "unit", (302, 200, 200, 404, 404, 404, 200, 200, 404),
         org("unit")),
    Case("portal:org_detail", "village_a1", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         org("village_a1")),
    Case("portal:org_detail", "village_b1", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         org("village_b1")),
    Case("portal:org_detail", "county", (302, 200, 200, 404, 404, 404, 404, 404, 404),
         org("county")),
    Case("portal:org_create", "town_a", (302, 200, 403, 200, 404, 404, 404, 404, 404),
         org("town_a")),
    Case("portal:org_create", "village_a1", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         org("village_a1")),
    Case("portal:org_edit", "village_a1", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         org("village_a1")),
    Case("portal:org_edit", "unit", (302, 200, 403, 404, 404, 404, 403, 403, 404),
         org("unit")),
    Case("portal:org_move", "village_a1", (302, 200, 403, 200, 403, 404, 404, 404, 404),
         org("village_a1")),
    Case("portal:org_move", "village_b1", (302, 200, 403, 404, 404, 403, 404, 404, 404),
         org("village_b1")),
    # The list is filtered by scope, never refused (talent and outsider see an empty list).
    Case("portal:person_list", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    Case("portal:person_create", "", (302, 200, 403, 200, 200, 200, 200, 403, 403)),
    Case("portal:person_detail", "a1", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         person("a1")),
    Case("portal:person_detail", "b1", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         person("b1")),
    Case("portal:person_detail", "unit", (302, 200, 200, 404, 404, 404, 200, 404, 404),
         person("unit")),
    Case("portal:person_edit", "a1", (302, 200, 403, 200, 200, 404, 404, 404, 404),
         person("a1")),
    Case("portal:person_edit", "unit", (302, 200, 403, 404, 404, 404, 200, 404, 404),
         person("unit")),
    Case("portal:role_list", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("portal:role_assign", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    # POST-only: every signed-in GET is 405; the POST below checks who may revoke.
    Case("portal:role_revoke", "village_secretary's role",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), assignment_of("village_secretary")),
    Case("portal:role_revoke", "village_secretary's role",
         (302, 302, 403, 403, 403, 403, 403, 403, 403), assignment_of("village_secretary"),
         method="post"),
    Case("portal:audit_log", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("portal:job_list", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    # A job is its owner's alone, whatever the role.
    Case("portal:job_detail", "village_secretary's job",
         (302, 404, 404, 404, 200, 404, 404, 404, 404), job_of("village_secretary")),
    # Only the owner may retry; a pending job is refused with a message (302), others 404.
    Case("portal:job_retry", "village_secretary's job",
         (302, 404, 404, 404, 302, 404, 404, 404, 404), job_of("village_secretary"),
         method="post"),
    # Scope checked first (404), then the file's capability (403).
    Case("portal:download", "village_a1 export", (302, 200, 200, 200, 403, 404, 404, 404, 404),
         file_for("village_a1", "data.export")),
    Case("portal:download", "village_a1 person file",
         (302, 200, 403, 200, 200, 404, 404, 404, 404), file_for("village_a1", "person.change")),
    # Excel import needs data.import (county admin only), export needs data.export.
    Case("portal:transfer_index", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("portal:transfer_template", "orgs", (302, 200, 403, 403, 403, 403, 403, 403, 403),
         kind("orgs")),
    Case("portal:transfer_template", "people", (302, 200, 403, 403, 403, 403, 403, 403, 403),
         kind("people")),
    Case("portal:transfer_template", "unknown kind",
         (302, 404, 404, 404, 404, 404, 404, 404, 404), kind("nothing")),
    Case("portal:transfer_upload", "people", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         kind("people")),
    # An empty upload re-renders the form with its error.
    Case("portal:transfer_upload", "people", (302, 200, 403, 403, 403, 403, 403, 403, 403),
         kind("people"), method="post"),
    Case("portal:transfer_commit", "stale token", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         kind("people", "0" * 32)),
    # An unknown token sends the county admin back to the index with a warning.
    Case("portal:transfer_commit", "stale token", (302, 302, 403, 403, 403, 403, 403, 403, 403),
         kind("people", "0" * 32), method="post"),
    Case("portal:transfer_export", "people", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         kind("people")),
    # Without a chosen scope the exporter is sent back to the index.
    Case("portal:transfer_export", "people", (302, 302, 302, 302, 403, 403, 403, 403, 403),
         kind("people"), method="post"),
    # Public, or handled by django.contrib.auth.
    Case("login", "", (200, 302, 302, 302, 302, 302, 302, 302, 302)),
    Case("logout", "", (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    Case("logout", "", (302, 302, 302, 302, 302, 302, 302, 302, 302), method="post"),
    Case("password_change", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    Case("healthz", "", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
]



def _app_cases():
    """Each app declares its URLs in tests/<app>/matrix_<area>.py as a list named CASES."""
    import importlib
    from pathlib import Path

    here = Path(__file__).parent
    cases = []
    for module_path in sorted(here.glob("*/matrix_*.py")):
        module = importlib.import_module(f"tests.{module_path.parent.name}.{module_path.stem}")
        cases.extend(module.CASES)
    return cases


CASES += _app_cases()
