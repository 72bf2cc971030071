"""Render a Django template to PDF with WeasyPrint (print CSS, embedded CJK font).

Print templates extend templates/pdf/base_print.html, which sets the font stack from
settings.PDF_FONT_FAMILY (the embedded TrueType font first, also in the @page margin boxes,
or page numbers would fall back to another font) and `table-layout: fixed`.
"""

from django.conf import settings
from django.template.loader import render_to_string


def _no_fetch(url, *args, **kwargs):
    """Print templates are self-contained; never let a rendered value make WeasyPrint fetch."""
    raise ValueError(f"PDF 模板不应引用外部资源：{url}")


def render_pdf(template_name: str, context: dict) -> bytes:
    """The PDF bytes of `template_name` rendered with `context`."""
    from weasyprint import HTML  # imported lazily: loading Pango takes a moment

    html = render_to_string(template_name, {"pdf_font_family": settings.PDF_FONT_FAMILY,
                                            **context})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
