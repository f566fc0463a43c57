"""PCM -> MP3 (or M4B/M4A, WAV, Ogg/Opus) through ffmpeg, with tags, cover art and chapters.

ffmpeg's own ID3 writer stores the chapter frames in ascending order with a top-level,
ordered CTOC, which is what players need; in MP4 it writes a chapter track, in Ogg
CHAPTERxxx comments. The PCM is piped in, so nothing is held whole. ``ffmetadata`` is the
one place tags and chapters are written, for every encode path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import AudioError, OutputError, missing_tool
from ..model import Chapter, Tags
from ..units import clock
from .formats import MP3, NATIVE_RATE, AudioFormat, TagStyle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncodeSettings:
    """Encoder settings; the defaults suit speech and encode fast."""

    bitrate_kbps: int = 64
    channels: int = 1
    quality: int = 7
    """LAME's -q (0 best/slowest … 9 worst/fastest); 7 is about twice as fast as the
    default and indistinguishable on synthetic speech at 64 kbps."""
    sample_rate: int = NATIVE_RATE
    """Output rate in Hz; 0 keeps the engine's (22 050 Hz for espeak-ng)."""
    id3v2_version: int = 3
    """ID3v2.3 is read by every player; 4 writes ID3v2.4."""


Mp3Settings = EncodeSettings
"""The name the MP3-only encoder used; the settings now serve every format."""


PIPE_QUEUE_PACKETS = 512
"""Packets ffmpeg may queue from the PCM pipe (64 KB each, 32 MB at most). With a second
input (the tags), ffmpeg reads each input in a thread of its own, and with its default
queue of 8 it slept 10 ms again and again: an hour to WAV took 54 s instead of 1 s."""


def ffmpeg() -> str:
    """Path of the ffmpeg program, or a clear error saying how to install it."""
    path = shutil.which("ffmpeg")
    if not path:
        raise missing_tool("ffmpeg")
    return path


def _escape(value: str) -> str:
    """Escape a value for ffmpeg's FFMETADATA format.

    >>> _escape("a=b; c#d")
    'a\\\\=b\\\\; c\\\\#d'
    """
    for char in "\\=;#\n":
        value = value.replace(char, "\\" + char)
    return value


ISO_639_2 = {
    "ar": "ara", "bg": "bul", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell",
    "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin", "fr": "fra",
    "ga": "gle", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hrv", "hu": "hun", "id": "ind", "is": "isl",
    "it": "ita", "ja": "jpn", "ko": "kor", "la": "lat", "lt": "lit", "lv": "lav", "nb": "nob", "nl": "nld",
    "nn": "nno", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv",
    "sr": "srp", "sv": "swe", "sw": "swa", "th": "tha", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "zho",
}  # fmt: skip
"""ISO 639-1 → ISO 639-2 (what ID3's TLAN and COMM hold) for the languages voices exist for."""


def iso639_2(language: str | None) -> str | None:
    """A language tag as ID3 wants it: three letters ("und" when unknown).

    >>> iso639_2("en-GB"), iso639_2("fr"), iso639_2("ger"), iso639_2("xx"), iso639_2(None)
    ('eng', 'fra', 'ger', 'und', None)
    """
    if not language:
        return None
    base = language.split("-")[0].split("_")[0].lower()
    return base if len(base) == 3 and base.isalpha() else ISO_639_2.get(base, "und")


def tag_fields(tags: Tags, fmt: AudioFormat = MP3) -> dict[str, str]:
    """Tag names and values as ffmpeg's muxer for ``fmt`` maps them to its own frames.

    >>> tag_fields(Tags("T", artist="A", description="D", length_ms=1500, language="en", genre="Podcast"))
    {'title': 'T', 'artist': 'A', 'language': 'eng', 'genre': 'Podcast', 'TLEN': '1500'}
    >>> from audio_articles.audio.formats import M4B
    >>> tag_fields(Tags("T", description="D"), M4B)
    {'title': 'T', 'comment': 'D', 'description': 'D'}

    The MP3's comment becomes a COMM frame, and its URL a WOAS frame, in ``finish_id3``.
    """
    fields: dict[str, str | None] = {
        "title": tags.title,
        "artist": tags.artist,
        "album_artist": tags.artist if tags.album else None,
        "album": tags.album,
        "date": tags.date,
        "comment": tags.comment or tags.description,
        "language": iso639_2(tags.language),
        "genre": tags.genre,
    }
    if fmt.tags == TagStyle.ID3:
        # ID3 has no description frame that players show; the comment (a COMM frame,
        # which ffmpeg cannot write: ``id3_frames``) carries it.
        # TLEN is written as its own frame because the name is a valid ID3 frame id.
        fields["comment"] = None
        fields["TLEN"] = str(tags.length_ms) if tags.length_ms else None
    else:
        fields["description"] = tags.description
    fields.update(tags.extra)
    return {key: value for key, value in fields.items() if value}


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _id3_text(text: str, version: int) -> tuple[bytes, bytes, bytes]:
    """(encoding byte, encoded text, terminator): UTF-8 in ID3v2.4, UTF-16 in v2.3."""
    return (b"\x03", text.encode("utf-8"), b"\0") if version == 4 else (b"\x01", text.encode("utf-16"), b"\0\0")


