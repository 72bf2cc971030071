"""The global search's URLs: every signed-in persona may search (results are scoped)."""

from tests.permission_matrix import Case

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("portal:search", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    Case("portal:search_suggest", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
]
