"""Permission-matrix cases of the enrolment import (assessment.enrol: the county admin)."""

from tests.permission_matrix import Case, kind

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("assessment:enrolment_import", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("assessment:enrolment_import_template", "",
         (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("assessment:enrolment_import_upload", "",
         (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    # An empty upload re-renders the form with its error.
    Case("assessment:enrolment_import_upload", "",
         (302, 200, 403, 403, 403, 403, 403, 403, 403), method="post"),
    Case("assessment:enrolment_import_commit", "stale token",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), kind("0" * 32)),
    Case("assessment:enrolment_import_commit", "stale token",
         (302, 302, 403, 403, 403, 403, 403, 403, 403), kind("0" * 32), method="post"),
]
