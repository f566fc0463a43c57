"""The conversion pipeline: file -> Article -> jobs -> clips -> programme -> MP3.

Each step is a plain function of the previous step's data; only this module strings them
together and touches files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .audio.encode import Mp3Settings, cover_kind, encode_audio
from .audio.formats import AudioFormat, check_sample_rate, format_for, format_named
from .audio.jingles import with_jingles
from .files import DEFAULT_MAX_BYTES, atomic_output, check_output_folder
from .helpers import Helpers
from .model import Article, Chapter, Clip, SpeechJob, Tags, Timeline
from .parsing import parse_article
from .plan import chapter_marks, gaps_ms, plan_speech, with_intro_outro
from .speech.cache import ClipCache, default_cache_dir
from .speech.engines import Engine
from .speech.render import SpeechPool, render_clips
from .speech.voices import Profile, load_profile

# The audio modules that load NumPy are imported where they are used, after the speech
# workers have their first clips, so that a long article's speech starts ≈ 0.1 s sooner.
if TYPE_CHECKING:
    from .audio.assemble import Placement
    from .audio.levels import Measurer
    from .audio.loudness import LoudnessPlan


@dataclass
class Options:
    """How to convert; the defaults are what the CLI uses."""

    voices: str | os.PathLike[str] | None = None
    """Profile name or path (None: the default profile)."""
    profile: Profile | None = None
    """An already loaded profile (wins over ``voices``)."""
    engine: Engine | str = "pyttsx3"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = None
    """Clip cache folder; None means the user cache folder."""
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    """Refuse article files larger than this (``--max-size``)."""
    mp3: Mp3Settings = field(default_factory=Mp3Settings)
    model: str | os.PathLike[str] | None = None
    """A Piper voice file (``voice.onnx``) that speaks every segment, whatever the profile says."""
    speaker: int | None = None
    """Speaker of a multi-speaker Piper ``model``."""
    format: str | None = None
    """Output format (mp3, m4b, m4a, wav, opus); None: from the output's extension."""
    loudness_lufs: float | None = None
    """Integrated loudness target; None: −19 LUFS mono, −16 LUFS stereo."""
    normalize: bool = True
    """Balance the voices and bring the programme to the loudness target."""
    cover: Path | None = None
    """Cover art (JPEG or PNG) embedded in the output."""
    album: str | None = None
    """Album tag: the collection or feed the article belongs to."""
    language: str | None = None
    """Language to speak in (``--lang``); None: front matter, detection, else English."""
    lexicons: tuple[str | os.PathLike[str], ...] = ()
    """Lexicon files (``--lexicon``), added to the profile's and the article folder's."""
    voice: str | None = None
    """Engine voice for every kind (``--voice``); quotations keep their variant."""
    quote_voice: str | None = None
    """Engine voice for quotations (``--quote-voice``)."""
    rate: int | None = None
    """Body rate in words per minute (``--rate``); other kinds keep their relative pace."""
    pool: SpeechPool | None = None
    """Open worker processes to render clips with (a batch or a feed shares one)."""
    offline: bool = False
    """Never fetch a URL; read it from the page cache or fail (``--offline``)."""


