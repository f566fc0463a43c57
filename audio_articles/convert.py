"""The production tail, written once: Plan -> clips -> programme -> audio file.

``convert`` reads and plans one article file; ``render_plan`` renders any plan (a whole
article, or the part ``preview`` chose), balances and levels it, and encodes it with tags
and chapters. Only this module strings the stages together and touches files.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .audio.encode import cover_kind, encode_audio, finish_id3
from .audio.formats import AudioFormat, TagStyle, check_bitrate, check_sample_rate, format_for, format_named
from .audio.jingles import with_jingles
from .errors import AudioArticlesError, OutputError
from .files import atomic_output, check_output_file, check_output_folder, output_lock
from .run.helpers import Helpers
from .model import Article, Chapter, Clip, Plan, Tags, Timeline
from .plan import gaps_ms, plan_article, speech_profile, with_piper_model
from .settings import Options, Production, Runtime
from .sources import default_output, load_article
from .speech.cache import ClipCache, default_cache_dir
from .speech.render import render_clips
from .speech.voices import Profile

# The audio modules that load NumPy are imported where they are used, after the speech
# workers have their first clips, so that a long article's speech starts ≈ 0.1 s sooner.
if TYPE_CHECKING:
    from .audio.assemble import Placement
    from .audio.levels import Measurer
    from .audio.loudness import LoudnessPlan

__all__ = [
    "ConvertResult", "Options", "Production", "Runtime", "convert", "load_article", "render_article",
    "render_plan", "speech_profile", "with_piper_model",
]  # fmt: skip


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


log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total): ("speech", clips, clips) while clips render,
then ("encode", ms of audio, ms of audio) while the programme is encoded."""


