"""Permission matrix cases of 台账导出 (see tests/permission_matrix.py for the columns).

ledger.export: county admin, leader, township admin, village secretary, unit contact (each on
its own scope); the talent and the outsider get 403. An empty POST re-renders the form with
its errors. (A GET preselecting another village's org with ?org= is 404: see
test_exports_views.py, the matrix builds no query strings.)
"""

from tests.permission_matrix import Case

# Columns:            anon county leader town  vs  other unit talent outsider
EXPORT_FORM = (302, 200, 200, 200, 200, 200, 200, 403, 403)

CASES = [
    Case("ledger:ledger_export", "", EXPORT_FORM),
    Case("ledger:ledger_export", "", EXPORT_FORM, method="post"),
]
