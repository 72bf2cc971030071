"""Permission matrix cases of the home page's trend chart downloads (see
tests/permission_matrix.py for the columns).

The ledger's charts need ledger.compliance, the needs chart pairing.statistics (county admin,
leader, township admin: their own scope); the others get 403. An unknown chart is a 404.
"""

from tests.permission_matrix import Case, kind

# Columns:       anon county leader town  vs  other unit talent outsider
EXCEL = (302, 200, 200, 200, 403, 403, 403, 403, 403)

CASES = [
    Case("ledger:trend_excel", "activities", EXCEL, kind("activities")),
    Case("ledger:trend_excel", "villages", EXCEL, kind("villages")),
    Case("ledger:trend_excel", "townships", EXCEL, kind("townships")),
    Case("ledger:trend_excel", "unknown chart", (302, 404, 404, 404, 404, 404, 404, 404, 404),
         kind("nothing")),
    Case("pairing:needs_trend_excel", "", EXCEL),
]
