"""Photos as the portal stores them: upright, without metadata, bounded in size.

A phone photo carries its orientation and often the GPS position where it was taken in EXIF;
we apply the orientation to the pixels and drop every metadata block (EXIF, XMP, ICC, PNG text)
by re-encoding into a fresh image, downscale to at most MAX_SIDE pixels and make a small JPEG
thumbnail for galleries. Call it after `portal.uploads.validate_upload` has accepted the file.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

from portal.uploads import pixel_problem, too_many_pixels_message

MAX_SIDE = 1920
THUMB_SIDE = 320
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedImage:
    """The re-encoded image and its thumbnail, both free of metadata."""

    content: bytes
    extension: str  # ".jpg" or ".png", from the re-encoded content
    width: int
    height: int
    thumbnail: bytes  # always JPEG


def _flatten(image, mode="RGB"):
    """Pixels only, on a white background when there is transparency."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background if mode == "RGB" else background.convert(mode)
    return image.convert(mode)


def _bare_copy(image):
    """A new image holding only the pixels: no info dict, no EXIF, no ICC profile."""
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    return bare


def _jpeg_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def process_image(source, *, max_side=MAX_SIDE, thumb_side=THUMB_SIDE) -> ProcessedImage:
    """Open `source` (a file-like object or bytes), return it upright, stripped, downscaled to
    `max_side` and with a `thumb_side` JPEG thumbnail. Raises ValidationError in Chinese."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        with Image.open(source) as opened:
            problem = pixel_problem(*opened.size)  # from the header, before decoding
            if problem:
                raise ValidationError(problem, code="too_many_pixels")
            is_png = opened.format == "PNG"
            if opened.format == "JPEG":
                opened.draft("RGB", (max_side, max_side))  # decode big photos at lower scale
            upright = ImageOps.exif_transpose(opened)
            upright.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(too_many_pixels_message(), code="too_many_pixels") from exc
    except Exception as exc:  # every Pillow failure is a form error, never a server error
        raise ValidationError("图片已损坏或无法识别，请重新上传。", code="bad_image") from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)

    if is_png:
        keep_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
        pixels = upright.convert("RGBA" if keep_alpha else "RGB")
    else:
        pixels = _flatten(upright)
    pixels = _bare_copy(pixels)
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)

    buffer = io.BytesIO()
    if is_png:
        pixels.save(buffer, format="PNG", optimize=True)
        extension = ".png"
    else:
        pixels.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = ".jpg"

    thumb = _flatten(pixels)
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return ProcessedImage(content=buffer.getvalue(), extension=extension, width=pixels.width,
                          height=pixels.height, thumbnail=_jpeg_bytes(thumb))
