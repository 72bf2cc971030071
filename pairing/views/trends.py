"""Excel download of the home page's 需求认领趋势 chart (pairing.trend_panels): the same rows as
the table under the chart. Needs `pairing.statistics`; the figures cover the user's scope."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from pairing.statistics import STATISTICS_CAPABILITY
from pairing.trend_panels import need_trend, needs_table
from portal.charts import chart_excel_response


@login_required
def needs_trend_excel(request):
    trend = need_trend(request.user)
    if trend is None:
        raise PermissionDenied("您没有查看结对共建统计的权限。")
    return chart_excel_response(request, needs_table(trend), STATISTICS_CAPABILITY,
                                f"{trend.year}年")
