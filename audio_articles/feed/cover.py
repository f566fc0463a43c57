"""The podcast's cover image: the user's PNG or JPEG copied into the feed folder, or a
generated square showing the feed's title (drawn with Pillow), so the feed has the image
Apple Podcasts requires and a listener can tell it from the others in their library."""

from __future__ import annotations

import logging
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..files import atomic_output

log = logging.getLogger(__name__)

MIN_SIDE, MAX_SIDE = 1400, 3000
"""Apple Podcasts accepts square covers from 1400 to 3000 pixels a side."""
LIMIT_SIDE = 10_000
"""Largest side read at all: a "PNG bomb" declares 100,000 px a side in a few kilobytes,
and ffmpeg (or a podcast app) would decode gigabytes from it."""
COVER_MAX_BYTES = 20 * 1024 * 1024
"""Largest cover file read (Apple asks for under 512 KB)."""
DEFAULT_COVER = "cover.png"
DEFAULT_COLOUR = (29, 78, 137)


def image_kind(data: bytes) -> str | None:
    """"png" or "jpg" from the file's first bytes, else None.

    >>> image_kind(b"\\x89PNG\\r\\n\\x1a\\n...."), image_kind(b"\\xff\\xd8\\xff\\xe0"), image_kind(b"GIF89a")
    ('png', 'jpg', None)
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (from IHDR) or JPEG (from its SOF marker), else None."""
    kind = image_kind(data)
    if kind == "png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if kind == "jpg":
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                pos += 2
                continue
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return width, height
            pos += 2 + length
    return None


def check_image(data: bytes, name: str) -> str:
    """"png" or "jpg" when ``data`` is a whole PNG or JPEG of a sane size; else an
    InputError naming what is wrong (checked before any rendering, so a bad cover never
    fails a run at its end).

    A PNG must have its IHDR first, image data and its IEND, every chunk whole; a JPEG
    its start marker, a frame header (size) and image data. Either is refused above
    ``LIMIT_SIDE`` pixels a side (a decompression bomb), or at zero.

    >>> check_image(solid_png(4, (0, 0, 0)), "x")
    'png'
    >>> check_image(b"\\x89PNG\\r\\n\\x1a\\n", "cover.png")
    Traceback (most recent call last):
    ...
    audio_articles.errors.InputError: cover.png is not a whole PNG image (it ends before its IHDR header); give a .jpg or .png file that opens
    """
    kind = image_kind(data)
    if kind is None:
        raise InputError(f"{name} is not a JPEG or PNG image; give a .jpg or .png file")
    problem = _png_problem(data) if kind == "png" else _jpeg_problem(data)
    label = kind.upper().replace("JPG", "JPEG")
    if problem:
        raise InputError(f"{name} is not a whole {label} image ({problem}); give a .jpg or .png file that opens")
    width, height = image_size(data) or (0, 0)
    if not (0 < width <= LIMIT_SIDE and 0 < height <= LIMIT_SIDE):
        raise InputError(
            f"{name} is {width}×{height} px; covers over {LIMIT_SIDE} px a side (or empty) are refused"
            f" — Apple Podcasts wants a square of {MIN_SIDE} to {MAX_SIDE} px"
        )
    return kind


def _png_problem(data: bytes) -> str | None:
    position, seen = 8, []
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            return f"its {kind.decode('latin-1')!r} chunk is cut short"
        if not seen and kind != b"IHDR":
            return "it does not start with its IHDR header"
        seen.append(kind)
        if kind == b"IEND":
            break
        position = end
    if not seen:
        return "it ends before its IHDR header"
    if b"IDAT" not in seen:
        return "it holds no image data"
    if seen[-1] != b"IEND":
        return "it is cut short before its end"
    return None


def _jpeg_problem(data: bytes) -> str | None:
    if image_size(data) is None:
        return "no frame header"
    if b"\xff\xda" not in data:
        return "no image data"
    return None


@dataclass(frozen=True)
class CoverImage:
    """A checked cover image, ready to copy into the feed folder."""

    data: bytes
    kind: str
    """"png" or "jpg"."""

    @property
    def name(self) -> str:
        return f"cover.{self.kind}"


def read_cover(image: Path) -> CoverImage:
    """The cover's bytes; an InputError unless it is a PNG or JPEG, a warning if its size is off."""
    from ..files import read_bounded

    data = read_bounded(image, COVER_MAX_BYTES, what=f"--image {image}", hint="give a smaller image")
    if image_kind(data) is None:
        raise InputError(f"--image {image} is not a PNG or JPEG; podcast apps accept only those")
    kind = check_image(data, f"--image {image}")
    size = image_size(data)
    if size is None or size[0] != size[1] or not MIN_SIDE <= size[0] <= MAX_SIDE:
        shown = f"{size[0]}×{size[1]} px" if size else "of unknown size"
        log.warning(
            "cover %s is %s; Apple Podcasts wants a square of %d to %d px", image, shown, MIN_SIDE, MAX_SIDE
        )
    return CoverImage(data, kind)


def install_cover(cover: CoverImage, folder: Path) -> str:
    """Copy the cover into the feed folder (when it differs); returns its file name there."""
    target = folder / cover.name
    if not target.exists() or target.read_bytes() != cover.data:
        with atomic_output(target) as temp:
            temp.write_bytes(cover.data)
    return cover.name


def solid_png(side: int, colour: tuple[int, int, int]) -> bytes:
    """A square PNG of one colour (RGB, 8 bits per channel)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes(colour) * side
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(row * side, 9)), chunk(b"IEND", b"")]
    )


GENERATED_COVER = "title-cover.png"
TITLE_MARGIN = 0.09
"""Space around the title, as a share of the side."""


def title_cover_png(title: str, side: int = MIN_SIDE, colour: tuple[int, int, int] = DEFAULT_COLOUR) -> bytes:
    """A square cover with ``title`` in large white letters, wrapped and centred, and a
    band of a lighter shade below it."""
    import io
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (side, side), colour)
    draw = ImageDraw.Draw(image)
    lighter = tuple(min(255, int(c + (255 - c) * 0.35)) for c in colour)
    draw.rectangle((0, int(side * 0.86), side, int(side * 0.88)), fill=lighter)
    width = side * (1 - 2 * TITLE_MARGIN)
    words = " ".join(title.split())
    for size in range(side // 7, side // 40, -side // 100):
        font = ImageFont.load_default(size=size)
        columns = max(4, int(width / (size * 0.55)))
        lines = textwrap.wrap(words, columns, break_long_words=True) or [""]
        if len(lines) * size * 1.2 <= side * 0.7 and all(draw.textlength(line, font=font) <= width for line in lines):
            break
    block = len(lines) * size * 1.2
    top = (side * 0.86 - block) / 2
    for n, line in enumerate(lines):
        draw.text((side / 2, top + n * size * 1.2), line, font=font, fill=(255, 255, 255), anchor="ma")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def default_cover(folder: Path, title: str, current: str | None = None) -> str:
    """The cover of a feed created without --image: ``current`` when the user gave one,
    else the title cover (written again when the title changes). A plain square written
    by earlier versions is replaced too."""
    if current and current != GENERATED_COVER:
        old = folder / current
        if not (current == DEFAULT_COVER and old.is_file() and old.read_bytes() == solid_png(MIN_SIDE, DEFAULT_COLOUR)):
            return current
        old.unlink()
    data = title_cover_png(title)
    target = folder / GENERATED_COVER
    if not target.exists() or target.read_bytes() != data:
        with atomic_output(target) as temp:
            temp.write_bytes(data)
    return GENERATED_COVER
