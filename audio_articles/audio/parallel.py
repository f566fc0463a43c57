"""Encoding on every core: the programme is cut at pauses into parts, each part is
encoded by its own ffmpeg, and the frames are joined (MP3; AAC for M4B and M4A).

MP3 encoding, not speech synthesis, is the slow stage, and LAME uses one core. MP3 frames
can simply be concatenated, so the programme is cut in the middle of pauses into parts,
the parts are encoded at the same time (bare frames: no ID3 tag, no Xing header), and the
file is written as the ID3 tag followed by every part's frames. Each encoder starts on a
part of equal length; one that finishes while another still has much to do takes the
second half of what that one has not yet been fed (``PartQueue``), so all finish
together. The tag (tags, cover, chapters from ``encode.ffmetadata``) is made by ffmpeg's
own ID3 writer, on a moment of silence, and cut from that file: joining by ``ffmpeg -c
copy`` instead cost a second of one core per hour of audio, handling each of its 150,000
frames. That ffmpeg is started while the last part is still being encoded, and reads the
chapters on stdin once they are known.

The joined file is constant bit rate and has no Xing/LAME header, so players take its
length from its size, and decoders play the encoder's priming delay (50 ms of silence)
rather than skip it. Each part begins with that delay and ends padded to a whole frame.
The joins are exact all the same: LAME turns N samples into ``ceil(N / 576) + 2`` frames
at 22 050 Hz (``ceil(N / 1152) + 1`` at 44 100 Hz), so a part whose input fills whole
frames decodes to exactly its input plus 1152 samples (``Framing.overhead``); every part
but the last is given such a length, by moving under a frame of silence from the end of
its last pause to the start of the next part (``PartQueue``), and every part's leading
silence is shortened by the overhead. The file is then as long, to the sample, whatever
the number of parts (before, each join added ≈ 20 ms: -j 32 made an hour 0.58 s longer).
The chapter times are still computed from the frames actually written (each part's frame
count times the samples per frame), not from the programme plan.

AAC works the same way: each part is encoded to an ADTS stream (1024 samples a frame, 1024
of priming, which ADTS cannot flag, so it is played as well; N samples make
``ceil(N / 1024) + 1`` frames), and the parts' frames, one after another, are copied into
the MP4 container with the tags, chapters and cover.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from queue import SimpleQueue

from ..errors import AudioError
from ..model import ChapterMark, Tags, Timeline
from ..units import clock
from .assemble import Placement, pcm_chunks, timeline_of
from .encode import PIPE_QUEUE_PACKETS, EncodeSettings, _codec_args, _cover_args, ffmetadata, ffmpeg, run_ffmpeg
from .formats import AAC_PRIMING, LAME_PRIMING, MP3, AudioFormat, PartEncoding  # noqa: F401  (AAC_PRIMING: the tests)

SPLIT_SECONDS = 40
"""A part is split for an idle encoder only if each half keeps at least this much audio:
the new encoder takes ≈ 0.06 s to start, in which LAME encodes ≈ 40 s of speech, so a
split finishes sooner only when what is left is more than twice that."""
MIN_PART_SECONDS = 20
"""Programmes shorter than two parts of this are encoded in one piece (no gain)."""
DECODER_SKIP = 0
"""Samples decoders drop at the start of the joined file: none, as it has no LAME header
to say how many to drop (ffmpeg plays all 1105 samples of priming, measured)."""
@dataclass(frozen=True)
class Framing:
    """How an encoder frames a part, in output samples."""

    frame: int
    """Samples a frame."""
    priming: int
    """Samples decoded before the part's first input sample."""
    overhead: int
    """Samples the part decodes to beyond its input, when the input fills whole frames."""


def framing(parts: PartEncoding, out_rate: int) -> Framing:
    """How the format's encoder frames a part at ``out_rate`` (its record says)."""
    small = parts.low_rate_frame if parts.low_rate_frame and out_rate < 32000 else None
    return Framing(small or parts.frame, parts.priming, parts.overhead)