@dataclass(frozen=True)
class ConvertResult:
    """What a conversion produced."""

    output: Path
    article: Article
    timeline: Timeline
    clips: int
    cached_clips: int
    loudness: LoudnessPlan | None = None
    """What was done to the level (None when nothing was measured)."""


Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while clips render."""


class _ArrivalMeasurer:
    """Measures each clip as it arrives, while the workers render the next ones (see
    ``levels.Measurer``). The measuring code, and NumPy with it, is loaded with the first
    clip: the speech workers have their first clips by then, so the import (≈ 0.1 s)
    overlaps their work instead of delaying it."""

    def __init__(self) -> None:
        self._measurer: Measurer | None = None

    def _loaded(self) -> Measurer:
        if self._measurer is None:
            from .audio.levels import Measurer

            self._measurer = Measurer()
        return self._measurer

    def start(self, clip: Clip) -> None:
        self._loaded().start(clip)

    def finish(self, clips: list[Clip]) -> list[Clip]:
        return self._loaded().finish(clips)


def load_article(source: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES, offline: bool = False) -> Article:
    """Read and parse one article: a file (text, Markdown, HTML), a URL or "-" (stdin)."""
    from .sources import load_source

    return load_source(source, max_bytes=max_bytes, offline=offline)[0]


def default_output(source: str | os.PathLike[str], suffix: str) -> Path:
    """Beside a file, named after it; a URL or standard input goes in the current folder."""
    from .sources import is_url, source_stem

    name = str(source)
    if name == "-" or is_url(name):
        return Path(source_stem(name) + suffix)
    return Path(source).with_suffix(suffix)


def article_tags(article: Article) -> Tags:
    """ID3 tags for an article's MP3."""
    return Tags(title=article.title, artist=article.author, date=article.date, language=article.language)


DESCRIPTION_CHARS = 300


def article_description(article: Article, limit: int = DESCRIPTION_CHARS) -> str | None:
    """The first body paragraph, cut at a word before ``limit`` characters (for players
    and podcast apps that show a summary)."""
    from .model import SegmentKind

    first = next((s for s in article.segments() if s.kind == SegmentKind.BODY), None)
    if first is None:
        return None
    words = " ".join(s.text for s in article.segments() if s.paragraph == first.paragraph)
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


def convert(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    options: Options | None = None,
    progress: Progress | None = None,
    helpers: Helpers | None = None,
) -> ConvertResult:
    """Convert one article file into an MP3 with chapter markers; returns what was made.

    ``helpers`` are processes already started for this article (``Helpers.start``); they
    are stopped when it is done."""
    options = options or Options()
    source = source if isinstance(source, str) else Path(source)  # a URL is no Path ("//" would fold)
    suffix = format_named(options.format).suffixes[0] if options.format else ".mp3"
    output = Path(output) if output else default_output(source, suffix)
    if helpers is None:
        helpers = Helpers.start(Path(source), options.engine, options.workers) if options.pool is None else Helpers()
    with helpers:
        article = load_article(source, options.max_bytes, options.offline)
        profile = speech_profile(source, options)
        return render_article(article, output, profile, options, progress, helpers)


def speech_profile(source: str | os.PathLike[str], options: Options) -> Profile:
    """The voice profile for one article: loaded, with the command line's overrides and the
    project lexicon (``lexicon.txt``/``lexicon.toml`` beside the article, then ``--lexicon``)."""
    from .speech.lexicon import project_lexicon

    profile = options.profile or load_profile(options.voices)
    profile = profile.with_overrides(voice=options.voice, quote_voice=options.quote_voice, rate=options.rate)
    return profile.with_lexicon(project_lexicon(Path(source), options.lexicons))


def with_piper_model(profile: Profile, model: str | os.PathLike[str], speaker: int | None = None) -> Profile:
    """The profile with one Piper voice for every kind (rates and pauses kept)."""
    from .speech.voices import piper_voice_name

    path = str(Path(model).expanduser().absolute())
    return profile.with_voice(
        engine="piper", model=path, speaker=speaker, voice=piper_voice_name(path, speaker)
    )


def clip_cache(options: Options, scratch: str | os.PathLike[str]) -> ClipCache:
    """The clip cache a run uses: the shared one, or ``scratch`` with ``--no-cache``."""
    return ClipCache((options.cache_dir or default_cache_dir()) if options.use_cache else Path(scratch))


