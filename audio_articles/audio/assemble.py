"""Place clips on the programme's timeline and stream the programme as PCM.

The programme is never held in memory: ``placements`` describes it (which part of each
clip, how much silence after), and ``pcm_chunks`` yields it clip by clip, so memory stays
flat however long the article is, and joining N clips is linear, not quadratic.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator, Sequence
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

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.keep_end - self.keep_start


def read_samples(clip: Clip) -> np.ndarray:
    """A clip's samples as int16."""
    with wave.open(str(clip.path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def audible_bounds(samples: np.ndarray, sample_rate: int) -> tuple[int, int]:
    """First and past-last frame worth keeping: the audible part plus a small margin."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return 0, len(samples)
    margin = sample_rate * EDGE_MARGIN_MS // 1000
    return max(0, int(loud[0]) - margin), min(len(samples), int(loud[-1]) + 1 + margin)


def place_clips(
    jobs: Sequence[SpeechJob],
    clips: Sequence[Clip],
    gaps_ms: Sequence[int],
    marks: Sequence[ChapterMark],
) -> tuple[list[Placement], Timeline]:
    """Lay the clips end to end with the requested silences; return placements and timeline."""
    if not clips:
        raise AudioError("nothing to assemble: the article has no spoken text")
    rates = {clip.sample_rate for clip in clips}
    if len(rates) > 1:
        raise AudioError(f"clips have different sample rates {sorted(rates)}; render them with one engine")
    rate = rates.pop()
    placements: list[Placement] = []
    cursor = 0
    for job, clip, gap_ms in zip(jobs, clips, gaps_ms):
        keep_start, keep_end = audible_bounds(read_samples(clip), rate)
        placement = Placement(job, clip, keep_start, keep_end, cursor, rate * gap_ms // 1000)
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
    )
    start_of = {p.job.index: p.start_frame for p in placements}
    starts = [0 if n == 0 else start_of[mark.first_index] for n, mark in enumerate(marks)]
    ends = [*starts[1:], total]
    chapters = tuple(
        Chapter(mark.title, _ms(start, rate), _ms(end, rate)) for mark, start, end in zip(marks, starts, ends)
    )
    return Timeline(segments=segments, chapters=chapters, duration_ms=_ms(total, rate))


def pcm_chunks(placements: Sequence[Placement], gain_db: float = 0.0) -> Iterator[bytes]:
    """The programme as 16-bit little-endian mono PCM, one clip (and its gap) at a time."""
    from pydub import AudioSegment

    for p in placements:
        audio = AudioSegment.from_wav(str(p.clip.path)).get_sample_slice(p.keep_start, p.keep_end)
        audio = audio.fade_in(FADE_MS).fade_out(FADE_MS)
        if gain_db:
            audio = audio.apply_gain(gain_db)
        yield audio.raw_data
        if p.gap_after:
            yield bytes(2 * p.gap_after)
