"""Many articles in one run: ``audio-articles convert a.txt b.md folder/ -o out/``.

Start-up is paid once: one pool of worker processes (each with its own engine, created
once) serves the whole batch. Short articles are converted whole inside the workers, one
per worker at a time, so every core synthesizes, measures and encodes with no hand-offs;
long articles are converted one after another in this process, their clips rendered by the
same pool and their MP3 encoded in parts on every core. An article that fails is reported
and the others are still converted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..convert import Options, convert
from ..errors import AudioArticlesError, EngineError, InputError, OutputError
from ..files import ARTICLE_SUFFIXES, is_article_file, is_batch
from ..speech.cache import default_cache_dir
from ..speech.render import SpeechPool
from .outcome import Failure
from .remote import convert_on_executor

LONG_ARTICLE_BYTES = 40_000
"""From this size (about 40 minutes of speech) an article is converted on all cores at
once instead of whole inside one worker."""


@dataclass(frozen=True)
class BatchItem:
    """One article of a batch and where its audio goes."""

    source: Path
    output: Path


@dataclass(frozen=True)
class BatchResult:
    """What a batch produced."""

    converted: tuple  # of convert.ConvertResult, in the order they finished
    failed: tuple[Failure, ...]

    @property
    def exit_code(self) -> int:
        """0 when everything was converted, else the first failure's code."""
        return self.failed[0].exit_code if self.failed else 0


BatchProgress = Callable[[int, int, int, int], None]
"""Called as progress(articles_done, articles_total, bytes_done, bytes_total)."""
ResultCallback = Callable[[object], None]
"""Called with each ConvertResult or Failure as soon as it is known."""


def find_articles(paths: Sequence[Path]) -> list[Path]:
    """The article files named, with each folder replaced by the articles directly in it
    (.txt, .md, …; hidden files and the folder's lexicon.txt skipped), in name order.
    Duplicates are dropped.

    A missing path, or a folder with no articles, is an InputError naming it.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                child
                for child in path.iterdir()
                if child.is_file() and is_article_file(child)
            )
            if not inside:
                suffixes = ", ".join(ARTICLE_SUFFIXES)
                raise InputError(f"{path} is a folder with no articles ({suffixes}); give article files or a folder of them")
            found += inside
        elif path.exists():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    unique = {os.path.realpath(p): p for p in reversed(found)}  # keep the first mention
    return [p for p in found if unique.get(os.path.realpath(p)) is p]


def plan_outputs(sources: Sequence[Path], out_dir: Path | None, suffix: str = ".mp3") -> list[BatchItem]:
    """Where each article's audio goes: ``out_dir/<name><suffix>``, or beside the article
    when ``out_dir`` is None. Two articles with one name get "-2", "-3", … .

    >>> [str(i.output) for i in plan_outputs([Path("a/x.txt"), Path("b/x.md"), Path("y.md")], Path("out"))]
    ['out/x.mp3', 'out/x-2.mp3', 'out/y.mp3']
    """
    items, taken = [], set()
    for source in sources:
        folder = out_dir if out_dir is not None else source.parent
        output, number = folder / f"{source.stem}{suffix}", 1
        while output in taken:
            number += 1
            output = folder / f"{source.stem}-{number}{suffix}"
        taken.add(output)
        items.append(BatchItem(source, output))
    return items


def prepare_output_folder(out_dir: Path) -> None:
    """Create the output folder if needed; a clear OutputError when that is impossible."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file; give a folder for the outputs of several articles")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output folder {out_dir}: {err.strerror}") from None


def batch_items(sources: Sequence[Path], out_dir: Path | None, suffix: str) -> list[BatchItem]:
    """What a command line's sources become: each article and where its audio goes (the
    output folder made ready); a single article when the sources are not a batch (Dask)."""
    if not is_batch(sources, out_dir):
        return [BatchItem(sources[0], out_dir or sources[0].with_suffix(suffix))]
    articles = find_articles(sources)
    if out_dir is not None:
        prepare_output_folder(out_dir)
    return plan_outputs(articles, out_dir, suffix)


