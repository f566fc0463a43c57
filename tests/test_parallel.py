"""Parallel encoding (MP3, and AAC for M4B/M4A): parts cut at pauses, frames joined,
chapters from the frames written. Checked by decoding with ffmpeg and reading tags with
ffprobe and mutagen."""

from __future__ import annotations

import subprocess
import threading

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from audio_articles.audio import parallel
from audio_articles.audio.assemble import pcm_chunks, place_clips
from audio_articles.audio.encode import EncodeSettings, encode_audio
from audio_articles.audio.formats import M4A, M4B, MP3, OPUS, WAV
from audio_articles.convert import Options, convert
from audio_articles.errors import AudioError
from audio_articles.model import Tags
from audio_articles.parsing import parse_article
from audio_articles.plan import chapter_marks, gaps_ms, plan_speech
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile

from .audio_checks import decode, ffprobe_chapters, ffprobe_format
from .bench.longtext import long_article

ONSET_LEVEL = 0.01
"""Decoded sample magnitude (≈ −40 dBFS) taken as the start of speech."""
TOLERANCE_S = 0.030


def onset_after(samples: np.ndarray, start_s: float, rate: int = 22050) -> float:
    """Seconds at which sound begins, searching from 100 ms before ``start_s``."""
    first = max(0, int((start_s - 0.1) * rate))
    loud = np.flatnonzero(np.abs(samples[first:]) > ONSET_LEVEL)
    assert loud.size, f"no sound after {start_s:.3f} s"
    return (first + int(loud[0])) / rate


def assert_speech_at_every_chapter(audio: np.ndarray, chapters: list[dict]) -> None:
    """Sound begins at each chapter's start (after the first), at most 30 ms late."""
    for chapter in chapters[1:]:
        lag = onset_after(audio, chapter["start"]) - chapter["start"]
        assert -0.005 <= lag <= TOLERANCE_S, chapter


def rms_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(samples**2)))


@pytest.fixture
def programme(tmp_path, fake_engine):
    """A placed programme of about two minutes from the fake engine."""
    article = parse_article(long_article(2000, seed=3), markdown=False)
    profile = load_profile(None)
    jobs = plan_speech(article, profile)
    clips = render_clips(jobs, ClipCache(tmp_path / "clips"), fake_engine)
    marks = chapter_marks(article)
    placements, timeline = place_clips(jobs, clips, gaps_ms(article, jobs, profile), marks)
    return article, placements, marks, timeline


@pytest.mark.parametrize(
    ("fmt", "suffix", "count", "per_frame"),
    [(MP3, "mp3", parallel.count_frames, 576), (M4B, "aac", parallel.count_adts_frames, 1024)],
)
def test_frame_counts_match_ffprobe(tmp_path, programme, fmt, suffix, count, per_frame):
    _, placements, _, _ = programme
    part = tmp_path / f"part.{suffix}"
    command = parallel.part_command(22050, part, EncodeSettings(), [], fmt)
    pcm = b"".join(parallel._part_pcm(0, placements[:5], 0))
    subprocess.run(command, input=pcm, check=True)
    packets = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-show_entries", "stream=nb_read_packets",
         "-of", "csv=p=0", str(part)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    stream = count(part)
    assert stream.frames == int(packets) > 0
    assert (stream.samples_per_frame, stream.sample_rate) == (per_frame, 22050)
    if fmt is M4B:  # the priming, the samples, and padding to a whole frame
        assert stream.samples == len(pcm) // 2 + parallel.AAC_PRIMING + (-(len(pcm) // 2 + 1024) % 1024)


