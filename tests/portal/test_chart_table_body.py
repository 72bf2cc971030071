"""A chart's table rows (portal.charts.ChartTable.body_html) are built in Python, not by nested
template loops; they must read exactly as the loops did: the row header as <th>, figures
localized and escaped, None as a dash, an empty table as one 暂无数据 row."""

from django.template import Context, Template

from portal.charts import ChartTable
from portal.spreadsheets import Column

# The loops the panel template (templates/portal/panels/_chart.html) held before.
TEMPLATE_LOOPS = Template(
    '{% for row in chart.rows %}<tr>{% for value in row %}'
    '{% if forloop.counter0 == chart.row_header %}<th scope="row" class="fw-normal">{{ value }}'
    '</th>{% else %}<td class="text-end">{{ value|default_if_none:"—" }}</td>{% endif %}'
    '{% endfor %}</tr>\n          {% empty %}<tr><td colspan="{{ chart.headers|length }}" '
    'class="text-muted">暂无数据</td></tr>{% endfor %}')

COLUMNS = (Column("排名", 8), Column("乡镇", 18), Column("村数", 8), Column("活跃率（%）", 12))


def _table(rows, row_header=1):
    return ChartTable("townships", "排名", COLUMNS, rows, row_header=row_header)


def test_rows_read_as_the_template_loops_did():
    table = _table([[1, "青山镇<b>&", 12, 50.0], [2, "绿水镇", 0, None],
                    [3, "白云镇", 1234567, 12.5], [4, "", -3, 0.0]])
    html = str(table.body_html)
    assert html == TEMPLATE_LOOPS.render(Context({"chart": table}))
    assert "青山镇&lt;b&gt;&amp;" in html and "<td class=\"text-end\">—</td>" in html
    assert '<th scope="row" class="fw-normal">绿水镇</th>' in html


def test_month_rows_with_the_first_column_as_header():
    table = _table([["2026年1月", 3, None, 7.5], ["2026年2月", None, None, None]], row_header=0)
    assert str(table.body_html) == TEMPLATE_LOOPS.render(Context({"chart": table}))


def test_an_empty_table_shows_one_row_saying_so():
    table = _table([])
    assert str(table.body_html) == TEMPLATE_LOOPS.render(Context({"chart": table}))
    assert 'colspan="4"' in str(table.body_html)
