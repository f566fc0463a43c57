"""Sizes and times written for people, and read back from them: one form each."""

from __future__ import annotations

import re

from .errors import InputError

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes from a size such as "20MB", "512k", "1.5GiB" or "1000000" (binary units).

    >>> parse_size("20MB"), parse_size("512k"), parse_size("1000"), parse_size("2 GiB")
    (20971520, 524288, 1000, 2147483648)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if not match:
        raise InputError(f"size {text!r} is not understood; write it like 20MB, 512k or 1000000")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def format_size(size: int) -> str:
    """A byte count for people (binary units, as ``parse_size`` reads them).

    >>> format_size(52), format_size(12_345), format_size(31_200_000), format_size(2 * 1024**3)
    ('52 bytes', '12.1 KiB', '29.8 MiB', '2.0 GiB')
    """
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def clock(ms: int) -> str:
    """A time as HH:MM:SS.mmm (WebVTT cues, Podlove chapter starts, Ogg chapter comments).

    >>> clock(67250), clock(3_725_691), clock(36_000_001)
    ('00:01:07.250', '01:02:05.691', '10:00:00.001')
    """
    hours, rest = divmod(max(ms, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def short_clock(ms: int) -> str:
    """A time as M:SS, or H:MM:SS past an hour (progress, chapter starts on the page).

    >>> short_clock(67_250), short_clock(750_000), short_clock(3_725_000)
    ('1:07', '12:30', '1:02:05')
    """
    hours, rest = divmod(max(ms, 0) // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