def id3_frames(tags: Tags, version: int = 3) -> bytes:
    """The frames ffmpeg's ID3 writer cannot make: the comment as COMM (ffmpeg writes
    TXXX:comment, which players do not show) and the article's address as WOAS.

    >>> id3_frames(Tags("T", url="https://example.org/a"), 4)
    b'WOAS\\x00\\x00\\x00\\x15\\x00\\x00https://example.org/a'
    """
    frames = []
    comment = tags.comment or tags.description
    if comment:
        encoding, text, end = _id3_text(comment, version)
        empty = _id3_text("", version)[1]
        lang = (iso639_2(tags.language) or "und").encode("latin-1")
        frames.append((b"COMM", encoding + lang + empty + end + text))
    if tags.url:
        frames.append((b"WOAS", tags.url.encode("latin-1", "replace")))
    size = _syncsafe if version == 4 else (lambda n: n.to_bytes(4, "big"))
    return b"".join(name + size(len(data)) + b"\0\0" + data for name, data in frames)


def finish_id3(path: Path, tags: Tags) -> None:
    """Add ``id3_frames`` to the ID3v2 tag ffmpeg wrote at the start of ``path`` (a
    temporary file): the frames go first, ffmpeg's (its ordered chapters) stay as written."""
    with open(path, "rb") as source:
        header = source.read(10)
        if header[:3] != b"ID3" or header[3] not in (3, 4) or header[5] & 0x80:
            log.warning("%s has no ID3v2.3/2.4 tag ffmpeg would write; comment and URL left out", path.name)
            return
        extra = id3_frames(tags, header[3])
        if not extra:
            return
        size = sum((byte & 0x7F) << shift for byte, shift in zip(header[6:10], (21, 14, 7, 0)))
        rewritten = path.with_name(path.name + ".id3")
        with open(rewritten, "wb") as target:
            target.write(header[:6] + _syncsafe(size + len(extra)) + extra)
            shutil.copyfileobj(source, target, 1 << 20)
    os.replace(rewritten, path)


def ffmetadata(tags: Tags, chapters: Iterable[Chapter], fmt: AudioFormat = MP3) -> str:
    """Tags and chapters in ffmpeg's FFMETADATA1 format."""
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in tag_fields(tags, fmt).items()]
    if fmt.tags == TagStyle.VORBIS:
        # Ogg chapters are CHAPTERxxx comments; written here because ffmpeg 5's own
        # writer rounds the seconds (1.691 s comes out as 00:00:02.691).
        for n, chapter in enumerate(chapters):
            lines += [f"CHAPTER{n:03d}={clock(chapter.start_ms)}", f"CHAPTER{n:03d}NAME={_escape(chapter.title)}"]
        return "\n".join(lines) + "\n"
    for chapter in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={chapter.start_ms}",
            f"END={chapter.end_ms}",
            f"title={_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def cover_kind(path: Path) -> str:
    """"jpeg" or "png" once the whole image is checked (``feed.cover.check_image``): a
    clear error for anything else, before any speech is rendered."""
    from ..feed.cover import COVER_MAX_BYTES, check_image
    from ..files import read_bounded

    data = read_bounded(path, COVER_MAX_BYTES, what=f"cover {path}", hint="give a smaller image")
    kind = check_image(data, f"cover {path}")
    return "jpeg" if kind == "jpg" else kind


def _codec_args(fmt: AudioFormat, settings: EncodeSettings) -> list[str]:
    args = ["-c:a", fmt.codec, *fmt.codec_args]
    if fmt.lossy:
        args += ["-b:a", f"{settings.bitrate_kbps * (settings.channels if fmt.bitrate_per_channel else 1)}k"]
    if fmt.quality_option:
        args += [fmt.quality_option, str(settings.quality)]
    return args