def encode_whole(
    placements: list[Placement],
    plan: LoudnessPlan,
    rate: int,
    output: Path,
    tags: Tags,
    chapters: tuple[Chapter, ...],
    options: Options,
    output_format: AudioFormat,
    progress: Progress | None = None,
) -> None:
    """The programme through one ffmpeg, voices balanced and loudness set by ``plan``;
    ``progress`` hears ("encode", frames handed to ffmpeg, frames in all)."""
    from .audio.assemble import pcm_chunks
    from .audio.loudness import balanced

    total = placements[-1].end_frame + placements[-1].gap_after if placements else 0
    done = 0

    def advance(frames: int) -> None:
        nonlocal done
        done = min(total, done + frames)
        if progress:
            progress("encode", done, total)

    encode_audio(
        pcm_chunks(balanced(placements, plan)),
        rate,
        output,
        tags,
        chapters,
        options.mp3,
        output_format,
        plan.filters(rate, output_format.limiter_ceiling_dbtp),
        advance,
    )
    if progress:
        progress("encode", total, total)


def render_article(
    article: Article,
    output: Path,
    profile: Profile,
    options: Options,
    progress: Progress | None = None,
    helpers: Helpers | None = None,
) -> ConvertResult:
    """Render a parsed article to ``output`` (replaced atomically), with ``helpers``
    already started or, by default, processes started as the work needs them."""
    from .errors import InputError

    output_format = format_for(output, options.format)  # checked before any speech is rendered
    check_output_folder(output)
    check_sample_rate(options.mp3.sample_rate)
    if options.cover is not None:
        cover_kind(options.cover)
    if options.model:
        profile = with_piper_model(profile, options.model, options.speaker)
    from .speech.resolve import engine_catalog

    catalog = engine_catalog(options.engine)
    jobs: list[SpeechJob] = plan_speech(article, profile, language=options.language, catalog=catalog)
    if not jobs:
        raise InputError(f"{article.title!r} has nothing left to say once clutter is removed")
    article = replace(article, language=jobs[0].language)  # as spoken: --lang, front matter or detected
    jobs = with_intro_outro(article, jobs, profile, catalog=catalog)
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress("speech", done, len(jobs))

    # in_use: other processes may share the cache, but none evicts a clip until we are done.
    with (
        tempfile.TemporaryDirectory(prefix="audio-articles-") as scratch,
        clip_cache(options, scratch).in_use() as cache,
    ):
        helpers = helpers or Helpers()
        pool = options.pool or helpers.pool
        measurer = _ArrivalMeasurer() if options.normalize else None
        ready = measurer.start if measurer else None
        clips = render_clips(jobs, cache, options.engine, options.workers, tick, pool, ready)
        helpers.close_pool()
        from .audio import parallel
        from .audio.assemble import place_clips
        from .audio.loudness import balanced, loudness_plan, no_change

        jobs, clips = with_jingles(jobs, clips, profile.intro_jingle, profile.outro_jingle, Path(scratch))
        if measurer is not None:
            clips = measurer.finish(clips)
        placements, timeline = place_clips(jobs, clips, gaps_ms(article, jobs, profile), chapter_marks(article))
        rate = clips[0].sample_rate
        in_parts = parallel.worth_it(output_format, placements, options.workers)
        plan = (
            loudness_plan(placements, options.mp3.channels, options.loudness_lufs)
            if options.normalize
            else no_change(options.loudness_lufs)
        )
        tags = replace(
            article_tags(article),
            album=options.album,
            cover=options.cover,
            length_ms=timeline.duration_ms,
            description=article_description(article),
        )
        with atomic_output(output) as temp:
            if in_parts:
                # Parts encoded on every core; chapter times come from the frames written.
                timeline = parallel.encode_parallel(
                    balanced(placements, plan),
                    chapter_marks(article),
                    temp,
                    tags,
                    options.mp3,
                    plan.filters(rate, output_format.limiter_ceiling_dbtp),
                    options.workers,
                    (lambda done, total: progress("encode", done, total)) if progress else None,
                    output_format,
                )
            else:
                encode_whole(placements, plan, rate, temp, tags, timeline.chapters, options, output_format, progress)
    return ConvertResult(
        output=output,
        article=article,
        timeline=timeline,
        clips=len(clips),
        cached_clips=sum(clip.cached for clip in clips),
        loudness=plan if options.normalize else None,
    )
