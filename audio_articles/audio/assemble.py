"""Place clips on the programme's timeline and stream the programme as PCM.

The programme is never held in memory: ``placements`` describes it (which part of each
clip, how much silence after), and ``pcm_chunks`` yields it clip by clip, so memory stays
flat however long the article is, and joining N clips is linear, not quadratic.

Clean joins: the engine's own leading and trailing silence is trimmed (a small margin
is kept so soft consonants survive), the margins count towards the pause, so the silence
between two clips is exactly the pause the profile asks for, and every clip edge gets a
short fade, so a clip never starts or stops on a non-zero sample (no click).
"""

from __future__ import annotations

import wave
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import AudioError
from ..model import Chapter, ChapterMark, Clip, SpeechJob, Timeline, TimedSegment

SILENCE_THRESHOLD = 200
"""Sample magnitude (of 32767, ≈ −44 dBFS) below which the engine's padding counts as silence."""
EDGE_MARGIN_MS = 15
"""Audio kept beyond the first and last audible sample, so soft consonants are not clipped."""
FADE_MS = 5
"""Fade at each clip edge: no clicks where a clip meets silence."""


@dataclass(frozen=True)
class Placement:
    """One clip's place in the programme."""

    job: SpeechJob
    clip: Clip
    keep_start: int
    """First frame of the clip that is kept (engine's leading silence trimmed)."""
    keep_end: int
    """Frame after the last kept one (trailing silence trimmed)."""
    start_frame: int
    """Where the kept audio starts in the programme."""
    gap_after: int
    """Frames of silence that follow it."""
    gain_db: float = 0.0
    """Gain for this clip alone (voice balance); the programme gain is applied later."""

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.keep_end - self.keep_start


def read_samples(clip: Clip) -> np.ndarray:
    """A clip's samples as int16 (all of them, or a clear error)."""
    try:
        with wave.open(str(clip.path), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        reason = f"{len(samples)} of {clip.frames} frames" if len(samples) != clip.frames else None
    except (OSError, EOFError, wave.Error) as err:
        reason = str(err) or type(err).__name__
    if reason:
        raise AudioError(f"the clip {clip.path.name} was damaged while in use ({reason}); run again to render it anew")
    return samples


def audible_bounds(samples: np.ndarray, sample_rate: int) -> tuple[int, int, int, int]:
    """(keep_start, keep_end, loud_start, loud_end): the frames worth keeping (the audible
    part plus a small margin) and the audible part itself.

    >>> import numpy as np
    >>> audible_bounds(np.array([0] * 1000 + [5000] * 10 + [0] * 1000, dtype="<i2"), 1000)
    (985, 1025, 1000, 1010)
    """
    loud = np.flatnonzero((samples > SILENCE_THRESHOLD) | (samples < -SILENCE_THRESHOLD))
    if loud.size == 0:
        return 0, len(samples), 0, len(samples)
    margin = sample_rate * EDGE_MARGIN_MS // 1000
    first, last = int(loud[0]), int(loud[-1]) + 1
    return max(0, first - margin), min(len(samples), last + margin), first, last


def place_clips(
    jobs: Sequence[SpeechJob],
    clips: Sequence[Clip],
    gaps_ms: Sequence[int],
    marks: Sequence[ChapterMark],
) -> tuple[list[Placement], Timeline]:
    """Lay the clips end to end with the requested silences; return placements and timeline.

    The pause between two clips is measured from the last audible sample of one to the
    first audible sample of the next, so the margins kept around the speech are taken out
    of the silence inserted between them.
    """
    if not clips:
        raise AudioError("nothing to assemble: the article has no spoken text")
    rates = {clip.sample_rate for clip in clips}
    if len(rates) > 1:
        raise AudioError(f"clips have different sample rates {sorted(rates)}; render them with one engine")
    rate = rates.pop()
    # Measured clips know their bounds; the others are read here.
    bounds = [clip.levels.bounds if clip.levels else audible_bounds(read_samples(clip), rate) for clip in clips]
    placements: list[Placement] = []
    cursor = 0
    for n, (job, clip, gap_ms) in enumerate(zip(jobs, clips, gaps_ms)):
        keep_start, keep_end, _, loud_end = bounds[n]
        pause = rate * gap_ms // 1000
        if n + 1 < len(bounds) and pause:
            next_start, _, next_loud_start, _ = bounds[n + 1]
            margins = (keep_end - loud_end) + (next_loud_start - next_start)
            pause = max(0, pause - margins)
        placement = Placement(job, clip, keep_start, keep_end, cursor, pause)
        placements.append(placement)
        cursor = placement.end_frame + placement.gap_after
    return placements, timeline_of(placements, marks, rate)


def _ms(frames: int, rate: int) -> int:
    return round(1000 * frames / rate)


def timeline_of(placements: Sequence[Placement], marks: Sequence[ChapterMark], rate: int) -> Timeline:
    """Segment and chapter times. Chapters start where their first segment's speech starts
    (the first at 0) and each ends where the next begins, so they tile the whole file."""
    total = placements[-1].end_frame + placements[-1].gap_after
    segments = tuple(
        TimedSegment(
            index=p.job.index,
            kind=p.job.kind,
            text=p.job.text,
            voice=p.job.voice.voice,
            start_ms=_ms(p.start_frame, rate),
            end_ms=_ms(p.end_frame, rate),
        )
        for p in placements
        if p.job.text  # jingles have no text: nothing to transcribe
    )
    start_of = {p.job.index: p.start_frame for p in placements}
    starts = [0 if n == 0 else start_of[mark.first_index] for n, mark in enumerate(marks)]
    ends = [*starts[1:], total]
    chapters = tuple(
        Chapter(mark.title, _ms(start, rate), _ms(end, rate)) for mark, start, end in zip(marks, starts, ends)
    )
    return Timeline(segments=segments, chapters=chapters, duration_ms=_ms(total, rate))


def _ramp(frames: int, rate: int, fade_ms: int = FADE_MS) -> np.ndarray:
    """The raised-cosine fade-in for a clip of ``frames`` (empty when it is too short)."""
    length = min(frames // 2, rate * fade_ms // 1000)
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length)) if length >= 2 else np.zeros(0)


