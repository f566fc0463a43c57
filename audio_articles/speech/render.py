"""Speech jobs -> clips on disk, from the cache or the engine, in a process pool when it pays.

A ``SpeechPool`` can outlive one article: a batch or a feed starts its worker processes
(and their engines) once and sends every article's clips, or whole articles, to them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from ..errors import EngineError
from ..model import Clip, SpeechJob, Voice
from ..signals import interrupts_deferred
from .cache import ClipCache, clip_key
from .engines import Engine, EngineSet

log = logging.getLogger(__name__)

POOL_MIN_CHARS = 8000
"""Below this much text, starting worker processes costs more than it saves."""

Progress = Callable[[int], None]
"""Called with the number of clips just finished."""
Ready = Callable[[Clip], None]
"""Told of each clip, in this process, as soon as it exists (to start measuring it)."""

_worker_engines: EngineSet | None = None


def _init_worker(engine_name: str) -> None:
    global _worker_engines
    sys.stdout = open(os.devnull, "w")  # stdout carries the command's own output
    _worker_engines = EngineSet(engine_name)  # each engine is created when first needed


def _warm_worker() -> None:
    assert _worker_engines is not None
    _worker_engines.for_voice(Voice("")).warm()


def _synthesize_in_worker(text: str, voice: Voice, path: Path) -> Clip:
    assert _worker_engines is not None
    return _worker_engines.for_voice(voice).synthesize(text, voice, path)


@functools.cache
def _process_engines(name: str) -> EngineSet:
    return _worker_engines if _worker_engines and _worker_engines.default_name == name else EngineSet(name)


def engine_set(engine: Engine | str) -> EngineSet:
    """The engines for a run. Named engines are created once per process and reused by
    every later article (creating one costs a tenth of a second); an instance is used as is."""
    return _process_engines(engine) if isinstance(engine, str) else EngineSet(engine)


WORKER_MODULES = ["audio_articles.speech.render", "audio_articles.speech.engines.pyttsx3_engine", "pyttsx3"]
"""Imported once by the fork server, so that every worker starts with them loaded. None
of them loads a speech library: pyttsx3's espeak-ng binding raises RuntimeError on import
where espeak-ng is missing, which would end the fork server (it skips only ImportError),
so each worker loads it when its engine first speaks, and reports a missing one."""


def pool_context():
    """forkserver where it exists: children never inherit an initialised engine.

    The server imports the workers' modules (not the program that started it, which the
    workers never use): each worker then forks with them loaded, instead of importing
    them on its own.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


class SpeechPool:
    """Worker processes, each with its own engine, started on first use and kept until
    ``close()`` (or the end of a ``with`` block), so many articles pay start-up once.

    ``cores`` is how many cores to use: one worker each."""

    def __init__(self, engine_name: str = "pyttsx3", cores: int = os.cpu_count() or 1) -> None:
        self.engine_name = engine_name
        self.workers = max(1, cores)
        self._executor: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None

    @property
    def executor(self) -> ProcessPoolExecutor:
        self._wait_for_start()
        return self._started()

    def _wait_for_start(self) -> None:
        """Wait for the workers ``warm`` is starting in the background, if any."""
        starting = self._starting
        if starting is not None:
            # A run stopped (SIGTERM, Ctrl-C) inside ``Thread.start`` leaves a thread not
            # yet started: join refuses it, and the thread, if it runs, does nothing. A
            # join itself stopped leaves it to be joined again (by ``close``).
            with contextlib.suppress(RuntimeError):
                starting.join()
            self._starting = None

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=pool_context(),
                initializer=_init_worker,
                initargs=(self.engine_name,),
            )
        return self._executor

    def submit(self, function, /, *args) -> Future:
        """``executor.submit``, taking Ctrl-C and SIGTERM only once done: it may start the
        pool's processes and its manager thread, and cut short halfway it would leave the
        pool unable to stop cleanly (a thread that never started cannot be joined; a
        worker still being born reads a queue already gone, and prints a traceback)."""
        with interrupts_deferred():
            return self.executor.submit(function, *args)

    def warm(self) -> SpeechPool:
        """Start every worker and its engine now, so they are ready when the clips come.

        The starting happens in a thread: launching a worker waits for the fork server
        to boot (≈ 0.1 s), time in which this process reads and plans the article.
        """

        def start() -> None:
            if self._starting is not starting:
                return  # given up before it ran (see _wait_for_start)
            try:
                for _ in range(self.workers):
                    self._started().submit(_warm_worker)
            except Exception:  # noqa: BLE001 - the pool fails the same way when used, and says why there
                log.debug("starting the speech workers failed", exc_info=True)

        starting = threading.Thread(target=start, name="speech-pool-start", daemon=True)
        self._starting = starting
        starting.start()
        return self

    def close(self, cancel: bool = False) -> None:
        self._wait_for_start()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
            self._executor = None

    def __enter__(self) -> SpeechPool:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.close(cancel=error is not None)


