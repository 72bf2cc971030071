"""The matrix_row tag writes a compliance matrix's data rows (the markup the template had)."""

from django.template import Context, Template

from ledger.compliance import MatrixCell, MatrixRow


def _render(row, show_extra):
    template = Template("{% load compliance_tags %}{% matrix_row row show_extra %}")
    return template.render(Context({"row": row, "show_extra": show_extra}))


def test_matrix_row_cells_total_and_silent_months():
    row = MatrixRow(pk=7, label="青山村", cells=[
        MatrixCell(2026, 1, 2, url="/c/7/2026/1/?area=1"),
        MatrixCell(2026, 2, 0),
        MatrixCell(2026, 3, 0, started=False),
    ])
    html = _render(row, False)
    assert '<th scope="row" class="text-start text-nowrap fw-normal position-sticky start-0 ' \
           'bg-body">青山村</th>' in html
    assert '<td><a href="/c/7/2026/1/?area=1" class="d-block">2</a></td>' \
           '<td class="table-danger text-danger fw-semibold matrix-zero">0</td>' \
           '<td class="text-muted">—</td>' in html
    assert '<td class="fw-semibold">2</td>' in html
    assert '<td class="d-none d-sm-table-cell text-danger">1</td>' in html
    assert "d-md-table-cell" not in html


def test_matrix_row_escapes_and_shows_the_extra_column():
    row = MatrixRow(pk=1, label="<b>单位</b>", extra="A&B", cells=[
        MatrixCell(2026, 1, 1, url='/c/1/2026/1/?area=1&x="y"')])
    html = _render(row, True)
    assert "&lt;b&gt;单位&lt;/b&gt;" in html and "<b>" not in html
    assert '<td class="d-none d-md-table-cell">A&amp;B</td>' in html
    assert 'href="/c/1/2026/1/?area=1&amp;x=&quot;y&quot;"' in html
    assert '<td class="d-none d-sm-table-cell">0</td>' in html
