"""Validate uploaded files by their content, never by their name or declared type.

One place for the rule, used by every upload field (agreement scans, claim evidence, meeting
minutes, activity photos): the first bytes must match an allowed format, the size must stay
under the limit, and images must declare at most UPLOAD_MAX_PIXELS in their header — read
before any pixel is decoded, so a small file that would expand to gigabytes is refused at once —
and then verify with Pillow. Every Pillow error becomes a Chinese form error.
"""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

MB = 1024 * 1024
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}
DOCUMENT_FORMATS = ("pdf", "jpeg", "png")
IMAGE_FORMATS = ("jpeg", "png")


def sniff_format(head: bytes) -> str | None:
    for name, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return name
    return None


def validate_upload(upload, *, formats=DOCUMENT_FORMATS, max_bytes=10 * MB) -> str:
    """Return the detected format of `upload`, or raise ValidationError in Chinese."""
    allowed = "、".join(LABELS[f] for f in formats)
    if upload is None or not upload.size:
        raise ValidationError("请选择要上传的文件。")
    if upload.size > max_bytes:
        raise ValidationError(
            f"文件大小为 {upload.size / MB:.1f} MB，超过上限 {max_bytes // MB} MB。")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = sniff_format(head)
    if detected not in formats:
        raise ValidationError(f"文件内容不是有效的 {allowed} 文件，请检查后重新上传。")
    if detected in IMAGE_FORMATS:
        try:
            _verify_image(upload)
        finally:
            upload.seek(0)
    elif detected == "pdf":
        upload.seek(max(upload.size - 2048, 0))
        tail = upload.read()
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise ValidationError("PDF 文件不完整或已损坏，请重新上传。")
    return detected


def max_pixels() -> int:
    return settings.UPLOAD_MAX_PIXELS


def pixel_problem(width: int, height: int) -> str:
    """The Chinese refusal for an image whose header declares too many pixels, else ""."""
    limit = max_pixels()
    if width * height <= limit:
        return ""
    return (f"图片尺寸为 {width}×{height} 像素，超过上限 {limit / 1_000_000:g} 百万像素，"
            "请缩小后重新上传。")


def too_many_pixels_message() -> str:
    return f"图片像素过多，超过上限 {max_pixels() / 1_000_000:g} 百万像素，请缩小后重新上传。"


def _verify_image(upload):
    """Header first (no decoding), then Pillow's structural check; any Pillow error is a
    refusal in Chinese, never a server error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:  # reads the header only
                problem = pixel_problem(*image.size)
                if problem:
                    raise ValidationError(problem, code="too_many_pixels")
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(too_many_pixels_message(), code="too_many_pixels") from exc
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, struct.error …)
        raise ValidationError("图片已损坏或无法识别，请重新上传。", code="bad_image") from exc


def safe_name(detected_format: str, stem: str = "upload") -> str:
    """A storage name with the extension of the detected content (never the user's)."""
    return f"{stem}{EXTENSIONS[detected_format]}"
