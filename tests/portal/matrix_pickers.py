"""The pickers' suggestion URLs (every signed-in persona; results are scoped, see
tests/portal/test_pickers.py) and the list exports (data.export)."""

from tests.permission_matrix import Case, kind

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("portal:pick_org", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    Case("portal:pick_person", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    # POST starts the job (302 to its page); without data.export 403.
    Case("portal:list_export", "person_list", (302, 302, 302, 302, 403, 403, 403, 403, 403),
         args=kind("person_list"), method="post"),
    Case("portal:list_export", "pairing_list", (302, 302, 302, 302, 403, 403, 403, 403, 403),
         args=kind("pairing_list"), method="post"),
    Case("portal:list_export", "unknown", (302, 404, 404, 404, 404, 404, 404, 404, 404),
         args=kind("export_people"), method="post"),
    Case("portal:list_export", "get", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         args=kind("person_list")),
]