@pytest.mark.parametrize("block", [parallel.COUNT_BLOCK, 1000, 209])  # also across frames cut by a block's end
def test_frames_of_mixed_bitrates_are_counted_and_damage_is_a_clear_error(tmp_path, programme, monkeypatch, block):
    _, placements, _, _ = programme
    monkeypatch.setattr(parallel, "COUNT_BLOCK", block)
    pcm = b"".join(parallel._part_pcm(0, placements[:3], 0))
    streams = []
    for kbps in (64, 32):
        part = tmp_path / f"{kbps}.mp3"
        subprocess.run(parallel.part_command(22050, part, EncodeSettings(bitrate_kbps=kbps), []), input=pcm, check=True)
        streams.append(parallel.count_frames(part))
        assert streams[-1].frames > 100
    mixed = tmp_path / "mixed.mp3"
    mixed.write_bytes((tmp_path / "64.mp3").read_bytes() + (tmp_path / "32.mp3").read_bytes())
    assert parallel.count_frames(mixed).frames == streams[0].frames + streams[1].frames
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    assert parallel.count_frames(empty).frames == 0
    data = (tmp_path / "64.mp3").read_bytes()
    mixed.write_bytes(data[:-50])  # the last frame cut short still counts, as a player plays it
    assert parallel.count_frames(mixed).frames == streams[0].frames
    for damaged in (data[:20_000] + b"\0" + data[20_000:], data + b"\xff\xf3"):  # a stray byte; half a header
        mixed.write_bytes(damaged)
        with pytest.raises(AudioError, match="not an MP3 frame"):
            parallel.count_frames(mixed)


def test_parts_are_cut_inside_pauses_and_cover_the_programme(programme):
    _, placements, _, _ = programme
    parts = parallel.plan_parts(placements, 4)
    assert len(parts) == 4
    assert parts[0].first == 0 and parts[-1].stop == len(placements)
    for before, after in zip(parts, parts[1:]):
        assert before.stop == after.first
        # The pause at the cut is shared between the two parts, nothing lost or added.
        assert before.tail + after.lead == placements[before.stop - 1].gap_after > 0
    lengths = [placements[p.stop - 1].end_frame - placements[p.first].start_frame for p in parts]
    assert max(lengths) < 1.6 * min(lengths)  # about equal


def _fed(queue, run, count=None):
    """Feed ``count`` of ``run``'s clips (all when None), as an encoder's feeder would."""
    clips = queue.clips(run)
    return list(clips) if count is None else [next(clips) for _ in range(count)]


def test_an_idle_encoder_takes_the_unfed_half_of_the_busiest_part(programme):
    _, placements, _, _ = programme
    queue = parallel.PartQueue(placements, 2, split_frames=5 * 22050)
    first, second = queue.take(), queue.take()
    assert (first.first, second.stop) == (0, len(placements))
    _fed(queue, first)
    _fed(queue, second, 2)  # the second encoder is slow: two clips fed so far
    start = placements[second.next].start_frame
    end = placements[-1].end_frame + placements[-1].gap_after
    rest = queue.take()
    # Cut at a pause not yet fed, near the middle of what was left, the pause shared.
    assert second.next <= rest.first - 1 and second.stop == rest.first and rest.stop == len(placements)
    cut = placements[second.stop - 1]
    assert second.tail + rest.lead == cut.gap_after > 0
    assert abs(cut.end_frame + second.tail - (start + end) / 2) < 0.15 * (end - start)
    fed = _fed(queue, second)
    assert fed[-1].gap_after == second.tail and len(fed) == second.stop - 2 - first.stop
    assert _fed(queue, rest)[-1].gap_after == placements[-1].gap_after
    # Every clip in exactly one part, in programme order.
    parts = queue.parts()
    expected = [(0, first.stop), (first.stop, rest.first), (rest.first, len(placements))]
    assert [(p.first, p.stop) for p in parts] == expected
    assert queue.take() is None  # all fed: nothing left to split


def test_parts_too_short_to_pay_for_an_encoder_are_not_split(programme):
    _, placements, _, _ = programme
    seconds = (placements[-1].end_frame + placements[-1].gap_after) / 22050
    queue = parallel.PartQueue(placements, 2, split_frames=int(seconds / 4 * 22050) + 1)
    first, second = queue.take(), queue.take()
    _fed(queue, first)
    assert queue.take() is None  # halves of the second part would be under a quarter each
    assert _fed(queue, second)[-1].gap_after == placements[-1].gap_after


