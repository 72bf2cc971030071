"""portal.pdf renders inline images but refuses to read files or the network."""

import base64
import io

import pytest
from django.template import engines
from PIL import Image

from portal import pdf


@pytest.fixture
def template(monkeypatch):
    source = engines["django"].from_string(
        '<html><body><p>测试</p><img src="{{ src }}" alt="图"></body></html>')
    monkeypatch.setattr(pdf, "render_to_string", lambda name, ctx: source.render(ctx))


def png_data_uri():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_data_uri_images_render(template):
    assert pdf.render_pdf("any", {"src": png_data_uri()}).startswith(b"%PDF")


@pytest.mark.parametrize("src", ["file:///etc/passwd", "http://example.invalid/x.png"])
def test_file_and_network_urls_stop_the_rendering(template, src):
    with pytest.raises(ValueError, match="不允许的外部资源"):
        pdf.render_pdf("any", {"src": src})
