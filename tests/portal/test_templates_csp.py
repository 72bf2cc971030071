"""The pages' Content-Security-Policy allows styles from the site's own files only (style-src
'self'): a style attribute or <style> element in a page template is blocked by the browser.
Meeting agendas and minutes lost their line breaks that way (found walking the city demo at
phone width). The PDF templates are rendered by WeasyPrint, not a browser, and may use them."""

import re
from pathlib import Path

from django.conf import settings

INLINE_STYLE = re.compile(r"<[a-zA-Z][^<>]*\sstyle\s*=|<style[\s>]", re.IGNORECASE)


def _page_templates():
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            if "pdf" not in path.relative_to(directory).parts:
                yield path


def test_policy_allows_no_inline_styles():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == ["'self'"]


def test_page_templates_carry_no_inline_style():
    offending = [f"{path}:{text[:match.start()].count(chr(10)) + 1}"
                 for path in _page_templates()
                 for text in [path.read_text(encoding="utf-8")]
                 for match in INLINE_STYLE.finditer(text)]
    assert list(_page_templates())
    assert offending == []