def test_after_a_failure_no_part_is_handed_out_and_feeding_stops(programme):
    _, placements, _, _ = programme
    queue = parallel.PartQueue(placements, 2, split_frames=22050)
    first = queue.take()
    _fed(queue, first, 3)
    queue.stop()
    assert queue.take() is None and _fed(queue, first) == []


def test_short_programmes_and_other_formats_are_encoded_in_one_piece(programme):
    _, placements, _, _ = programme
    assert parallel.worth_it(MP3, placements, 2) and parallel.worth_it(M4B, placements, 2)
    assert not parallel.worth_it(MP3, placements, 1)
    assert not parallel.worth_it(WAV, placements, 2) and not parallel.worth_it(OPUS, placements, 2)
    assert not parallel.worth_it(MP3, placements[:3], 2)


def _encode_both(tmp_path, programme, filters=()):
    from audio_articles.audio.assemble import pcm_chunks

    article, placements, marks, timeline = programme
    tags = Tags(title=article.title, artist="Desk")
    serial, joined = tmp_path / "serial.mp3", tmp_path / "joined.mp3"
    encode_audio(pcm_chunks(placements), 22050, serial, tags, timeline.chapters, EncodeSettings(), MP3, filters)
    reported = []
    written = parallel.encode_parallel(
        placements, marks, joined, tags, EncodeSettings(), filters, workers=3,
        progress=lambda done, total: reported.append((done, total)),
    )  # fmt: skip
    return timeline, serial, written, joined, reported


def test_chapter_times_match_the_audio_within_30_ms(tmp_path, programme):
    timeline, serial, written, joined, _ = _encode_both(tmp_path, programme)
    audio = decode(joined)
    chapters = ffprobe_chapters(joined)
    assert [c["title"] for c in chapters] == [c.title for c in written.chapters]
    assert len(chapters) == len(timeline.chapters) > 10
    assert_speech_at_every_chapter(audio, chapters)
    # The same measure on the one-piece encode agrees within a few milliseconds.
    reference = decode(serial)
    for mine, theirs in zip(chapters[1:], ffprobe_chapters(serial)[1:]):
        lag_joined = onset_after(audio, mine["start"]) - mine["start"]
        lag_serial = onset_after(reference, theirs["start"]) - theirs["start"]
        assert lag_joined == pytest.approx(lag_serial, abs=0.005)


def test_every_segment_starts_where_the_timeline_says(tmp_path, programme):
    _, _, written, joined, _ = _encode_both(tmp_path, programme)
    audio = decode(joined)
    for segment in written.segments[1:]:
        lag = onset_after(audio, segment.start_ms / 1000) - segment.start_ms / 1000
        assert -0.005 <= lag <= TOLERANCE_S, segment.text[:40]


def test_joined_file_is_as_long_as_one_piece_and_tiled_by_chapters(tmp_path, programme):
    timeline, serial, written, joined, reported = _encode_both(tmp_path, programme)
    duration = float(ffprobe_format(joined)["duration"])
    assert duration == pytest.approx(float(ffprobe_format(serial)["duration"]), abs=0.1)
    assert written.duration_ms / 1000 == pytest.approx(duration, abs=0.03)
    chapters = ffprobe_chapters(joined)
    assert chapters[0]["start"] == 0
    for before, after in zip(chapters, chapters[1:]):
        assert before["end"] == pytest.approx(after["start"], abs=0.001)
    assert chapters[-1]["end"] == pytest.approx(duration, abs=0.05)
    assert reported[-1][0] == reported[-1][1]  # progress reaches the end


