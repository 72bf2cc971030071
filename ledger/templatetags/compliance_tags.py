"""The compliance matrix's body rows, written in Python rather than as template nodes.

A county org matrix page holds ~2,000 cells; as {% for %}/{% if %}/{{ }} nodes each cell cost
~15 template-node renders (variable lookups, localization, escaping), which was most of the
page's CPU. The markup is the same as the template's, built once per row here.
"""

from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_EMPTY = '<td class="text-muted">—</td>'
_ZERO = '<td class="table-danger text-danger fw-semibold matrix-zero">0</td>'


def _cell(cell):
    if not cell.started:
        return _EMPTY
    if cell.red:
        return _ZERO
    return f'<td><a href="{escape(str(cell.url))}" class="d-block">{cell.count}</a></td>'


@register.simple_tag
def matrix_row(row, show_extra):
    """One data row: label, the optional extra column, the month cells, total, silent months."""
    silent = row.silent_months
    extra = ""
    if show_extra:
        extra = f'<td class="d-none d-md-table-cell">{escape(str(row.extra))}</td>'
    return mark_safe(  # noqa: S308 — every value is escaped or a number
        '<tr>\n      <th scope="row" class="text-start text-nowrap fw-normal position-sticky '
        f'start-0 bg-body">{escape(str(row.label))}</th>\n      {extra}\n      '
        f'{"".join(map(_cell, row.cells))}\n      '
        f'<td class="fw-semibold">{row.total}</td>\n      '
        f'<td class="d-none d-sm-table-cell{" text-danger" if silent else ""}">{silent}</td>\n'
        '    </tr>')