def is_long(jobs: Sequence[SpeechJob]) -> bool:
    """Whether there is enough text for worker processes to pay for their start-up."""
    return sum(len(job.spoken) for job in jobs) >= POOL_MIN_CHARS


def render_clips(
    jobs: Sequence[SpeechJob],
    cache: ClipCache,
    engine: Engine | str = "pyttsx3",
    workers: int = 1,
    progress: Progress | None = None,
    pool: SpeechPool | None = None,
    ready: Ready | None = None,
) -> list[Clip]:
    """One clip per job, in job order. Cached clips are reused; the rest are rendered.

    ``engine`` is an engine name (workers build their own) or an instance (used in this
    process only, as tests do with the fake engine). A voice that names its own engine
    (``Voice.engine``) is spoken by that one. An open ``pool`` (for the same engine) is
    used for any two or more clips, since its start-up is already paid.

    ``ready`` hears of each clip here as soon as it exists, cached or new, while the
    workers go on rendering.
    """
    engines = engine_set(engine)
    ready = ready or (lambda clip: None)
    clips: list[Clip | None] = [None] * len(jobs)
    todo: list[tuple[int, SpeechJob, str, Path]] = []
    # A text said twice in one voice ("he said.") is rendered once and used for both.
    first_with_key: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []  # (position, position of its first occurrence)
    for position, job in enumerate(jobs):
        key = clip_key(engines.identity(job.voice), job.spoken, job.voice)
        if key in first_with_key:
            repeats.append((position, first_with_key[key]))
            continue
        first_with_key[key] = position
        cached = cache.get(key)
        if cached:
            clips[position] = cached
            ready(cached)
        else:
            todo.append((position, job, key, cache.prepare(key)))
    if progress and len(todo) < len(jobs):
        progress(len(jobs) - len(todo))

    if pool is not None and pool.engine_name == engine and pool.workers > 1 and len(todo) > 1:
        _render_in_pool(todo, clips, cache, pool, progress, ready)
    elif (
        isinstance(engine, str)
        and workers > 1
        and len(todo) > 1
        and is_long([job for _, job, _, _ in todo])
    ):
        with SpeechPool(engine, min(workers, len(todo))) as own:
            _render_in_pool(todo, clips, cache, own, progress, ready)
    else:
        for position, job, key, path in todo:
            clips[position] = cache.publish(engines.for_voice(job.voice).synthesize(job.spoken, job.voice, path), key)
            ready(clips[position])
            if progress:
                progress(1)
    for position, first in repeats:
        clips[position] = replace(clips[first], cached=True)
    return [clip for clip in clips if clip is not None]


def _render_in_pool(todo, clips, cache: ClipCache, pool: SpeechPool, progress, ready: Ready) -> None:
    # Longest first, so one long paragraph does not finish last on an idle pool.
    ordered = sorted(todo, key=lambda item: -len(item[1].spoken))
    with interrupts_deferred():
        executor = pool.executor
        futures = {
            executor.submit(_synthesize_in_worker, job.spoken, job.voice, path): (position, key)
            for position, job, key, path in ordered
        }
    try:
        for future in as_completed(futures):
            position, key = futures[future]
            clips[position] = cache.publish(future.result(), key)
            ready(clips[position])
            if progress:
                progress(1)
    except BaseException as error:
        # No clip of ours may still be written once the error leaves: the caller may be
        # removing its folder (the scratch folder, on SIGTERM, which reaches only this
        # process). The clips not begun are cancelled and the ones begun awaited; the pool
        # stays open for its other work (a batch's other articles).
        begun = [future for future in futures if not future.cancel()]
        wait(begun)  # (a cancelled future counts as done only once the pool reaches it)
        if isinstance(error, BrokenProcessPool):
            raise EngineError(
                "a speech worker process crashed; run again (finished clips are kept) "
                "or use --jobs 1 to find the segment that fails"
            ) from None
        raise