def test_tags_and_an_ordered_table_of_contents_are_written_once(tmp_path, programme):
    _, _, written, joined, _ = _encode_both(tmp_path, programme)
    tags = ID3(joined)
    assert str(tags["TIT2"]) == "A Long Year in a Small Town"
    assert str(tags["TPE1"]) == "Desk"
    assert len(tags.getall("CTOC")) == 1
    starts = [chap.start_time for chap in tags.getall("CHAP")]
    assert starts == sorted(starts) == [c.start_ms for c in written.chapters]
    # One tag, then one stream of constant-rate frames to the last byte (no Xing header:
    # a player takes the length from the size, which the next assertion checks).
    data = joined.read_bytes()
    assert data.count(b"ID3") == 1 and data.count(b"Xing") + data.count(b"Info") == 0
    frames = tmp_path / "frames.mp3"
    frames.write_bytes(data[len(parallel.id3_tag(joined)) :])
    stream = parallel.count_frames(frames)
    assert stream.samples / stream.sample_rate == pytest.approx(written.duration_ms / 1000, abs=0.001)
    bitrate = 8 * frames.stat().st_size / (stream.samples / stream.sample_rate)
    assert bitrate == pytest.approx(64000, rel=0.001)


def test_a_part_split_while_encoding_joins_seamlessly(tmp_path, programme, monkeypatch):
    """The second encoder is held back until the first, done with its part, has taken half
    of the second's: three parts or more, and the joined file is as one piece."""
    article, placements, marks, timeline = programme
    monkeypatch.setattr(parallel, "SPLIT_SECONDS", 5)
    real_run, started, split_taken, lock = parallel.run_ffmpeg, [], threading.Event(), threading.Lock()

    def run_ffmpeg(command, chunks, what, on_chunk=None):
        with lock:
            started.append(what)
            number = len(started)
        if number == 2:
            split_taken.wait(timeout=60)
        elif number == 3:
            split_taken.set()
        real_run(command, chunks, what, on_chunk)

    monkeypatch.setattr(parallel, "run_ffmpeg", run_ffmpeg)
    tags = Tags(title=article.title)
    serial, joined = tmp_path / "serial.mp3", tmp_path / "joined.mp3"
    encode_audio(pcm_chunks(placements), 22050, serial, tags, timeline.chapters, EncodeSettings())
    written = parallel.encode_parallel(placements, marks, joined, tags, EncodeSettings(), workers=2)
    assert len(started) >= 3 and split_taken.is_set()
    duration = float(ffprobe_format(joined)["duration"])
    assert duration == pytest.approx(float(ffprobe_format(serial)["duration"]), abs=0.1)
    assert written.duration_ms / 1000 == pytest.approx(duration, abs=0.03)
    audio = decode(joined)
    assert_speech_at_every_chapter(audio, ffprobe_chapters(joined))
    for segment in written.segments[1:]:
        lag = onset_after(audio, segment.start_ms / 1000) - segment.start_ms / 1000
        assert -0.005 <= lag <= TOLERANCE_S, segment.text[:40]


def test_a_failing_encoder_is_a_clear_error_and_stops_the_others(tmp_path, programme, monkeypatch):
    """The first encoder cannot write its part; the others, held until the queue has been
    stopped, end at once instead of splitting the failed part's audio among themselves."""
    article, placements, marks, _ = programme
    monkeypatch.setattr(parallel, "SPLIT_SECONDS", 1)
    real_run, real_stop, started, stopped = parallel.run_ffmpeg, parallel.PartQueue.stop, [], threading.Event()
    lock = threading.Lock()

    def run_ffmpeg(command, chunks, what, on_chunk=None):
        with lock:
            started.append(what)
            first = len(started) == 1
        if first:
            command = [*command[:-1], str(tmp_path / "missing" / "part.mp3")]  # cannot be written
        else:
            stopped.wait(timeout=20)
        real_run(command, chunks, what, on_chunk)

    def stop(queue):
        real_stop(queue)
        stopped.set()

    monkeypatch.setattr(parallel, "run_ffmpeg", run_ffmpeg)
    monkeypatch.setattr(parallel.PartQueue, "stop", stop)
    output = tmp_path / "out.mp3"
    with pytest.raises(AudioError, match=r"ffmpeg failed to encode the MP3 \(the part from \d\d:\d\d:\d\d\.\d{3}\)"):
        parallel.encode_parallel(placements, marks, output, Tags(title=article.title), EncodeSettings(), workers=3)
    assert stopped.is_set() and len(started) <= 3 and not output.exists()


