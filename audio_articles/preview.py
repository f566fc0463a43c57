"""Preview: render one part of an article (or a line of text) in a second, to listen and fix.

The part is voiced exactly as a full conversion voices it: the same parsing, profile,
speech-ready text and clip cache, so a previewed paragraph's clips are reused by the
conversion that follows (and the other way round). Numbers are the ones ``inspect`` shows:
``paragraph`` is the block number, ``segment`` the 1-based position over the article,
``section`` the 1-based section.

It is planned by the conversion's own planner; only the selected part is rendered, in
this process (no worker pool).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from .convert import check_production, render_plan
from .errors import InputError
from .model import Article, Plan, Section, Segment, SegmentKind, SpeechJob, Timeline
from .plan import gaps_ms, plan_article, speech_profile
from .settings import Options
from .sources import load_article, source_stem
from .speech.voices import Profile

PART_KINDS = ("paragraph", "segment", "section")


@dataclass(frozen=True)
class Part:
    """Which part of an article to preview."""

    kind: str
    """"paragraph", "segment" or "section"."""
    number: int
    """1-based, as ``inspect`` shows it."""

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


@dataclass(frozen=True)
class PreviewResult:
    """What a preview produced."""

    output: Path
    what: str
    """What was rendered, e.g. "paragraph 3" or "text"."""
    jobs: tuple[SpeechJob, ...]
    timeline: Timeline
    """Where each segment lies in the preview."""
    clips: int
    cached_clips: int
    player: object | None = None
    """The ``playback.StreamPlayer`` already playing it, when it was streamed."""

    @property
    def duration_ms(self) -> int:
        return self.timeline.duration_ms


def choose_part(paragraph: int | None = None, segment: int | None = None, section: int | None = None) -> Part | None:
    """The one part asked for, None when none was; InputError when several were.

    >>> choose_part(paragraph=3)
    Part(kind='paragraph', number=3)
    """
    given = [Part(kind, n) for kind, n in zip(PART_KINDS, (paragraph, segment, section)) if n is not None]
    if len(given) > 1:
        raise InputError(f"preview one part at a time, not {' and '.join(str(p) for p in given)}")
    return given[0] if given else None


def number_ranges(numbers: list[int]) -> str:
    """Sorted numbers written as compact ranges.

    >>> number_ranges([1, 2, 3, 5, 7, 8])
    '1-3, 5, 7-8'
    >>> number_ranges([4])
    '4'
    """
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def part_segment_indexes(article: Article, part: Part) -> list[int]:
    """The 1-based segment indexes a part covers; InputError naming the valid numbers."""
    if part.kind == "segment":
        total = sum(len(section.segments) for section in article.sections)
        if not 1 <= part.number <= total:
            raise InputError(f"segment {part.number} is out of range; this article has segments 1-{total}")
        return [part.number]
    if part.kind == "section":
        count = len(article.sections)
        if not 1 <= part.number <= count:
            raise InputError(f"section {part.number} is out of range; this article has sections 1-{count}")
        first = 1 + sum(len(section.segments) for section in article.sections[: part.number - 1])
        indexes = list(range(first, first + len(article.sections[part.number - 1].segments)))
        if not indexes:
            raise InputError(f"section {part.number} has nothing to say")
        return indexes
    if part.kind == "paragraph":
        by_paragraph: dict[int, list[int]] = {}
        for index, segment in enumerate(article.segments(), start=1):
            by_paragraph.setdefault(segment.paragraph, []).append(index)
        if part.number in by_paragraph:
            return by_paragraph[part.number]
        valid = number_ranges(list(by_paragraph))
        if by_paragraph and min(by_paragraph) <= part.number <= max(by_paragraph):
            raise InputError(f"paragraph {part.number} has no spoken text; choose one of {valid}")
        raise InputError(f"paragraph {part.number} is out of range; this article has paragraphs {valid}")
    raise InputError(f"cannot preview a {part.kind!r}; choose one of: {', '.join(PART_KINDS)}")


def text_article(text: str, kind: SegmentKind = SegmentKind.BODY, like: Article | None = None) -> Article:
    """A one-segment article speaking ``text`` with ``kind``'s voice, in ``like``'s language."""
    words = " ".join(text.split())
    if not words:
        raise InputError("--text is empty; give the words to speak")
    segment = Segment(kind=kind, text=words, paragraph=1, start=0, end=len(text))
    base = like or Article(title=words, sections=())
    return replace(base, title=words, sections=(Section(title=words, segments=(segment,)),), removed=())


def default_output(name: str, what: str) -> Path:
    """A WAV in this user's temporary folder, named after the article and the part."""
    try:
        user = os.getlogin()
    except OSError:
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"audio-articles-{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    slug = re.sub(r"[^\w]+", "-", f"{name} {what}".lower()).strip("-")[:80] or "preview"
    return folder / f"{slug}.wav"