@dataclass(frozen=True)
class Alignment:
    """Part lengths that join exactly, in programme frames (at ``rate``; the encoder
    resamples to ``out_rate``)."""

    framing: Framing
    rate: int
    out_rate: int

    @property
    def compensation(self) -> int:
        """Frames of a part's leading silence that the encoder's overhead replaces."""
        return round(self.framing.overhead * self.rate / self.out_rate)

    def excess(self, frames: int) -> int:
        """Frames to take off an input of ``frames`` so it fills whole encoder frames
        (exact when a frame is a whole number of programme frames, as at 22 050 and
        44 100 Hz; within a frame otherwise)."""
        out = Fraction(frames * self.out_rate, self.rate)
        return round((out % self.framing.frame) * self.rate / self.out_rate)

EncodeProgress = Callable[[int, int], None]
"""Called as progress(frames_done, frames_total) while PCM is encoded."""


@dataclass(frozen=True)
class Part:
    """A run of placed clips encoded by one ffmpeg."""

    first: int
    """Index of its first placement."""
    stop: int
    """Index after its last placement."""
    lead: int
    """Frames of silence before its first clip."""
    tail: int
    """Frames of silence after its last clip (the part's share of the pause)."""


@dataclass(frozen=True)
class MpegStream:
    """What a run of MPEG audio frames holds."""

    frames: int
    samples_per_frame: int
    sample_rate: int

    @property
    def samples(self) -> int:
        return self.frames * self.samples_per_frame


_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layer III
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_header(header: bytes) -> tuple[int, int, int]:
    """(frame bytes, samples per frame, sample rate) of an MPEG layer III frame header.

    >>> frame_header(bytes([0xFF, 0xF3, 0x80, 0xC4]))  # MPEG-2, 64 kbit/s, 22 050 Hz
    (208, 576, 22050)
    >>> frame_header(bytes([0xFF, 0xFB, 0x92, 0x64]))  # MPEG-1, 128 kbit/s, 44 100 Hz, padded
    (418, 1152, 44100)
    """
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise AudioError("the encoder wrote something that is not an MP3 frame; check the ffmpeg install")
    version = (header[1] >> 3) & 3
    layer = (header[1] >> 1) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        raise AudioError("the encoder wrote an MP3 frame this tool cannot join (not layer III)")
    mpeg1 = version == 3
    rate = _RATES[version][rate_index]
    bitrate = _BITRATES_KBPS[1 if mpeg1 else 2][bitrate_index] * 1000
    samples = 1152 if mpeg1 else 576
    return samples // 8 * bitrate // rate + padding, samples, rate


COUNT_BLOCK = 1 << 20
"""Bytes read at a time when counting frames (a part of five hours holds 140 MB)."""


def count_frames(path: Path) -> MpegStream:
    """Walk the frame headers of a bare MPEG layer III file (no tags) and count them.

    A part's frames differ only in the padding bit, so a header like the last one is sized
    without being parsed: an hour has 150,000 frames, and the last part is counted while
    every core waits.
    """
    frames = samples = rate = 0
    second = third = unpadded = -1  # the last parsed header, less its padding bit
    with open(path, "rb") as handle:
        data = handle.read(COUNT_BLOCK)
        position, end = 0, len(data)
        while end:
            while position + 4 <= end:
                if data[position + 2] & 0xFD == third and data[position + 1] == second and data[position] == 0xFF:
                    position += unpadded + (data[position + 2] >> 1 & 1)
                else:
                    size, samples, rate = frame_header(data[position : position + 4])
                    second, third = data[position + 1], data[position + 2] & 0xFD
                    unpadded = size - (data[position + 2] >> 1 & 1)
                    position += size
                frames += 1
            if position >= end:  # the last frame ends in a later block
                handle.seek(position - end, 1)
                data, position = handle.read(COUNT_BLOCK), 0
            else:  # a header cut by the end of the block
                more = handle.read(COUNT_BLOCK)
                if not more:
                    frame_header(data[position:])  # raises: not a whole frame header
                data, position = data[position:] + more, 0
            end = len(data)
    return MpegStream(frames, samples, rate)


_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


def count_adts_frames(path: Path) -> MpegStream:
    """Walk the headers of an ADTS stream (AAC frames as ffmpeg's ``adts`` muxer writes
    them) and count its frames."""
    frames = 0
    samples = rate = 0
    with open(path, "rb") as handle:
        while header := handle.read(7):
            index = (header[2] >> 2) & 0xF if len(header) == 7 else len(_ADTS_RATES)
            if header[0] != 0xFF or header[1] & 0xF6 != 0xF0 or index >= len(_ADTS_RATES):
                raise AudioError("the encoder wrote something that is not an ADTS frame; check the ffmpeg install")
            rate = _ADTS_RATES[index]
            size = (header[3] & 3) << 11 | header[4] << 3 | header[5] >> 5
            samples = 1024 * ((header[6] & 3) + 1)
            handle.seek(size - 7, 1)
            frames += 1
    return MpegStream(frames, samples, rate)


