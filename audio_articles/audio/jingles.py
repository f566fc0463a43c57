"""Jingles: sound files from the profile, played before and after the article.

A jingle becomes one more clip (decoded by ffmpeg to the programme's rate, mono 16-bit)
with a job that has no text, so it is placed, balanced and streamed like speech, but
is left out of the transcript and chapter titles.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..model import Clip, SegmentKind, SpeechJob, Voice
from ..speech.engines.base import read_clip
from .encode import child_session, ffmpeg

def jingle_clip(source: Path, rate: int, folder: Path, name: str) -> Clip:
    """``source`` decoded to a mono 16-bit WAV at ``rate`` in ``folder``."""
    target = folder / f"{name}.wav"
    run = subprocess.run(
        [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
         "-map", "0:a:0", "-map_metadata", "-1", "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le",
         "-fflags", "+bitexact", "-f", "wav", str(target)],
        capture_output=True, text=True, **child_session(),
    )  # fmt: skip
    if run.returncode != 0:
        last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit code {run.returncode}"
        raise InputError(f"jingle {source}: ffmpeg cannot read it as audio ({last}); give a WAV, MP3, FLAC or Ogg file")
    return read_clip(target)


def _jingle_job(index: int, paragraph: int) -> SpeechJob:
    return SpeechJob(index=index, kind=SegmentKind.NOTICE, text="", spoken="", voice=Voice(""), paragraph=paragraph)


def with_jingles(
    jobs: Sequence[SpeechJob],
    clips: Sequence[Clip],
    intro: Path | None,
    outro: Path | None,
    folder: Path,
) -> tuple[list[SpeechJob], list[Clip]]:
    """Jobs and clips with the intro jingle first and the outro jingle last."""
    jobs, clips = list(jobs), list(clips)
    if not clips:
        return jobs, clips
    rate = clips[0].sample_rate
    if outro is not None:
        jobs.append(_jingle_job(jobs[-1].index + 1, jobs[-1].paragraph + 1))
        clips.append(jingle_clip(outro, rate, folder, "outro-jingle"))
    if intro is not None:
        jobs.insert(0, _jingle_job(jobs[0].index - 1, jobs[0].paragraph - 1))
        clips.insert(0, jingle_clip(intro, rate, folder, "intro-jingle"))
    return jobs, clips