def _cover_args(tags: Tags, fmt: AudioFormat, input_index: int) -> tuple[list[str], list[str]]:
    """(input args, output args) that attach the cover, or nothing."""
    if tags.cover is None:
        return [], []
    cover_kind(tags.cover)
    if not fmt.cover:
        log.warning("%s files cannot hold cover art; %s is not embedded", fmt.name, tags.cover.name)
        return [], []
    outputs = ["-map", f"{input_index}:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
    if fmt.tags == TagStyle.ID3:
        outputs += ["-metadata:s:v", "title=Cover", "-metadata:s:v", "comment=Cover (front)"]
    return ["-i", str(tags.cover)], outputs


def encode_command(
    sample_rate: int,
    output: Path,
    tags: Tags,
    metadata_file: Path,
    fmt: AudioFormat = MP3,
    settings: EncodeSettings = EncodeSettings(),
    filters: Sequence[str] = (),
) -> list[str]:
    """The ffmpeg command that reads mono 16-bit PCM on stdin and writes ``output``."""
    cover_in, cover_out = _cover_args(tags, fmt, 2)
    out_rate = fmt.fixed_rate or settings.sample_rate or sample_rate
    command = [
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-thread_queue_size", str(PIPE_QUEUE_PACKETS), "-i", "pipe:0",
        "-i", str(metadata_file), *cover_in,
        "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1" if fmt.chapters else "-1",
        *cover_out,
    ]  # fmt: skip
    if settings.channels == 2:
        # The same signal at full level on both sides (ffmpeg's own upmix is 3 dB down).
        filters = [*filters, "pan=stereo|c0=c0|c1=c0"]
    if filters:
        command += ["-af", ",".join(filters)]
    command += ["-ac", str(settings.channels), "-ar", str(out_rate), *_codec_args(fmt, settings)]
    if fmt.tags == TagStyle.ID3:
        command += ["-id3v2_version", str(settings.id3v2_version)]
    return [*command, "-f", fmt.muxer, str(output)]


def encode_audio(
    pcm: Iterable[bytes],
    sample_rate: int,
    output: Path,
    tags: Tags,
    chapters: Iterable[Chapter],
    settings: EncodeSettings = EncodeSettings(),
    fmt: AudioFormat = MP3,
    filters: Sequence[str] = (),
    on_chunk: Callable[[int], None] | None = None,
) -> None:
    """Encode mono 16-bit PCM chunks into ``output`` (which should be a temporary path),
    through the ffmpeg audio ``filters`` (the loudness plan's); ``on_chunk`` hears how many
    samples each chunk handed to ffmpeg held."""
    with tempfile.NamedTemporaryFile("w", suffix=".ffmeta", encoding="utf-8", delete=False) as meta:
        meta.write(ffmetadata(tags, chapters, fmt))
    try:
        command = encode_command(sample_rate, output, tags, Path(meta.name), fmt, settings, filters)
        run_ffmpeg(command, pcm, f"the {fmt.name.upper()}", on_chunk)
    finally:
        Path(meta.name).unlink(missing_ok=True)


def child_session() -> dict:
    """``Popen`` options for a helper program (ffmpeg): where this process ignores SIGINT
    (a script's background job), the helper runs in a session of its own, so a SIGINT sent
    to our process group does not stop it either (ffmpeg sets its own SIGINT handler,
    whatever it inherits). Otherwise it shares our group and stops with us on Ctrl-C."""
    return {"start_new_session": True} if signal.getsignal(signal.SIGINT) is signal.SIG_IGN else {}


def run_ffmpeg(
    command: list[str], chunks: Iterable[bytes], what: str, on_chunk: Callable[[int], None] | None = None
) -> None:
    """Run ffmpeg feeding ``chunks`` (16-bit PCM) on stdin; a clear error when it fails.

    ``what`` names the output for people ("the MP3"), never by its temporary file name;
    ``on_chunk`` hears how many samples each chunk held, for progress.
    """
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, **child_session()) as process:
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
                if on_chunk:
                    on_chunk(len(chunk) // 2)
            process.stdin.close()
        except BrokenPipeError:
            # ffmpeg stopped early; its stderr says why. What is still buffered for it
            # would fail again when the pipe is closed on the way out: dropped here.
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        stderr = process.stderr.read().decode("utf-8", "replace")
        code = process.wait()
    # ffmpeg may exit 0 after failing to write a container's trailer (MP4's index, on a
    # full disk), leaving a file no player opens: its messages are checked too.
    failed = code != 0 or any(mark in stderr for mark in WRITE_FAILURES)
    if failed:
        if "No space left" in stderr or _disk_full(command[-1]):
            raise OutputError(f"disk full while writing {what}; free some space and run again")
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {code}"
        raise AudioError(f"ffmpeg failed to encode {what}: {last}")


WRITE_FAILURES = ("No space left", "Error writing trailer", "Error closing file")
"""ffmpeg messages that mean the output is incomplete, whatever its exit code."""


def _disk_full(output: str) -> bool:
    """Whether the folder of ffmpeg's output has (almost) no room left: ffmpeg may report
    a full disk only as a broken pipe between its stages."""
    if output.startswith("pipe:") or output == "-":
        return False
    try:
        info = os.statvfs(Path(output).parent)
    except (OSError, AttributeError):
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024
