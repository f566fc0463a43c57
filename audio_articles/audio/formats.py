"""Output formats: what each container and codec can carry, chosen by extension or name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ..errors import InputError

NATIVE_RATE = 0
"""``sample_rate`` value meaning "keep the engine's rate"."""
SAMPLE_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
"""Output sample rates offered (44 100 Hz is what podcast directories prefer)."""


class TagStyle(str, Enum):
    """How a container stores tags and chapters, which decides what ffmpeg is given."""

    ID3 = "id3"
    """MP3: ID3v2 frames; the description goes to the comment, the length to TLEN."""
    MP4 = "mp4"
    """MP4/M4B: iTunes atoms and a chapter track."""
    VORBIS = "vorbis"
    """Ogg: Vorbis comments; chapters as CHAPTERxxx comments."""
    NONE = "none"
    """WAV: no chapters or cover."""


@dataclass(frozen=True)
class PartEncoding:
    """How a format is encoded in parts on every core and joined (``audio/parallel.py``)."""

    stream: str
    """ffmpeg's muxer for a part: a bare frame stream that joins by concatenation."""
    suffix: str
    """The part files' extension."""
    priming: int
    """Samples of silence the encoder puts before a part's first input sample."""
    frame: int
    """Samples an encoder frame holds."""
    overhead: int
    """Samples a part decodes to beyond its input when that input fills whole frames."""
    low_rate_frame: int | None = None
    """Samples a frame holds below 32 kHz, where that differs (MPEG-2 layer III)."""
    stream_args: tuple[str, ...] = ()
    """What keeps a part a bare frame stream (no header frame, no tags)."""


@dataclass(frozen=True)
class AudioFormat:
    """One output format and what it can hold."""

    name: str
    """Name for ``--format``."""
    suffixes: tuple[str, ...]
    """File extensions that select it (the first is the usual one)."""
    muxer: str
    """ffmpeg's container (-f)."""
    codec: str
    """ffmpeg's audio encoder (-c:a)."""
    mime: str
    """MIME type, for feeds."""
    chapters: bool
    """Whether the container stores chapters that players list."""
    cover: bool
    """Whether the container stores cover art."""
    lossy: bool = True
    """Whether a bitrate applies."""
    fixed_rate: int | None = None
    """The only sample rate the codec takes (Opus runs at 48 kHz)."""
    max_kbps: int | None = None
    """Highest bitrate per channel the encoder takes (libopus: 256 kbit/s)."""
    limiter_ceiling_dbtp: float = -2.0
    """Peak level the limiter holds before encoding, so that the decoded output stays
    under −1 dBTP despite the codec's overshoot (measured per codec on speech)."""
    tags: TagStyle = TagStyle.MP4
    """How tags and chapters are stored."""
    codec_args: tuple[str, ...] = ()
    """Encoder settings always given (Opus tuned for speech)."""
    bitrate_per_channel: bool = True
    """Whether ``--bitrate`` counts per channel (AAC, Opus) or for the whole stream (LAME)."""
    quality_option: str | None = None
    """The encoder's speed/quality option that ``EncodeSettings.quality`` sets (LAME's)."""
    parts: PartEncoding | None = None
    """How to encode it in parts on every core; None: in one piece."""

    @property
    def extension(self) -> str:
        """The usual file extension, e.g. ".m4b"."""
        return self.suffixes[0]


LAME_PRIMING = 1105
"""Samples of silence before the first input sample when a LAME frame stream is decoded
from its very first sample: 576 of encoder delay plus 529 of decoder delay."""
AAC_PRIMING = 1024
"""Samples of priming ffmpeg's AAC encoder puts before the first input sample. ADTS has no
field for it, so the joined stream keeps it and decoders play it (measured: two parts of
1,102,500 samples decode to exactly their 2 × 1078 frames of 1024 samples)."""
LAME_OVERHEAD = 1152
"""Samples LAME's frames hold beyond a part's input when that input fills whole frames:
``ceil(N / 576) + 2`` frames of 576 (MPEG-2, up to 24 kHz) or ``ceil(N / 1152) + 1`` of
1152 (MPEG-1), measured with ffmpeg 5.1's libmp3lame; the 1105 of priming and 47 more."""
AAC_OVERHEAD = 1024
"""The same for ffmpeg's AAC encoder: ``ceil(N / 1024) + 1`` frames, its priming alone."""
MP3_PARTS = PartEncoding(
    "mp3", ".mp3", LAME_PRIMING, frame=1152, overhead=LAME_OVERHEAD, low_rate_frame=576,
    stream_args=("-write_xing", "0", "-id3v2_version", "0", "-write_id3v1", "0"),
)  # fmt: skip
AAC_PARTS = PartEncoding("adts", ".aac", AAC_PRIMING, frame=1024, overhead=AAC_OVERHEAD)

