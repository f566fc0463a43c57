"""One article rendered on a worker that may be another machine, written here.

The worker gets everything as data (the parsed article, the profile with its lexicon, the
options, and the bytes of the cover and jingles), renders into its own scratch folder with
its own clip cache, and returns the encoded audio and its timeline. This process writes
every file with ``atomic_output``, so a worker that dies mid-article leaves nothing behind:
Dask runs its task again elsewhere and the file is written once, whole.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from pathlib import Path

from ..audio.loudness import LoudnessPlan
from ..convert import ConvertResult, load_article, render_article, speech_profile
from ..errors import AudioArticlesError, EngineError, InputError
from ..files import atomic_output
from ..model import Article, Timeline
from ..settings import Options, Runtime
from ..signals import interrupts_deferred
from .outcome import Failure

# The speech engines are not thread-safe: a worker running several tasks at once
# (``dask worker --nthreads 4``) renders one article at a time per process.
_render_lock = threading.Lock()


@dataclass(frozen=True)
class ShippedFile:
    """A file the worker needs (cover, jingle), sent as bytes since it may not share our disk."""

    name: str
    data: bytes


@dataclass(frozen=True)
class RenderedAudio:
    """What a worker sends back for one article."""

    audio: bytes
    """The encoded file (MP3, M4B, …), exactly as it is to be written."""
    article: Article
    """The article as spoken (its language settled)."""
    timeline: Timeline
    clips: int
    cached_clips: int
    loudness: LoudnessPlan | None


def render_on_worker(article: Article, profile, options, file_name: str, files: tuple[ShippedFile, ...] = ()):
    """Render one article into ``file_name`` in a scratch folder; return a RenderedAudio, or a
    Failure for a bad article (anything else is a bug, raised as is)."""
    with _render_lock, tempfile.TemporaryDirectory(prefix="audio-articles-worker-") as scratch:
        folder = Path(scratch)
        local = {shipped.name: folder / "in" / shipped.name for shipped in files}
        for shipped in files:
            local[shipped.name].parent.mkdir(exist_ok=True)
            local[shipped.name].write_bytes(shipped.data)
        profile = replace(profile, intro_jingle=_here(profile.intro_jingle, local), outro_jingle=_here(profile.outro_jingle, local))
        options = Options(options.production.relocated(lambda path: _here(path, local)), options.runtime)
        output = folder / file_name
        try:
            result = render_article(article, output, profile, options)
        except AudioArticlesError as error:
            return Failure.of(None, error)
        return RenderedAudio(
            audio=output.read_bytes(),
            article=result.article,
            timeline=result.timeline,
            clips=result.clips,
            cached_clips=result.cached_clips,
            loudness=result.loudness,
        )


def _here(path: Path | None, local: dict[str, Path]) -> Path | None:
    return local[_shipped_name(path)] if path is not None else None


def _shipped_name(path: Path) -> str:
    """Names are unique per file even when two files share a base name (two ``jingle.wav``)."""
    import hashlib

    return f"{hashlib.sha256(str(path).encode()).hexdigest()[:12]}-{Path(path).name}"


def worker_inputs(profile, options) -> tuple[tuple[ShippedFile, ...], object]:
    """The files a worker needs, as bytes, and the options to send with them (no local
    pool, one process per task, the worker's own clip cache)."""
    if not isinstance(options.engine, str):
        raise InputError("an engine instance cannot be sent to other processes; give the engine's name")
    jingles = [path for path in (profile.intro_jingle, profile.outro_jingle) if path is not None]
    paths = [*options.production.files(), *jingles]
    files = []
    for path in paths:
        try:
            files.append(ShippedFile(_shipped_name(path), Path(path).read_bytes()))
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror}") from None
    return tuple(files), Options(options.production, Runtime(workers=1, max_bytes=options.max_bytes, use_cache=options.use_cache))


def submit_article(executor, article: Article, profile, options, file_name: str) -> Future:
    """Send one article to the executor's workers."""
    files, worker_options = worker_inputs(profile, options)
    with interrupts_deferred():  # the first submit may start the local pool's processes
        return executor.executor.submit(render_on_worker, article, profile, worker_options, file_name, files)


def collect(future: Future, output: Path, executor, what: str):
    """Wait for one article and write its file atomically; returns a ConvertResult.

    A Failure becomes the AudioArticlesError it was; a task whose workers kept dying
    becomes an EngineError naming the article.
    """
    try:
        outcome = future.result()
    except executor.lost_worker_errors:
        raise EngineError(
            f"{what}: the workers of {executor.where} kept dying while rendering it; "
            "check their memory and logs, then run again"
        ) from None
    if isinstance(outcome, Failure):
        raise outcome.error()
    with atomic_output(output) as temp:
        temp.write_bytes(outcome.audio)
    return ConvertResult(
        output=output,
        article=outcome.article,
        timeline=outcome.timeline,
        clips=outcome.clips,
        cached_clips=outcome.cached_clips,
        loudness=outcome.loudness,
    )


def episode_renderers(executor, articles: dict[str, tuple[Article, object]], options) -> dict[str, Callable]:
    """For each key of ``articles`` (each an article and its voice profile), a function
    with ``render_article``'s signature that waits for that article's audio and writes it
    where asked. They are to be called in the order of ``articles``: each keeps
    ``executor.window()`` articles ahead submitted, so workers stay busy while this process
    writes, and a big archive never waits in memory all at once."""
    keys = list(articles)
    futures: dict[str, Future] = {}
    submitted = 0

    def top_up(position: int) -> None:
        nonlocal submitted
        while submitted < min(len(keys), position + executor.window()):
            key = keys[submitted]
            article, profile = articles[key]
            futures[key] = submit_article(executor, article, profile, options, "episode.mp3")
            submitted += 1

    def renderer(position: int, key: str) -> Callable:
        def render(article, output, profile, options, progress=None):
            top_up(position)
            # Dropping the future lets the cluster forget the audio once it is written.
            return collect(futures.pop(key), Path(output), executor, article.title)

        return render

    top_up(0)  # work starts now, not when the first episode is asked for
    return {key: renderer(position, key) for position, key in enumerate(keys)}


def convert_on_executor(items: Sequence, options, executor) -> Iterator[tuple[int, object]]:
    """Convert batch items on the executor's workers; yields (item index, ConvertResult or
    Failure) as each finishes. Articles are read and parsed here, just before they are
    sent (``executor.window()`` at a time), so workers need no access to the files."""
    pending: dict[Future, int] = {}
    waiting = iter(enumerate(items))
    try:
        while True:
            for index, item in waiting:
                try:
                    article = load_article(item.source, options.max_bytes)
                    profile = speech_profile(item.source, options.production)
                    pending[submit_article(executor, article, profile, options, item.output.name)] = index
                except AudioArticlesError as error:
                    yield index, Failure.of(item.source, error)
                if len(pending) >= executor.window():
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                item = items[index]
                try:
                    yield index, collect(future, item.output, executor, str(item.source))
                except AudioArticlesError as error:
                    yield index, Failure.of(item.source, error)
    finally:
        for future in pending:
            future.cancel()