def _encode_in_ms(progress: Progress | None, rate: int) -> Progress | None:
    """``progress`` hearing the encoder's frames as milliseconds of audio."""
    if progress is None:
        return None
    return lambda stage, done, total: progress(stage, done * 1000 // rate, total * 1000 // rate)


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


def article_tags(article: Article, genre: str | None = None) -> Tags:
    """Tags for an article's file: its date as ISO 8601 (ID3 TDRC), its address if any."""
    from .feed.dates import parse_date

    moment = parse_date(article.date)
    date = moment.date().isoformat() if moment else None
    return Tags(
        title=article.title, artist=article.author, date=date, language=article.language, genre=genre, url=article.url
    )


DESCRIPTION_CHARS = 300


def article_description(article: Article, limit: int = DESCRIPTION_CHARS) -> str | None:
    """The first paragraph, cut at a word before ``limit`` characters (for players and
    podcast apps that show a summary)."""
    words = article.first_paragraph()
    if len(words) <= limit:
        return words or None
    return words[:limit].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


def use_device(device: str | None) -> None:
    if device is not None:
        from .speech.engines.piper_model import use_device as use

        use(device)


def convert(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    options: Options | None = None,
    progress: Progress | None = None,
    helpers: Helpers | None = None,
) -> ConvertResult:
    """Convert one article file into an MP3 (or the format asked for) with chapter markers.

    ``helpers`` are processes already started for this article (``Helpers.start``); they
    are stopped when it is done."""
    options = options or Options()
    source = source if isinstance(source, str) else Path(source)  # a URL is no Path ("//" would fold)
    output = Path(output) if output else default_output(source, output_suffix(options.production))
    use_device(options.runtime.device)  # before any worker starts: they inherit it
    if helpers is None:
        helpers = Helpers.start(Path(source), options.engine, options.workers) if options.pool is None else Helpers()
    with helpers:
        if not (isinstance(source, str) and (source == "-" or "://" in source)):
            check_output_file(output, [source])  # before reading: an article is never written over
        article = load_article(source, options.max_bytes, options.offline)
        return render_article(article, output, speech_profile(source, options.production), options, progress, helpers)


def output_suffix(production: Production) -> str:
    """The file extension of the format asked for (MP3 when none was)."""
    return format_named(production.format).extension if production.format else ".mp3"


def clip_cache(runtime: Runtime, scratch: str | os.PathLike[str]) -> ClipCache:
    """The clip cache a run uses: the shared one, or ``scratch`` with ``--no-cache``."""
    return ClipCache((runtime.cache_dir or default_cache_dir()) if runtime.use_cache else Path(scratch))


def _no_space(error: BaseException) -> bool:
    """Whether ``error`` (raised here, or sent back by a speech worker) is a full disk."""
    if isinstance(error, OSError):
        return error.errno == errno.ENOSPC
    return "No space left" in str(error) or "disk full" in str(error)


@contextlib.contextmanager
def _usable_cache(runtime: Runtime, scratch: str) -> Iterator[ClipCache]:
    """The run's clip cache, in use (``ClipCache.in_use``); the scratch folder instead,
    with a warning, when the cache's disk is too full even to hold its lock file."""
    stack = contextlib.ExitStack()
    try:
        cache = stack.enter_context(clip_cache(runtime, scratch).in_use())
    except OutputError as error:
        if not (runtime.use_cache and _cache_disk_full(runtime)):
            raise
        log.warning("no space left for the clip cache (%s); going on without caching", error)
        yield ClipCache(Path(scratch))
        return
    with stack:
        yield cache


def _cache_disk_full(runtime: Runtime) -> bool:
    root = runtime.cache_dir or default_cache_dir()
    while not root.exists() and root != root.parent:
        root = root.parent
    try:
        info = os.statvfs(root)
    except (OSError, AttributeError):
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024


def encode_whole(
    placements: list[Placement],
    plan: LoudnessPlan,
    rate: int,
    output: Path,
    tags: Tags,
    chapters: tuple[Chapter, ...],
    production: Production,
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
        production.mp3,
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
    """Plan a parsed article and render it to ``output`` (replaced atomically)."""
    output_format = check_production(output, options.production)  # before any speech is planned
    plan = plan_article(article, profile, options.production)
    return render_plan(plan, output, profile, options, progress, helpers, output_format=output_format)


def check_production(output: Path, production: Production) -> AudioFormat:
    """The output's format, once its folder, sample rate and cover are known to be usable."""
    output_format = format_for(output, production.format)
    check_output_folder(output)
    check_sample_rate(production.mp3.sample_rate)
    check_bitrate(output_format, production.mp3.bitrate_kbps)
    if production.cover is not None:
        cover_kind(production.cover)
    return output_format


def render_plan(
    plan: Plan,
    output: Path,
    profile: Profile,
    options: Options,
    progress: Progress | None = None,
    helpers: Helpers | None = None,
    *,
    output_format: AudioFormat | None = None,
) -> ConvertResult:
    """Render ``plan`` to ``output`` (replaced atomically), with ``helpers`` already started
    or, by default, processes started as the work needs them. ``output_format`` is what
    ``check_production`` gave a caller that checked before planning; else it is checked here."""
    production, runtime = options.production, options.runtime
    output_format = output_format or check_production(output, production)
    jobs = list(plan.jobs)
    article = plan.article
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress("speech", done, len(jobs))

    # in_use: other processes may share the cache, but none evicts a clip until we are done.
    # The output's lock: a second run writing the same file stops now, not after rendering.
    with (
        output_lock(output),
        tempfile.TemporaryDirectory(prefix="audio-articles-") as scratch,
        _usable_cache(runtime, scratch) as cache,
    ):
        helpers = helpers or Helpers()
        pool = runtime.pool or helpers.pool
        measurer = _ArrivalMeasurer() if production.normalize else None
        try:
            clips = render_clips(
                jobs, cache, production.engine, runtime.workers, tick, pool, measurer.start if measurer else None
            )
        except (OSError, AudioArticlesError) as error:
            if not _no_space(error) or cache.root == Path(scratch):
                raise
            # The clip cache's disk is full: once more, each clip in this run's scratch
            # folder (freed at its end), as --no-cache would.
            log.warning(
                "no space left for the clip cache in %s; going on without caching (free some space, or set"
                " AUDIO_ARTICLES_CACHE to another disk)", cache.root,
            )  # fmt: skip
            done, cache = 0, ClipCache(Path(scratch))
            measurer = _ArrivalMeasurer() if production.normalize else None
            clips = render_clips(
                jobs, cache, production.engine, runtime.workers, tick, pool, measurer.start if measurer else None
            )
        helpers.close_pool()
        from .audio import parallel
        from .audio.assemble import place_clips
        from .audio.loudness import balanced, loudness_plan, no_change

        jobs, clips = with_jingles(jobs, clips, profile.intro_jingle, profile.outro_jingle, Path(scratch))
        # A jingle is one more job at each end, so the pauses are counted again around it.
        gaps = list(plan.gaps_ms) if len(jobs) == len(plan.jobs) else gaps_ms(article, jobs, profile)
        if measurer is not None:
            clips = measurer.finish(clips)
        placements, timeline = place_clips(jobs, clips, gaps, list(plan.chapters))
        rate = clips[0].sample_rate
        encoding = _encode_in_ms(progress, rate)
        in_parts = parallel.worth_it(output_format, placements, runtime.workers)
        levels = (
            loudness_plan(placements, production.mp3.channels, production.loudness_lufs)
            if production.normalize
            else no_change(production.loudness_lufs)
        )
        tags = replace(
            article_tags(article, production.genre),
            album=production.album,
            cover=production.cover,
            length_ms=timeline.duration_ms,
            description=article_description(article),
        )
        with atomic_output(output) as temp:
            if in_parts:
                # Parts encoded on every core; chapter times come from the frames written.
                timeline = parallel.encode_parallel(
                    balanced(placements, levels),
                    list(plan.chapters),
                    temp,
                    tags,
                    production.mp3,
                    levels.filters(rate, output_format.limiter_ceiling_dbtp),
                    runtime.workers,
                    (lambda done, total: encoding("encode", done, total)) if encoding else None,
                    output_format,
                )
            else:
                encode_whole(placements, levels, rate, temp, tags, timeline.chapters, production, output_format, encoding)
            if output_format.tags == TagStyle.ID3:
                finish_id3(temp, tags)
    return ConvertResult(
        output=output,
        article=article,
        timeline=timeline,
        clips=len(clips),
        cached_clips=sum(clip.cached for clip in clips),
        loudness=levels if production.normalize else None,
    )
