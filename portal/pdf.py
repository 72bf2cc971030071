"""Render a Django template to PDF with WeasyPrint (print CSS, embedded CJK font).

Print templates extend templates/pdf/base_print.html, which sets the font stack from
settings.PDF_FONT_FAMILY (the embedded TrueType font first, also in the @page margin boxes,
or page numbers would fall back to another font) and `table-layout: fixed`.
"""

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    """The PDF bytes of `template_name` rendered with `context`."""
    return html_to_pdf(render_print_html(template_name, context))


def render_print_html(template_name: str, context: dict) -> str:
    """The HTML a print template gives (cheap; WeasyPrint's layout is the slow part)."""
    return render_to_string(template_name, {"pdf_font_family": settings.PDF_FONT_FAMILY,
                                            **context})


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of a print template's HTML."""
    from weasyprint import HTML  # imported lazily: loading Pango takes a moment
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # Print templates are self-contained: images come inline as data: URIs; any other URL
    # (file://, http) stops the rendering instead of reading the disk or the network.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    try:
        return HTML(string=html, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: jobs would not record it
        raise ValueError(f"PDF 模板引用了不允许的外部资源：{exc}") from exc
