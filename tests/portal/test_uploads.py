import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.uploads import IMAGE_FORMATS, MB, validate_upload


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_renamed_executable_is_refused():
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00" + b"\x00" * 100,
                              content_type="application/pdf")
    with pytest.raises(ValidationError, match="不是有效的"):
        validate_upload(fake)


def test_real_png_and_pdf_pass():
    assert validate_upload(SimpleUploadedFile("a.bin", png_bytes())) == "png"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert validate_upload(SimpleUploadedFile("a.jpg", pdf)) == "pdf"


def test_truncated_image_and_pdf_are_refused():
    with pytest.raises(ValidationError, match="图片已损坏"):
        validate_upload(SimpleUploadedFile("a.png", png_bytes()[:30]))
    with pytest.raises(ValidationError, match="不完整"):
        validate_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.4\nnothing more"))


def test_size_limit_is_stated():
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * (3 * MB))
    with pytest.raises(ValidationError, match="超过上限 2 MB"):
        validate_upload(big, formats=IMAGE_FORMATS, max_bytes=2 * MB)


def test_pdf_not_allowed_where_only_images_are():
    pdf = b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(ValidationError, match="JPEG、PNG"):
        validate_upload(SimpleUploadedFile("a.pdf", pdf), formats=IMAGE_FORMATS)


def png_declaring(width, height):
    """A tiny PNG whose header declares width×height pixels (8-bit grey), with a compressed
    stream of zero rows cut short: cheap to make, huge if anyone decoded it."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = zlib.compress(b"\x00" * (width + 1) * 64, 9)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [30000, 13000])
def test_images_over_the_pixel_limit_are_refused_from_the_header(side):
    import time
    import tracemalloc

    upload = SimpleUploadedFile("bomb.png", png_declaring(side, side))
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="超过上限 40 百万像素"):
        validate_upload(upload, formats=IMAGE_FORMATS)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1 and peak < 50 * MB


def test_process_image_refuses_too_many_pixels_before_decoding():
    from portal.images import process_image

    with pytest.raises(ValidationError, match="超过上限"):
        process_image(png_declaring(13000, 13000))


def test_the_pixel_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_PIXELS = 60
    with pytest.raises(ValidationError, match="8×8 像素，超过上限 6e-05 百万像素"):
        validate_upload(SimpleUploadedFile("a.png", png_bytes()))


def test_any_pillow_failure_is_a_chinese_form_error():
    broken = png_declaring(10, 10).replace(b"IHDR", b"IHDX")
    with pytest.raises(ValidationError, match="图片已损坏"):
        validate_upload(SimpleUploadedFile("a.png", broken))