MP3 = AudioFormat(
    "mp3", (".mp3",), "mp3", "libmp3lame", "audio/mpeg", chapters=True, cover=True, tags=TagStyle.ID3,
    bitrate_per_channel=False, quality_option="-compression_level", parts=MP3_PARTS,
)  # fmt: skip
M4B = AudioFormat(
    "m4b", (".m4b",), "ipod", "aac", "audio/mp4", chapters=True, cover=True, limiter_ceiling_dbtp=-4.0,
    parts=AAC_PARTS,
)  # fmt: skip
M4A = AudioFormat(
    "m4a", (".m4a", ".mp4"), "ipod", "aac", "audio/mp4", chapters=True, cover=True, limiter_ceiling_dbtp=-4.0,
    parts=AAC_PARTS,
)  # fmt: skip
WAV = AudioFormat(
    "wav", (".wav",), "wav", "pcm_s16le", "audio/wav", chapters=False, cover=False, lossy=False,
    limiter_ceiling_dbtp=-1.5, tags=TagStyle.NONE,
)  # fmt: skip
OPUS = AudioFormat(
    "opus", (".opus", ".ogg", ".oga"), "ogg", "libopus", "audio/ogg", chapters=True, cover=False,
    fixed_rate=48000, max_kbps=256, limiter_ceiling_dbtp=-3.0, tags=TagStyle.VORBIS, codec_args=("-application", "voip"),
)  # fmt: skip
FORMATS: dict[str, AudioFormat] = {f.name: f for f in (MP3, M4B, M4A, WAV, OPUS)}


def format_named(name: str) -> AudioFormat:
    """The format for a ``--format`` value.

    >>> format_named("M4B").muxer
    'ipod'
    """
    found = FORMATS.get(name.strip().lower().lstrip("."))
    if found is None:
        raise InputError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")
    return found


def format_for(output: Path, requested: str | None = None) -> AudioFormat:
    """The format for an output file: ``requested`` if given, else by its extension.

    >>> format_for(Path("book.m4b")).name, format_for(Path("talk.ogg")).name
    ('m4b', 'opus')
    >>> format_for(Path("out.mp3"), "wav").name
    'wav'
    """
    if requested:
        return format_named(requested)
    suffix = output.suffix.lower()
    for candidate in FORMATS.values():
        if suffix in candidate.suffixes:
            return candidate
    known = ", ".join(s for f in FORMATS.values() for s in f.suffixes)
    raise InputError(
        f"cannot tell the format of {output.name!r} from its extension; use one of {known} or give --format"
    )


def check_sample_rate(rate: int) -> int:
    """A valid output rate, or a clear error (0 keeps the engine's rate).

    >>> check_sample_rate(44100)
    44100
    """
    if rate != NATIVE_RATE and rate not in SAMPLE_RATES:
        raise InputError(
            f"sample rate {rate} Hz is not offered; choose one of {', '.join(map(str, SAMPLE_RATES))}"
        )
    return rate


def check_bitrate(fmt: AudioFormat, kbps: int) -> int:
    """``kbps`` when ``fmt``'s encoder takes it; else a clear error before any rendering
    (ffmpeg would fail only at the end, with its own words).

    >>> check_bitrate(FORMATS["mp3"], 320), check_bitrate(FORMATS["wav"], 320)
    (320, 320)
    >>> check_bitrate(FORMATS["opus"], 320)
    Traceback (most recent call last):
    ...
    audio_articles.errors.InputError: --bitrate 320 is too high for Opus, which takes at most 256 kbit/s a channel; give --bitrate 256 or less
    """
    if fmt.lossy and fmt.max_kbps is not None and kbps > fmt.max_kbps:
        raise InputError(
            f"--bitrate {kbps} is too high for {fmt.name.capitalize()}, which takes at most {fmt.max_kbps} kbit/s"
            f" a channel; give --bitrate {fmt.max_kbps} or less"
        )
    return kbps