def test_stopping_the_run_while_the_parts_are_encoded_stops_the_encoders(tmp_path, programme):
    """Ctrl-C or SIGTERM reach the main thread while it waits for the encoders: they end at
    their next clip instead of encoding the rest of the programme for nothing."""
    import signal

    article, placements, marks, _ = programme
    fed = []

    def progress(done: int, total: int) -> None:
        if not fed:  # the first chunk: stop the run, as a signal to this process would
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        fed.append((done, total))

    with pytest.raises(KeyboardInterrupt):
        parallel.encode_parallel(
            placements, marks, tmp_path / "out.mp3", Tags(title=article.title), EncodeSettings(), workers=2, progress=progress
        )  # fmt: skip
    done, total = fed[-1]
    assert done < total / 2, f"{done} of {total} frames encoded after the stop"


def test_the_tag_is_begun_while_the_last_part_is_encoded(tmp_path, programme, monkeypatch):
    """The tag's ffmpeg starts once an encoder has no part left, not after the last one:
    here the second part is held until it has started, and the file is still whole."""
    article, placements, marks, _ = programme
    monkeypatch.setattr(parallel, "SPLIT_SECONDS", 10_000)  # two parts, never split
    real_run, events, tag_started = parallel.run_ffmpeg, [], threading.Event()

    def run_ffmpeg(command, chunks, what, on_chunk=None):
        if what == "the MP3's tags":
            events.append("tag started")
            tag_started.set()
        elif "the part from 00:00:00.000" not in what:
            events.append(("second part held", tag_started.wait(timeout=20)))
        real_run(command, chunks, what, on_chunk)

    monkeypatch.setattr(parallel, "run_ffmpeg", run_ffmpeg)
    output = tmp_path / "out.mp3"
    written = parallel.encode_parallel(placements, marks, output, Tags(title=article.title), EncodeSettings(), workers=2)
    assert events == ["tag started", ("second part held", True)]
    tags = ID3(output)
    assert str(tags["TIT2"]) == article.title
    assert [chap.start_time for chap in tags.getall("CHAP")] == [c.start_ms for c in written.chapters]
    assert float(ffprobe_format(output)["duration"]) == pytest.approx(written.duration_ms / 1000, abs=0.05)


@pytest.fixture
def tag_runs(monkeypatch):
    """How each run of the tag's ffmpeg ended: "done", or its error."""
    real_run, runs = parallel.run_ffmpeg, []

    def run_ffmpeg(command, chunks, what, on_chunk=None):
        if what != "the MP3's tags":
            return real_run(command, chunks, what, on_chunk)
        try:
            real_run(command, chunks, what, on_chunk)
            runs.append("done")
        except AudioError as error:
            runs.append(str(error))
            raise

    monkeypatch.setattr(parallel, "run_ffmpeg", run_ffmpeg)
    return runs


def fail(*args, **kwargs):
    raise AudioError("boom")


def test_a_failed_part_starts_no_tag(tmp_path, programme, monkeypatch, tag_runs):
    article, placements, marks, _ = programme
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(parallel, "count_frames", fail)
    with pytest.raises(AudioError, match="boom"):
        parallel.encode_parallel(placements, marks, folder / "out.mp3", Tags(title=article.title), EncodeSettings())
    assert tag_runs == [] and list(folder.iterdir()) == []


