"""portal/images.py: photos come out upright, without any metadata (GPS included), at most
1920 px, with a 320 px JPEG thumbnail."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from portal.images import process_image

GPS = ExifTags.IFD.GPSInfo


def jpeg_with_gps(size=(400, 200), orientation=None):
    """A JPEG the way a phone writes it: camera make, GPS position, maybe rotated."""
    image = Image.new("RGB", size, (10, 120, 200))
    image.paste((250, 250, 0), (0, 0, size[0] // 4, size[1] // 4))  # marks the top-left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 15.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (120.0, 5.0, 1.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_fixture_really_carries_gps():
    with Image.open(io.BytesIO(jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_gps_and_all_exif_are_stripped():
    result = process_image(jpeg_with_gps())
    assert result.extension == ".jpg"
    for content in (result.content, result.thumbnail):
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "JPEG"
            assert not image.getexif().get_ifd(GPS)
            assert len(image.getexif()) == 0
            assert "exif" not in image.info and "icc_profile" not in image.info
        assert b"Exif" not in content and b"PhoneMaker" not in content


def test_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera held sideways; the stored pixels are 400x200, shown 200x400.
    result = process_image(jpeg_with_gps((400, 200), orientation=6))
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.size == (200, 400)
        # The marked top-left corner of the sensor ends up top-right once turned upright.
        assert image.getpixel((190, 5))[2] < 100
        assert image.getpixel((5, 5))[2] > 150


def test_large_photo_is_downscaled_and_thumbnailed():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (0, 128, 0)).save(buffer, format="JPEG")
    result = process_image(buffer)
    assert (result.width, result.height) == (1920, 1440)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (320, 240)
    small = process_image(jpeg_with_gps((300, 100)))
    assert (small.width, small.height) == (300, 100)  # never enlarged


def test_png_stays_png_and_loses_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "30.25N 120.08E")
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 40), (255, 0, 0, 128)).save(buffer, format="PNG", pnginfo=info)
    result = process_image(buffer.getvalue())
    assert result.extension == ".png"
    assert b"Location" not in result.content
    with Image.open(io.BytesIO(result.content)) as image:
        assert image.mode == "RGBA" and not image.text
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.mode == "RGB"


def test_garbage_is_refused_in_chinese():
    with pytest.raises(ValidationError, match="图片已损坏或无法识别"):
        process_image(b"\xff\xd8\xff" + b"not really a jpeg" * 10)