def _convert_in_worker(source: Path, output: Path, options):
    """One whole article, inside a pool worker (whose engine is already running)."""
    _one_line_warnings()
    try:
        return convert(source, output, options)
    except AudioArticlesError as error:
        return Failure.of(source, error)


def _one_line_warnings() -> None:
    """Warnings from a worker process in the same "audio-articles: warning: …" form as
    the main process's (a worker starts with no logging set up, and Python's last-resort
    handler prints the bare message)."""
    import logging

    root = logging.getLogger()
    if root.handlers:
        return
    from ..console import OneLineFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(""))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def convert_many(
    items: Sequence[BatchItem],
    options=None,
    progress: BatchProgress | None = None,
    on_result: ResultCallback | None = None,
    executor=None,
) -> BatchResult:
    """Convert every item with one pool of workers; failures are collected, not raised.

    With an open ``executors.RenderExecutor`` (``--executor dask…``), its workers render
    each article and this process writes the files.
    """
    options = options or Options()
    sizes = [_size(item.source) for item in items]
    total_bytes = sum(sizes)
    converted: list = []
    failed: list[Failure] = []
    done_bytes = 0

    def finish(index: int, outcome) -> None:
        nonlocal done_bytes
        (failed if isinstance(outcome, Failure) else converted).append(outcome)
        done_bytes += sizes[index]
        if on_result:
            on_result(outcome)
        if progress:
            progress(len(converted) + len(failed), len(items), done_bytes, total_bytes)

    def convert_here(index: int, pool: SpeechPool | None) -> None:
        item = items[index]
        try:
            finish(index, convert(item.source, item.output, options.replace(pool=pool)))
        except AudioArticlesError as error:
            finish(index, Failure.of(item.source, error))

    if progress:
        progress(0, len(items), 0, total_bytes)
    if executor is not None:
        for index, outcome in convert_on_executor(items, options, executor):
            finish(index, outcome)
        return BatchResult(tuple(converted), tuple(failed))
    in_workers = isinstance(options.engine, str) and options.workers > 1 and len(items) > 1
    if not in_workers:
        for index in range(len(items)):
            convert_here(index, None)
        return BatchResult(tuple(converted), tuple(failed))

    whole = [n for n in range(len(items)) if sizes[n] < LONG_ARTICLE_BYTES]
    long = [n for n in range(len(items)) if sizes[n] >= LONG_ARTICLE_BYTES]
    # Largest first: a long article started last would leave the other cores idle.
    whole.sort(key=lambda n: -sizes[n])
    # The cache folder is decided here: workers may have started with another environment.
    cache_dir = options.cache_dir or (default_cache_dir() if options.use_cache else None)
    worker_options = options.replace(workers=1, pool=None, cache_dir=cache_dir)
    with SpeechPool(options.engine, options.workers) as pool:
        pending: dict[Future, int] = {}
        try:
            for n in whole:
                future = pool.submit(_convert_in_worker, items[n].source, items[n].output, worker_options)
                pending[future] = n
            for n in long:
                convert_here(n, pool)
                pending = _collect(pending, finish, block=False)
            while pending:
                pending = _collect(pending, finish, block=True)
        except BrokenProcessPool:
            raise EngineError(
                "a worker process crashed; run again (finished clips are kept) or use --jobs 1 to find the article"
            ) from None
    return BatchResult(tuple(converted), tuple(failed))


def _collect(pending: dict[Future, int], finish, block: bool) -> dict[Future, int]:
    """Report the finished futures; return the ones still running."""
    if not pending:
        return pending
    done, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
    for future in done:
        finish(pending[future], future.result())
    return {future: n for future, n in pending.items() if future not in done}


def _size(path: Path) -> int:
    try:
        return max(1, path.stat().st_size)
    except OSError:
        return 1