def fade_edges(samples: np.ndarray, rate: int, fade_ms: int = FADE_MS) -> np.ndarray:
    """Float samples, faded in and out at the edges (raised cosine) in place, and returned.

    >>> import numpy as np
    >>> faded = fade_edges(np.ones(100), 1000, 10)
    >>> float(faded[0]), float(faded[50]), float(faded[-1])
    (0.0, 1.0, 0.0)
    """
    ramp = _ramp(len(samples), rate, fade_ms)
    if len(ramp):
        samples[: len(ramp)] *= ramp
        samples[-len(ramp) :] *= ramp[::-1]
    return samples


def kept_audio(samples: np.ndarray, keep_start: int, keep_end: int, rate: int) -> np.ndarray:
    """The kept part of a clip's int16 samples as float samples (full scale 1.0), faded at
    the edges, before any gain: exactly what is streamed, so loudness is measured on it."""
    return fade_edges(samples[keep_start:keep_end].astype(np.float64) / 32768.0, rate)


def clip_audio(p: Placement) -> np.ndarray:
    """A placed clip's audio as it is streamed, before any gain."""
    return kept_audio(read_samples(p.clip), p.keep_start, p.keep_end, p.clip.sample_rate)


def to_pcm(samples: np.ndarray) -> bytes:
    """Float samples as 16-bit little-endian PCM (clipped to full scale)."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def unscaled_pcm(p: Placement) -> bytes:
    """``to_pcm(clip_audio(p))`` without turning the whole clip into floats: only the faded
    edges change, so the rest is passed on as it is (most clips are not scaled)."""
    kept = read_samples(p.clip)[p.keep_start : p.keep_end]
    ramp = _ramp(len(kept), p.clip.sample_rate)
    if not len(ramp):
        return kept.tobytes()
    out = kept.copy()
    out[: len(ramp)] = np.frombuffer(to_pcm(kept[: len(ramp)] / 32768.0 * ramp), "<i2")
    out[-len(ramp) :] = np.frombuffer(to_pcm(kept[-len(ramp) :] / 32768.0 * ramp[::-1]), "<i2")
    return out.tobytes()


def pcm_chunks(placements: Iterable[Placement], gain_db: float = 0.0) -> Iterator[bytes]:
    """The programme as 16-bit little-endian mono PCM, one clip (and its gap) at a time.

    Each clip gets its own ``gain_db`` (voice balance) plus ``gain_db`` given here; the
    programme's loudness gain is normally left to the encoder (see ``loudness.py``), which
    applies it in floating point, so leave this at 0 there.
    """
    for p in placements:
        gain = p.gain_db + gain_db
        if gain:
            audio = clip_audio(p)
            audio *= 10 ** (gain / 20)
            yield to_pcm(audio)
        else:
            yield unscaled_pcm(p)
        if p.gap_after:
            yield bytes(2 * p.gap_after)
