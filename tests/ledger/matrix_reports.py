"""Permission-matrix cases of the monthly dispatch and the township half-year reports.

Reports: report.view (county, leader, township) reads within scope, report.write (the
township) writes its own, report.file (the county) files or returns.
"""

from django.utils import timezone

from tests.permission_matrix import Case


def _half():
    today = timezone.localdate()
    return today.year, 1 if today.month <= 6 else 2


def write_for(township):
    return lambda env: [getattr(env.tree, township).pk, *_half()]


def report_of(township, status="submitted"):
    def build(env):
        from ledger.models import TownshipReport
        from ledger.summaries import township_report_figures

        year, half = _half()
        org = getattr(env.tree, township)
        report = TownshipReport.objects.create(
            township=org, year=year, half=half, status=status, summary="开展活动", problems="无",
            next_steps="继续", figures=township_report_figures(org, year, half))
        return [report.pk]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    Case("ledger:dispatch", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("ledger:report_list", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("ledger:report_write", "town_a", (302, 403, 403, 200, 404, 404, 404, 404, 404),
         write_for("town_a")),
    # An empty POST saves a draft and goes to it.
    Case("ledger:report_write", "town_a", (302, 403, 403, 302, 404, 404, 404, 404, 404),
         write_for("town_a"), method="post"),
    Case("ledger:report_write", "town_b", (302, 403, 403, 404, 404, 404, 404, 404, 404),
         write_for("town_b")),
    Case("ledger:report_detail", "town_a submitted",
         (302, 200, 200, 200, 404, 404, 404, 404, 404), report_of("town_a")),
    Case("ledger:report_detail", "town_b submitted",
         (302, 200, 200, 404, 404, 404, 404, 404, 404), report_of("town_b")),
    Case("ledger:report_file", "town_a submitted", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         report_of("town_a")),
    Case("ledger:report_file", "town_a submitted", (302, 302, 403, 403, 404, 404, 404, 404, 404),
         report_of("town_a"), method="post"),
    Case("ledger:report_return", "town_a submitted",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), report_of("town_a")),
    # Without a reason the county is sent back with a message.
    Case("ledger:report_return", "town_a submitted",
         (302, 302, 403, 403, 404, 404, 404, 404, 404), report_of("town_a"), method="post"),
    Case("ledger:report_pdf", "town_a filed", (302, 200, 200, 200, 404, 404, 404, 404, 404),
         report_of("town_a", "filed")),
    # Batch filing is the county's (report.file); without ticked ids it is sent back.
    Case("ledger:report_file_batch", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    Case("ledger:report_file_batch", "", (302, 302, 403, 403, 403, 403, 403, 403, 403),
         method="post"),
]
