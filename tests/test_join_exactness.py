"""Encoding in parts joins exactly: the file's length does not depend on how many parts it
was encoded in (issue #26, item 9: each join used to add ≈ 20 ms)."""

from __future__ import annotations

import subprocess

import pytest

from audio_articles.audio import parallel
from audio_articles.audio.encode import EncodeSettings
from audio_articles.audio.formats import M4B, MP3
from audio_articles.model import Tags

from .test_parallel import assert_speech_at_every_chapter, programme  # noqa: F401 - the fixture
from .audio_checks import decode, ffprobe_chapters


def decoded_samples(path, fmt) -> int:
    """Samples ffmpeg decodes from the file (at its own rate), priming and padding included."""
    run = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    return len(run.stdout) // 2


@pytest.mark.parametrize(("fmt", "rate"), [(MP3, None), (MP3, 44100), (M4B, None)], ids=["mp3", "mp3-44k", "m4b"])
def test_the_length_does_not_depend_on_the_number_of_parts(tmp_path, programme, fmt, rate):  # noqa: F811
    article, placements, marks, timeline = programme
    settings = EncodeSettings(sample_rate=rate)
    lengths, durations = {}, {}
    for workers in (1, 2, 3, 5, 8):
        output = tmp_path / f"{workers}.{fmt.name}"
        written = parallel.encode_parallel(placements, marks, output, Tags(title=article.title), settings, [], workers, fmt=fmt)
        lengths[workers] = decoded_samples(output, fmt)
        durations[workers] = written.duration_ms
        if workers == 8:
            assert_speech_at_every_chapter(decode(output), ffprobe_chapters(output))
    assert len(set(lengths.values())) == 1, lengths
    assert len(set(durations.values())) == 1, durations
    out_rate = rate or 22050
    programme_samples = (placements[-1].end_frame + placements[-1].gap_after) * out_rate // 22050
    frame = parallel.framing(fmt.parts, out_rate).frame
    # The first part's priming is played (no LAME header or edit list to skip it), and the
    # last part ends on a whole frame: nothing else is added.
    assert 0 <= lengths[1] - programme_samples <= fmt.parts.priming * out_rate // 22050 + 2 * frame


def test_split_parts_still_join_exactly(programme):  # noqa: F811
    _, placements, _, _ = programme
    alignment = parallel.Alignment(parallel.framing(MP3.parts, 22050), 22050, 22050)
    queue = parallel.PartQueue(placements, 2, split_frames=5 * 22050, alignment=alignment)
    first, second = queue.take(), queue.take()
    list(queue.clips(first))
    clips = queue.clips(second)
    next(clips), next(clips)
    rest = queue.take()  # the idle encoder takes half of the second part
    assert rest is not None
    for part in queue.parts()[:-1]:
        fed = queue.fed_frames(part.lead, part.first, part.stop, part.tail)
        assert fed % 576 == 0, part
    for before, after in zip(queue.parts(), queue.parts()[1:]):
        assert before.tail + after.lead == placements[before.stop - 1].gap_after
