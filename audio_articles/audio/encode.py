"""PCM -> MP3 through ffmpeg, with tags and ID3 chapters (CTOC + ordered CHAP frames).

ffmpeg's own ID3 writer stores the chapter frames in ascending order with a top-level,
ordered CTOC, which is what players need; the PCM is piped in, so nothing is held whole.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import AudioError, OutputError, missing_tool
from ..model import Chapter, Tags


@dataclass(frozen=True)
class Mp3Settings:
    """Encoder settings; the defaults suit speech and encode fast."""

    bitrate_kbps: int = 64
    channels: int = 1
    quality: int = 7
    """LAME's -q (0 best/slowest … 9 worst/fastest); 7 is about twice as fast as the
    default and indistinguishable on synthetic speech at 64 kbps."""


def ffmpeg() -> str:
    """Path of the ffmpeg program, or a clear error saying how to install it."""
    path = shutil.which("ffmpeg")
    if not path:
        raise missing_tool("ffmpeg")
    return path


def _escape(value: str) -> str:
    """Escape a value for ffmpeg's FFMETADATA format."""
    for char in "\\=;#\n":
        value = value.replace(char, "\\" + char)
    return value


def ffmetadata(tags: Tags, chapters: Iterable[Chapter]) -> str:
    """Tags and chapters in ffmpeg's FFMETADATA1 format."""
    lines = [";FFMETADATA1"]
    fields = {
        "title": tags.title,
        "artist": tags.artist,
        "album": tags.album,
        "date": tags.date,
        "comment": tags.comment,
        "language": tags.language,
        **tags.extra,
    }
    lines += [f"{key}={_escape(value)}" for key, value in fields.items() if value]
    for chapter in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={chapter.start_ms}",
            f"END={chapter.end_ms}",
            f"title={_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def encode_mp3(
    pcm: Iterable[bytes],
    sample_rate: int,
    output: Path,
    tags: Tags,
    chapters: Iterable[Chapter],
    settings: Mp3Settings = Mp3Settings(),
) -> None:
    """Encode mono 16-bit PCM chunks into ``output`` (which should be a temporary path)."""
    with tempfile.NamedTemporaryFile("w", suffix=".ffmeta", encoding="utf-8", delete=False) as meta:
        meta.write(ffmetadata(tags, chapters))
    command = [
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
        "-i", meta.name, "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
        "-ac", str(settings.channels),
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        "-compression_level", str(settings.quality),
        "-id3v2_version", "3", "-f", "mp3", str(output),
    ]  # fmt: skip
    try:
        with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            try:
                for chunk in pcm:
                    process.stdin.write(chunk)
                process.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early; its stderr says why
            stderr = process.stderr.read().decode("utf-8", "replace")
            code = process.wait()
    finally:
        Path(meta.name).unlink(missing_ok=True)
    if code != 0:
        if "No space left" in stderr:
            raise OutputError(f"disk full while writing {output.name}; free some space and run again")
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {code}"
        raise AudioError(f"ffmpeg failed to encode the MP3: {last}")