def test_a_failure_after_the_tag_began_ends_its_ffmpeg(tmp_path, programme, monkeypatch, tag_runs):
    article, placements, marks, _ = programme
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(parallel, "timeline_of", fail)  # after every part, before the chapters
    with pytest.raises(AudioError, match="boom"):
        parallel.encode_parallel(placements, marks, folder / "out.mp3", Tags(title=article.title), EncodeSettings())
    # Its ffmpeg was started, then given nothing to read: it had ended when the error came
    # out (a tag of nothing, written to the scratch folder, which is gone).
    assert tag_runs == ["done"]
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("version", [3, 4])
def test_the_joined_file_has_the_same_tags_and_cover_as_one_piece(tmp_path, programme, version):
    article, placements, marks, timeline = programme
    cover = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=teal:s=64x64", "-frames:v", "1", str(cover)], check=True)
    tags = Tags(title=article.title, artist="Desk", album="Notes", date="2026-03-14", description="About.",
                cover=cover, length_ms=timeline.duration_ms)  # fmt: skip
    settings = EncodeSettings(id3v2_version=version)
    serial, joined = tmp_path / "serial.mp3", tmp_path / "joined.mp3"
    encode_audio(pcm_chunks(placements), 22050, serial, tags, timeline.chapters, settings)
    written = parallel.encode_parallel(placements, marks, joined, tags, settings, workers=2)

    def frames(path):
        found = ID3(path)
        assert found.version[:2] == (2, version)
        return {key: str(frame) for key, frame in found.items() if not key.startswith(("CHAP", "CTOC", "TSSE"))}

    assert frames(joined) == frames(serial)
    assert ID3(joined).getall("APIC")[0].data == ID3(serial).getall("APIC")[0].data
    if version == 3:  # (with 2.4 and this many chapters mutagen reads ten bytes more, on both paths)
        assert ID3(joined).getall("APIC")[0].data == cover.read_bytes()
    assert [c.start_time for c in ID3(joined).getall("CHAP")] == [c.start_ms for c in written.chapters]


