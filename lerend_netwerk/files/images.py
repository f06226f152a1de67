"""Uploaded images: re-encoded without their metadata, and a thumbnail.

A photo from a phone carries EXIF (camera, time, often the GPS position), XMP and text
chunks. The platform never stores the original: the image is decoded, turned upright
(the EXIF orientation applied), and encoded anew with only its pixels, its colour
profile and, for GIF and WebP, its frames and their timing. The thumbnail is made from
the same pixels. Pillow's decompression-bomb limit is set explicitly, and the size in
pixels is checked from the header before anything is decoded.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 88
# Pillow's own guard (a warning beyond it, an error beyond twice it), for every image the
# platform opens; uploads are held to FILES_MAX_IMAGE_PIXELS before decoding.
Image.MAX_IMAGE_PIXELS = 100_000_000

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# What a re-encoded image keeps of the original's info: nothing about who, where or when.
_KEEP = ("transparency", "duration", "loop", "background")


class UnreadableImage(ValueError):
    pass


class TooManyPixels(ValueError):
    def __init__(self, pixels: int | None) -> None:
        super().__init__(f"{pixels} pixels")
        self.pixels = pixels


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mimetype: str
    width: int
    height: int
    thumbnail: bytes


def clean_image(data: bytes, max_pixels: int) -> CleanImage:
    """The image without metadata (encoded anew, unless it has none), with its thumbnail."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in _FORMATS:
                    raise UnreadableImage(image.format)
                width, height = image.size
                if width * height > max_pixels:
                    raise TooManyPixels(width * height)
                if _already_clean(image):
                    return _as_it_is(image, data)
                return _reencode(image)
        except (TooManyPixels, UnreadableImage):
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            # Pillow's own limit, met before the header could be read by us.
            found = re.search(r"\((\d+) pixels\)", str(error))
            raise TooManyPixels(int(found.group(1)) if found else None) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise UnreadableImage(str(error)) from error


# What an image may carry and still be stored as it is: how it is encoded and shown,
# nothing about who, where or when.
_HARMLESS = frozenset(
    {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "icc_profile",
        "adobe",
        "adobe_transform",
        "progressive",
        "progression",
        "transparency",
        "gamma",
        "srgb",
        "background",
        "aspect",
        "version",
        "loop",
        "duration",
    }
)
# The JPEG application segments of the JFIF header, a colour profile and Adobe's colour
# transform; any other one (EXIF, XMP, Photoshop, …) means encoding anew.
_HARMLESS_SEGMENTS = (("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe"))


def _already_clean(image: Image.Image) -> bool:
    """A still image without metadata (an exported stored image, a drawn picture). Stored
    as it is, it stays the same byte for byte, where encoding it anew loses quality each
    time (JPEG) and changes its checksum (a content import of an export would otherwise
    see a new version of every photo)."""
    if getattr(image, "n_frames", 1) != 1 or len(image.getexif()):
        return False
    if not set(image.info) <= _HARMLESS:
        return False
    return all(
        any(marker == name and data.startswith(prefix) for name, prefix in _HARMLESS_SEGMENTS)
        for marker, data in getattr(image, "applist", [])
    )


def _as_it_is(image: Image.Image, data: bytes) -> CleanImage:
    image.load()
    return CleanImage(
        data=data,
        mimetype=_FORMATS[image.format],
        width=image.width,
        height=image.height,
        thumbnail=_thumbnail(image, transparent="transparency" in image.info),
    )


def _reencode(image: Image.Image) -> CleanImage:
    fmt = image.format or "PNG"
    frames = getattr(image, "n_frames", 1)
    icc = image.info.get("icc_profile")
    keep = {key: image.info[key] for key in _KEEP if key in image.info}
    if frames > 1 and fmt in ("GIF", "WEBP"):
        pictures = [frame.copy() for frame in ImageSequence.Iterator(image)]
        durations = [frame.info.get("duration", keep.get("duration", 100)) for frame in pictures]
        for picture in pictures:
            picture.info = {}
        first = pictures[0]
        options = {"save_all": True, "append_images": pictures[1:], "duration": durations}
        options["loop"] = keep.get("loop", 0)
        if fmt == "GIF" and "transparency" in keep:
            options["transparency"] = keep["transparency"]
    else:
        image.load()
        first = ImageOps.exif_transpose(image) or image
        first = first.copy()
        first.info = {}
        options = {}
        if "transparency" in keep and first.mode in ("P", "L", "RGB"):
            options["transparency"] = keep["transparency"]
        if fmt == "JPEG":
            options.update(quality=JPEG_QUALITY, optimize=True)
            if first.mode not in ("RGB", "L", "CMYK"):
                first = first.convert("RGB")
        elif fmt == "WEBP":
            options.update(quality=90)
        elif fmt == "PNG":
            options.update(optimize=False)
    if icc:
        options["icc_profile"] = icc
    out = io.BytesIO()
    first.save(out, format=fmt, **options)
    return CleanImage(
        data=out.getvalue(),
        mimetype=_FORMATS[fmt],
        width=first.width,
        height=first.height,
        thumbnail=_thumbnail(first, transparent="transparency" in keep),
    )


def _thumbnail(image: Image.Image, *, transparent: bool) -> bytes:
    """At most 320 × 320: a JPEG, or a PNG when the image has transparency."""
    picture = image.copy()
    picture.info = {}
    transparent = transparent or picture.mode in ("RGBA", "LA", "PA")
    picture = picture.convert("RGBA" if transparent else "RGB")
    picture.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if transparent:
        picture.save(out, format="PNG", optimize=True)
    else:
        picture.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def thumbnail_mimetype(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
