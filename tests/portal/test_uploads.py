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