def _cut_near(placements: Sequence[Placement], first: int, stop: int, target: int) -> int | None:
    """The index in ``first``..``stop - 1`` of the clip followed by a pause whose end lies
    nearest ``target`` (a frame), or None when none of them is followed by a pause."""
    candidates = (n for n in range(first, stop) if placements[n].gap_after > 0)
    return min(candidates, key=lambda n: abs(placements[n].end_frame - target), default=None)


def plan_parts(placements: Sequence[Placement], count: int) -> list[Part]:
    """Cut the programme into about ``count`` parts of equal length, each cut in the middle
    of the pause nearest the ideal place (never inside speech)."""
    total = placements[-1].end_frame + placements[-1].gap_after
    cuts: list[int] = []
    for k in range(1, count):
        best = _cut_near(placements, 0, len(placements) - 1, total * k // count)
        if best is not None and (not cuts or best > cuts[-1]):
            cuts.append(best)
    parts = []
    first, lead = 0, placements[0].start_frame
    for cut in cuts:
        gap = placements[cut].gap_after
        parts.append(Part(first, cut + 1, lead, gap // 2))
        first, lead = cut + 1, gap - gap // 2
    parts.append(Part(first, len(placements), lead, placements[-1].gap_after))
    return parts


def part_count(placements: Sequence[Placement], workers: int) -> int:
    """How many parts to start with: one a worker, fewer for short programmes (no part
    under ``MIN_PART_SECONDS``)."""
    rate = placements[0].clip.sample_rate
    seconds = (placements[-1].end_frame + placements[-1].gap_after) / rate
    if workers < 2 or seconds < 2 * MIN_PART_SECONDS:
        return 1
    return min(workers, int(seconds // MIN_PART_SECONDS))


def worth_it(fmt: AudioFormat, placements: Sequence[Placement], workers: int) -> bool:
    """Whether to encode in parts: MP3 or AAC (M4B, M4A) output, several workers, a
    programme long enough."""
    return fmt.parts is not None and bool(placements) and part_count(placements, workers) > 1


@dataclass
class Run:
    """A part while it is encoded: its end may still move earlier (see ``PartQueue``)."""

    first: int
    stop: int
    lead: int
    tail: int
    next: int
    """The next placement to feed to its encoder."""

    def part(self) -> Part:
        return Part(self.first, self.stop, self.lead, self.tail)


class PartQueue:
    """Hands out the parts to encode, one at a time, to encoders working at once.

    First the parts of ``plan_parts``, of equal length. Equal lengths still take unequal
    time (speech costs LAME more than silence, and the host's load varies), and an encoder
    without a part would leave its core idle: so the queue then cuts the part with the most
    audio not yet fed to its encoder at the pause nearest the middle of that audio, shortens
    it there, and hands out the rest as a new part. Parts are fed clip by clip through
    ``clips``, which sees such a cut before each clip.
    """

    def __init__(
        self, placements: Sequence[Placement], count: int, split_frames: int, alignment: Alignment | None = None
    ) -> None:
        self.placements = placements
        self.split_frames = split_frames
        self.alignment = alignment
        self.runs = [Run(p.first, p.stop, p.lead, p.tail, p.first) for p in plan_parts(placements, count)]
        for run, following in zip(self.runs, self.runs[1:]):
            self._align(run, following)
        self._waiting = list(self.runs)
        self._stopped = False
        self._lock = threading.Lock()

    def take(self) -> Run | None:
        """The next part to encode, or None when none is left worth an encoder start-up."""
        with self._lock:
            if self._stopped:
                return None
            return self._waiting.pop(0) if self._waiting else self._split()

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` was called (an encoder failed, or the run was stopped)."""
        return self._stopped

    def stop(self) -> None:
        """Hand out no more parts and end every part at the clip being fed (after a failure)."""
        with self._lock:
            self._stopped = True
            for run in self.runs:
                run.stop = min(run.stop, run.next)

    def _unfed(self, run: Run) -> int:
        if run.next >= run.stop:
            return 0
        return self.placements[run.stop - 1].end_frame + run.tail - self.placements[run.next].start_frame

    def _split(self) -> Run | None:
        run = max(self.runs, key=self._unfed)
        unfed = self._unfed(run)
        if not unfed:
            return None
        start = self.placements[run.next].start_frame
        end = start + unfed
        cut = _cut_near(self.placements, run.next, run.stop - 1, (start + end) // 2)
        if cut is None:
            return None
        gap = self.placements[cut].gap_after
        middle = self.placements[cut].end_frame + gap // 2
        if min(middle - start, end - middle) < self.split_frames:
            return None
        rest = Run(cut + 1, run.stop, gap - gap // 2, run.tail, cut + 1)
        run.stop, run.tail = cut + 1, gap // 2
        # ``run`` filled whole frames (unless last), so once it fills them again the rest does.
        self._align(run, rest)
        self.runs.insert(self.runs.index(run) + 1, rest)
        return rest

    def fed_frames(self, lead: int, first: int, stop: int, tail: int) -> int:
        """Frames of PCM an encoder is fed for a part (its lead less the compensation)."""
        compensation = self.alignment.compensation if self.alignment else 0
        frames = max(0, lead - compensation) + tail
        for n in range(first, stop):
            p = self.placements[n]
            frames += p.keep_end - p.keep_start + (p.gap_after if n < stop - 1 else 0)
        return frames

    def _align(self, run: Run, following: Run) -> None:
        """Move up to a frame of silence from the end of ``run`` to the start of
        ``following`` (neither fed yet), so that ``run`` fills whole encoder frames."""
        if self.alignment is None:
            return
        excess = self.alignment.excess(self.fed_frames(run.lead, run.first, run.stop, run.tail))
        if excess <= run.tail:
            run.tail -= excess
            following.lead += excess

    def clips(self, run: Run) -> Iterator[Placement]:
        """``run``'s placements, the last with the part's share of the pause after it."""
        while True:
            with self._lock:
                n = run.next
                if n >= run.stop:
                    return
                run.next += 1
                last = n == run.stop - 1
                tail = run.tail
            yield replace(self.placements[n], gap_after=tail) if last else self.placements[n]

    def parts(self) -> list[Part]:
        """The parts as encoded, in programme order (once every one is done)."""
        return [run.part() for run in self.runs]


def _part_pcm(lead: int, clips: Iterable[Placement], compensation: int) -> Iterator[bytes]:
    """A part's PCM: its lead silence (shortened by the priming delay), then its clips."""
    lead = max(0, lead - compensation)
    if lead:
        yield bytes(2 * lead)
    yield from pcm_chunks(clips)


def part_command(
    sample_rate: int, output: Path, settings: EncodeSettings, filters: Sequence[str], fmt: AudioFormat = MP3
) -> list[str]:
    """ffmpeg reading mono PCM on stdin and writing bare frames: MP3 (no tag, no Xing
    header), or AAC in ADTS."""
    out_rate = settings.sample_rate or sample_rate
    command = [
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
    ]  # fmt: skip
    if settings.channels == 2:
        filters = [*filters, "pan=stereo|c0=c0|c1=c0"]
    if filters:
        command += ["-af", ",".join(filters)]
    command += ["-ac", str(settings.channels), "-ar", str(out_rate), *_codec_args(fmt, settings)]
    return [*command, *fmt.parts.stream_args, "-f", fmt.parts.stream, str(output)]


def retimed(
    placements: Sequence[Placement],
    parts: Sequence[Part],
    streams: Sequence[MpegStream],
    priming: int = LAME_PRIMING,
    compensation: int | None = None,
) -> list[Placement]:
    """The placements where the joined file really has them (in programme frames, from
    the frames each part holds, each starting with ``priming`` samples, its lead having
    been shortened by ``compensation`` frames, by default the priming); the last gap of
    each part reaches the next part."""
    rate = placements[0].clip.sample_rate
    out_rate = streams[0].sample_rate
    to_frames = rate / out_rate
    if compensation is None:
        compensation = round(priming * to_frames)
    moved: list[Placement] = []
    written = 0  # output samples in the parts before this one
    part_starts = []
    for part, stream in zip(parts, streams):
        start = round((written + priming - DECODER_SKIP) * to_frames) + max(0, part.lead - compensation)
        part_starts.append(start)
        written += stream.samples
    total = round((written - DECODER_SKIP) * to_frames)
    for k, part in enumerate(parts):
        origin = placements[part.first].start_frame
        end_of_part = part_starts[k + 1] if k + 1 < len(parts) else total
        for n in range(part.first, part.stop):
            p = placements[n]
            start = part_starts[k] + p.start_frame - origin
            moved.append(replace(p, start_frame=start))
        last = moved[-1]
        moved[-1] = replace(last, gap_after=max(0, end_of_part - last.end_frame))
    return moved


def encode_parallel(
    placements: Sequence[Placement],
    marks: Sequence[ChapterMark],
    output: Path,
    tags: Tags,
    settings: EncodeSettings = EncodeSettings(),
    filters: Sequence[str] = (),
    workers: int = 2,
    progress: EncodeProgress | None = None,
    fmt: AudioFormat = MP3,
) -> Timeline:
    """Encode the placed programme into ``output`` (a temporary path) as MP3, or as AAC in
    ``fmt``'s MP4 container, using up to ``workers`` encoders at once; return the timeline
    of the file as written (its chapters are the ones stored in it). ``filters`` are the
    loudness plan's ffmpeg filters."""
    rate = placements[0].clip.sample_rate
    alignment = Alignment(framing(fmt.parts, settings.sample_rate or rate), rate, settings.sample_rate or rate)
    queue = PartQueue(placements, part_count(placements, workers), SPLIT_SECONDS * rate, alignment)
    total = placements[-1].end_frame + placements[-1].gap_after
    done = 0
    lock = threading.Lock()

    def advance(frames: int) -> None:
        nonlocal done
        with lock:
            done += frames
            if progress:
                progress(min(done, total), total)

    priming = fmt.parts.priming
    aac = fmt.parts.stream == "adts"
    compensation = alignment.compensation
    with tempfile.TemporaryDirectory(prefix="audio-articles-parts-") as scratch:
        streams: dict[int, MpegStream] = {}  # by the part's first placement
        what = f"the {fmt.name.upper()}"

        def part_path(first: int) -> Path:
            return Path(scratch) / f"part-{first:06d}{fmt.parts.suffix}"

        # The MP3's tag needs the chapter times, known once every part is written; its
        # ffmpeg is started as soon as one encoder has no part left (a core is then
        # free) and given the tags and chapters when they are known (≈ 0.1 s sooner).
        tagger = None if aac else EarlyFfmpeg(tag_command(tags, settings, rate, Path(scratch) / "tag.mp3"), "the MP3's tags")

        def encode_parts() -> None:
            # Each encoder takes parts until none is left worth a start-up.
            while (run := queue.take()) is not None:
                path = part_path(run.first)
                command = part_command(rate, path, settings, filters, fmt)
                chunks = _part_pcm(run.lead, queue.clips(run), compensation)
                start_ms = placements[run.first].start_frame * 1000 // rate
                try:
                    run_ffmpeg(command, chunks, f"{what} (the part from {clock(start_ms)})", advance)
                    streams[run.first] = count_adts_frames(path) if aac else count_frames(path)
                except BaseException:
                    queue.stop()  # the other encoders stop at their next clip
                    raise
            if tagger and not queue.stopped:
                tagger.start()

        with tagger or contextlib.nullcontext(), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            try:
                for finished in [pool.submit(encode_parts) for _ in range(max(1, workers))]:
                    finished.result()
            except BaseException:
                queue.stop()  # stopped here (Ctrl-C, SIGTERM): the encoders end at their next clip
                raise
            parts = queue.parts()
            paths = [part_path(part.first) for part in parts]
            if progress:
                progress(total, total)  # the priming compensation fed a little less than planned
            frames = [streams[part.first] for part in parts]
            timeline = timeline_of(retimed(placements, parts, frames, priming, compensation), marks, rate)
            metadata = ffmetadata(tags, timeline.chapters, fmt)
            if tagger:
                tagger.finish(metadata.encode("utf-8"))
                _join_mp3(tagger.output, paths, output)
            else:
                meta = Path(scratch) / "tags.ffmeta"
                meta.write_text(metadata, encoding="utf-8")
                _mux_aac(paths, meta, tags, fmt, output)
    return timeline


def _mux_aac(paths: Sequence[Path], meta: Path, tags: Tags, fmt: AudioFormat, output: Path) -> None:
    """The parts' AAC frames, one ADTS stream, copied into ``fmt``'s container with the
    tags, chapters and cover (copying costs ffmpeg a fraction of a second an hour)."""
    cover_in, cover_out = _cover_args(tags, fmt, 2)
    command = [
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "aac", "-thread_queue_size", str(PIPE_QUEUE_PACKETS), "-i", "pipe:0", "-i", str(meta), *cover_in,
        "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", *cover_out,
        "-c:a", "copy", "-f", fmt.muxer, str(output),
    ]  # fmt: skip

    def frames():
        for path in paths:
            with open(path, "rb") as part:
                while block := part.read(1 << 20):
                    yield block

    run_ffmpeg(command, frames(), f"the {fmt.name.upper()}")


def tag_command(tags: Tags, settings: EncodeSettings, rate: int, tagged: Path) -> list[str]:
    """ffmpeg writing the MP3's ID3 tag (tags, chapters, cover) into ``tagged``, reading the
    tags and chapters on stdin (FFMETADATA1).

    The tag comes with a few frames of silence, dropped (``id3_tag``): ffmpeg writes a
    cover only for a whole input, and keeps chapters past the end only without -t or -frames.
    """
    cover_in, cover_out = _cover_args(tags, MP3, 2)
    return [
        ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono:d=0.05", "-f", "ffmetadata", "-i", "pipe:0", *cover_in,
        "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", *cover_out,
        "-c:a", "libmp3lame", "-id3v2_version", str(settings.id3v2_version), "-write_xing", "0",
        "-f", "mp3", str(tagged),
    ]  # fmt: skip


class EarlyFfmpeg:
    """An ffmpeg started before what it reads on stdin exists, so its start-up (≈ 0.1 s)
    overlaps other work: ``start()`` it early, ``finish(data)`` when the data is known.
    Leaving the ``with`` block without ``finish`` ends it: it reads nothing, and whatever
    it makes of that (or its error) is left unused."""

    def __init__(self, command: list[str], what: str) -> None:
        self.command, self.what = command, what
        self.output = Path(command[-1])
        self._data: SimpleQueue[bytes | None] = SimpleQueue()
        self._done: Future | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._done is None:
                runner = ThreadPoolExecutor(max_workers=1)
                self._done = runner.submit(run_ffmpeg, self.command, self._stdin(), self.what)
                runner.shutdown(wait=False)

    def _stdin(self) -> Iterator[bytes]:
        data = self._data.get()
        if data is not None:
            yield data

    def finish(self, data: bytes) -> None:
        """Send ``data`` and wait for ffmpeg to end (a clear error if it fails)."""
        self.start()
        self._data.put(data)
        self._done.result()

    def __enter__(self) -> EarlyFfmpeg:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self._done is not None and not self._done.done():
            self._data.put(None)
            with contextlib.suppress(Exception):
                self._done.result()


def _join_mp3(tagged: Path, paths: Sequence[Path], output: Path) -> None:
    """The ID3 tag ffmpeg wrote in ``tagged``, then every part's MP3 frames."""
    with open(output, "wb") as joined:
        joined.write(id3_tag(tagged))
        for path in paths:
            with open(path, "rb") as part:
                shutil.copyfileobj(part, joined, 1 << 20)


def id3_tag(path: Path) -> bytes:
    """The ID3v2 tag at the start of ``path`` (header, frames and footer, if any).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".mp3") as handle:
    ...     _ = handle.write(b"ID3" + bytes([3, 0, 0, 0, 0, 1, 0]) + bytes(128) + b"frames")
    ...     _ = handle.seek(0)
    ...     len(id3_tag(Path(handle.name)))
    138
    """
    with open(path, "rb") as handle:
        header = handle.read(10)
        if len(header) < 10 or header[:3] != b"ID3":
            raise AudioError("ffmpeg wrote no ID3 tag; check the ffmpeg install")
        size = 0
        for byte in header[6:10]:  # "syncsafe": seven bits a byte
            size = size << 7 | byte & 0x7F
        footer = 10 if header[5] & 0x10 else 0
        return header + handle.read(size + footer)