def test_the_loudness_filters_apply_to_every_part(tmp_path, programme):
    _, serial, _, joined, _ = _encode_both(tmp_path, programme, filters=["volume=-6dB"])
    quiet, reference = decode(joined), decode(serial)
    assert rms_db(quiet) == pytest.approx(rms_db(reference), abs=0.2)
    loud_part = quiet[len(quiet) * 3 // 4 :]  # the last part too
    assert np.max(np.abs(loud_part)) < 0.37 * 10 ** (-6 / 20) * 1.1


@pytest.mark.parametrize("suffix", ["mp3", "m4b"])
def test_convert_uses_parts_on_several_cores_and_keeps_the_chapters(tmp_path, fake_engine, suffix):
    source = tmp_path / "long.txt"
    source.write_text(long_article(2000, seed=5), encoding="utf-8")
    one = convert(source, tmp_path / f"one.{suffix}", Options(engine=fake_engine, workers=1))
    many = convert(source, tmp_path / f"many.{suffix}", Options(engine=fake_engine, workers=2))
    assert [c.title for c in many.timeline.chapters] == [c.title for c in one.timeline.chapters]
    chapters = ffprobe_chapters(tmp_path / f"many.{suffix}")
    assert [round(c["start"] * 1000) for c in chapters] == [c.start_ms for c in many.timeline.chapters]
    audio = decode(tmp_path / f"many.{suffix}")
    assert_speech_at_every_chapter(audio, chapters)
    assert rms_db(audio) == pytest.approx(rms_db(decode(tmp_path / f"one.{suffix}")), abs=0.3)  # same loudness plan


@pytest.mark.engine
def test_real_speech_chapters_match_the_audio_on_the_parallel_path(tmp_path):
    source = tmp_path / "long.txt"
    source.write_text(long_article(900, seed=11), encoding="utf-8")
    result = convert(source, tmp_path / "speech.mp3", Options(workers=2))
    output = tmp_path / "speech.mp3"
    chapters = ffprobe_chapters(output)
    assert len(chapters) == len(result.timeline.chapters) > 5
    assert float(ffprobe_format(output)["duration"]) > 2 * parallel.MIN_PART_SECONDS
    audio = decode(output)
    assert_speech_at_every_chapter(audio, chapters)


@pytest.mark.parametrize("rate", [44100, 16000])
def test_chapters_match_the_audio_when_the_output_is_resampled(tmp_path, programme, rate):
    article, placements, marks, _ = programme
    output = tmp_path / "resampled.mp3"
    written = parallel.encode_parallel(
        placements, marks, output, Tags(title=article.title), EncodeSettings(sample_rate=rate), [], workers=3
    )
    assert int(ffprobe_format(output)["stream"]["sample_rate"]) == rate
    audio = decode(output)  # back at 22 050 Hz
    chapters = ffprobe_chapters(output)
    assert [round(c["start"] * 1000) for c in chapters] == [c.start_ms for c in written.chapters]
    assert_speech_at_every_chapter(audio, chapters)


@pytest.mark.parametrize("fmt", [M4B, M4A])
def test_an_aac_book_in_parts_has_its_chapters_where_the_speech_is(tmp_path, programme, fmt):
    article, placements, marks, timeline = programme
    cover = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=teal:s=64x64", "-frames:v", "1", str(cover)], check=True)
    tags = Tags(title=article.title, artist="Desk", album="Notes", description="About.", cover=cover)
    serial, joined = tmp_path / f"serial.{fmt.name}", tmp_path / f"joined.{fmt.name}"
    encode_audio(pcm_chunks(placements), 22050, serial, tags, timeline.chapters, EncodeSettings(), fmt)
    written = parallel.encode_parallel(placements, marks, joined, tags, EncodeSettings(), workers=3, fmt=fmt)
    info = ffprobe_format(joined)
    assert info["stream"]["codec_name"] == "aac" and info["format_name"].startswith("mov,mp4")
    duration = float(info["duration"])
    # Each part ends padded to a whole 1024-sample frame, and the first part's priming is
    # played (the one-piece file's is skipped by an edit list): at most a frame a part longer.
    frame_s = 1024 / 22050
    extra = duration - float(ffprobe_format(serial)["duration"])
    assert -0.01 <= extra <= (len(parallel.plan_parts(placements, parallel.part_count(placements, 3))) + 1) * frame_s
    assert written.duration_ms / 1000 == pytest.approx(duration, abs=0.03)
    chapters = ffprobe_chapters(joined)
    assert [c["title"] for c in chapters] == [c.title for c in written.chapters]
    assert len(chapters) == len(timeline.chapters) > 10
    assert [c["start"] for c in chapters] == pytest.approx([c.start_ms / 1000 for c in written.chapters], abs=0.001)
    audio = decode(joined)
    assert_speech_at_every_chapter(audio, chapters)
    # The same tags and cover as the one-piece file, as mutagen reads them.
    ours, theirs = MP4(joined), MP4(serial)
    assert {k: v for k, v in ours.tags.items() if k != "\xa9too"} == {k: v for k, v in theirs.tags.items() if k != "\xa9too"}
    assert bytes(ours.tags["covr"][0]) == cover.read_bytes()
    assert [round(c.start * 1000) for c in ours.chapters] == [c.start_ms for c in written.chapters]


@pytest.mark.parametrize("data", [b"ID3\x03\x00\x00\x00\x00\x00\x00", b"\xff\xf1\x7c\x40\x10\x00\xfc", b"\xff\xf1"])
def test_a_stream_that_is_not_adts_is_a_clear_error(tmp_path, data):
    path = tmp_path / "part.aac"
    path.write_bytes(data)
    with pytest.raises(AudioError, match="not an ADTS frame"):
        parallel.count_adts_frames(path)


@pytest.mark.parametrize(("rate", "channels"), [(44100, 1), (22050, 2)])
def test_aac_parts_keep_the_chapters_when_resampled_or_in_stereo(tmp_path, programme, rate, channels):
    article, placements, marks, _ = programme
    output = tmp_path / "book.m4b"
    settings = EncodeSettings(sample_rate=rate, channels=channels)
    written = parallel.encode_parallel(placements, marks, output, Tags(title=article.title), settings, workers=3, fmt=M4B)
    stream = ffprobe_format(output)["stream"]
    assert (int(stream["sample_rate"]), int(stream["channels"])) == (rate, channels)
    audio = decode(output)  # mono, back at 22 050 Hz
    chapters = ffprobe_chapters(output)
    assert [round(c["start"] * 1000) for c in chapters] == [c.start_ms for c in written.chapters]
    assert_speech_at_every_chapter(audio, chapters)
