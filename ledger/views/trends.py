"""Excel downloads of the home page's trend charts (ledger.trend_panels): the same rows as the
table under each chart. Needs `ledger.compliance`; the figures cover the user's scope."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ledger.compliance import CAPABILITY
from ledger.trend_panels import TABLES, ledger_trends
from portal.charts import chart_excel_response


@login_required
def trend_excel(request, chart):
    if chart not in TABLES:
        raise Http404
    trends = ledger_trends(request.user)
    if trends is None:
        raise PermissionDenied("您没有查看履职情况的权限。")
    return chart_excel_response(request, TABLES[chart](trends), CAPABILITY, f"{trends.year}年")
