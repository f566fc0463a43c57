"""Jingles: sound files from the profile, played before and after the article.

A jingle becomes one more clip (decoded by ffmpeg to the programme's rate, mono 16-bit)
with a job that has no text, so it is placed, balanced and streamed like speech, but
is left out of the transcript and chapter titles.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..model import Clip, SegmentKind, SpeechJob, Voice
from ..speech.engines.base import read_clip

def jingle_clip(source: Path, rate: int, folder: Path, name: str) -> Clip:
    """``source`` (any audio ffmpeg reads) as a mono 16-bit WAV at ``rate`` in ``folder``.

    pydub decodes it (through ffmpeg, but for WAV) and writes it through ffmpeg, which mixes
    it down and resamples it (ffmpeg's resampler, not pydub's linear one); a jingle is
    short, so holding it whole is fine."""
    # pydub warns on import when ffmpeg is missing, which the encoder reports as one line:
    # imported only here, once a jingle is wanted, with its warning silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError

    target = folder / f"{name}.wav"
    try:
        sound = AudioSegment.from_file(source)
    except (CouldntDecodeError, IndexError, OSError) as err:
        last = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise InputError(f"jingle {source}: ffmpeg cannot read it as audio ({last[:200]}); give a WAV, MP3, FLAC or Ogg file") from None
    resampled = ["-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact"]
    sound.export(target, format="wav", parameters=resampled)
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