def preview(
    source: str | os.PathLike[str] | None = None,
    part: Part | None = None,
    text: str | None = None,
    output: str | os.PathLike[str] | None = None,
    options: Options | None = None,
    kind: SegmentKind = SegmentKind.BODY,
    stream=None,
) -> PreviewResult:
    """Render ``part`` of the article at ``source`` (or ``text``, in its language) to ``output``.

    ``options`` are a conversion's (profile and its overrides, language, lexicons, engine,
    cache, loudness); the plan is the conversion's own (``plan.plan_article``), of which
    only the chosen part is rendered, in this process. The output's format follows its
    extension (WAV by default).

    ``stream`` (``playback.stream_player``), when given, is asked for a player at the clips'
    rate if an engine of the part speaks sentence by sentence (Piper voices): the part is
    then played as it is rendered, the first sentence while the next is spoken, and the
    player is returned in the result, still playing. The file is written as without it.
    """
    options = options or Options()
    from .convert import use_device

    use_device(options.runtime.device)
    if part is None and text is None:
        raise InputError("choose what to preview: --paragraph N, --segment N, --section N or --text '…'")
    if part is not None and text is not None:
        raise InputError(f"preview either {part} or --text, not both")
    if part is not None and source is None:
        raise InputError(f"--{part.kind} needs an article file; or use --text '…' alone")
    name = source_stem(source) if source is not None else ""
    what = "text" if text is not None else str(part)
    output = Path(output) if output is not None else default_output(name, what)
    output_format = check_production(output, options.production)  # before the article is read
    production = options.production
    profile = speech_profile(Path(source) if source is not None else Path("text"), production)
    if stream is not None:
        warm_body_voice(profile, options)  # loads on the other core while the article is planned
    plan = plan_article(load_article(source, options.max_bytes, options.offline), profile, production) if source else None
    if text is None:
        wanted = part_segment_indexes(plan.article, part)
    else:  # spoken in the article's language, as the article would be
        like = plan.article if plan else None
        if like is not None:
            production = replace(production, language=like.language)
        plan = plan_article(text_article(text, kind, like=like), profile, production)
        wanted = [1]
    # One process, no jingles: only the chosen part is heard.
    runtime = replace(options.runtime, workers=1, pool=None)
    profile = replace(profile, intro_jingle=None, outro_jingle=None)
    chosen = part_plan(plan, wanted, profile)
    player, streamed = stream_part(chosen, Options(production, runtime), stream) if stream is not None else (None, 0)
    try:
        result = render_plan(chosen, output, profile, Options(production, runtime), output_format=output_format)
    except BaseException:
        if player is not None:
            player.stop()
        raise
    return PreviewResult(
        output=output,
        what=what,
        jobs=tuple(job for job in plan.jobs if job.index in set(wanted)),
        timeline=result.timeline,
        clips=result.clips,
        cached_clips=result.cached_clips - streamed,  # rendered just before, while playing
        player=player,
    )


def warm_body_voice(profile: Profile, options: Options) -> None:
    """Start loading the profile's body voice in a thread, when it is a Piper voice of the
    profile's own (not replaced by ``--model``)."""
    voice = profile.settings(SegmentKind.BODY).voice
    if not voice.model or options.production.model is not None:
        return
    from .speech.render import engine_set

    try:
        engine = engine_set(options.production.engine).for_voice(voice)
    except Exception:  # noqa: BLE001 - reported when the part is rendered
        return
    threading.Thread(target=_quietly, args=(engine.warm_voice, voice), daemon=True).start()


def _quietly(function, *arguments) -> None:
    try:
        function(*arguments)
    except Exception:  # noqa: BLE001 - the same error is raised, and reported, when the voice is used
        pass


def stream_part(plan: Plan, options: Options, start_player):
    """Play ``plan``'s clips as they are rendered, when an engine of the part speaks
    sentence by sentence (and clips are cached, for the file to reuse); the player, or
    None when nothing was streamed; and how many clips it rendered. Heard at the clips'
    own level (the file's loudness is set afterwards), with their pauses."""
    from .convert import clip_cache
    from .speech.cache import clip_key
    from .audio.assemble import read_samples
    from .speech.render import engine_set

    production, runtime = options.production, options.runtime
    engines = engine_set(production.engine)
    rendered = 0
    streaming = [engine for engine in map(engines.for_voice, (job.voice for job in plan.jobs)) if engine.streams]
    if not streaming or not runtime.use_cache:
        return None, 0
    rate = streaming[0].output_rate
    player = start_player(rate)
    if player is None:
        return None, 0
    # The first voice loads while the clips are looked up (its model's hash, the cache).
    first = next(job.voice for job in plan.jobs if engines.for_voice(job.voice).streams)
    threading.Thread(target=_quietly, args=(engines.for_voice(first).warm_voice, first), daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="audio-articles-") as scratch, clip_cache(runtime, scratch).in_use() as cache:
            for job, gap in zip(plan.jobs, plan.gaps_ms):
                engine = engines.for_voice(job.voice)
                key = clip_key(engines.identity(job.voice), job.spoken, job.voice)
                clip = cache.get(key)
                rendered += clip is None
                if clip is None and engine.streams and engine.output_rate == rate:
                    cache.publish(engine.stream(job.spoken, job.voice, cache.prepare(key), player.write), key)
                else:
                    if clip is None:
                        clip = cache.publish(engine.synthesize(job.spoken, job.voice, cache.prepare(key)), key)
                    player.write(read_samples(clip) / 32768.0)
                player.silence(gap, rate)
    except BaseException:
        player.stop()
        raise
    return player, rendered


def part_plan(plan: Plan, indexes: list[int], profile: Profile) -> Plan:
    """The plan of only the jobs numbered ``indexes``: their pauses, their chapters."""
    chosen = set(indexes)
    jobs = [job for job in plan.jobs if job.index in chosen]
    marks = tuple(mark for mark in plan.chapters if mark.first_index in chosen)
    return replace(plan, jobs=tuple(jobs), gaps_ms=tuple(gaps_ms(plan.article, jobs, profile)), chapters=marks)
