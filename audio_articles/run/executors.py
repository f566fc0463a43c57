"""Where rendering units run: ``--executor local`` (worker processes on this machine),
``dask-local`` (a Dask LocalCluster here) or ``dask://HOST:PORT`` (a Dask cluster).

Every choice is a ``concurrent.futures.Executor``; Dask's comes from
``distributed.Client(...).get_executor()``. Dask is an optional extra, imported only when
asked for. Before any work is sent, every Dask worker is checked for what rendering needs
(this package at the same version, ffmpeg, espeak-ng), and a worker that lacks something
is named.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from ..errors import AudioArticlesError, EngineError, InputError, MissingToolError
from ..speech.engines import engine_spec

DASK_PREFIX = "dask://"
DASK_INSTALL = "pip install 'audio-articles[dask]'"
CONNECT_TIMEOUT_S = 10
"""How long to wait for a scheduler to answer."""
WORKER_WAIT_S = 60
"""How long to wait for a first worker to join the scheduler."""


@dataclass(frozen=True)
class ExecutorChoice:
    """An ``--executor`` value, understood."""

    kind: str
    """"local", "dask-local" or "dask"."""
    address: str | None = None
    """The scheduler's address (``tcp://HOST:PORT``) for "dask"."""

    @property
    def uses_dask(self) -> bool:
        return self.kind != "local"


def parse_executor(value: str | None) -> ExecutorChoice:
    """Read an ``--executor`` value.

    >>> parse_executor(None), parse_executor("dask-local")
    (ExecutorChoice(kind='local', address=None), ExecutorChoice(kind='dask-local', address=None))
    >>> parse_executor("dask://10.0.0.5:8786").address
    'tcp://10.0.0.5:8786'
    >>> parse_executor("dask://[::1]:8786").address
    'tcp://[::1]:8786'
    """
    text = (value or "local").strip()
    if text in ("local", "dask-local"):
        return ExecutorChoice(text)
    if text.startswith(DASK_PREFIX):
        host, _, port = text[len(DASK_PREFIX) :].rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536 and "/" not in host:
            return ExecutorChoice("dask", f"tcp://{host}:{port}")
    raise InputError(
        f"--executor {value!r} is not understood; give local, dask-local or dask://HOST:PORT "
        "(the Dask scheduler's address, e.g. dask://10.0.0.5:8786)"
    )


@dataclass(frozen=True)
class WorkerCheck:
    """What one worker has of what rendering needs."""

    version: str
    missing_tools: tuple[str, ...]


def required_tools(engine: str) -> tuple[str, ...]:
    """The system programs a worker needs for ``engine``: ffmpeg always, espeak-ng for pyttsx3.

    >>> required_tools("pyttsx3"), required_tools("fake")
    (('ffmpeg', 'espeak-ng'), ('ffmpeg',))
    """
    return ("ffmpeg", *engine_spec(engine).tools)


def check_worker(engine: str) -> WorkerCheck:
    """Run on each worker: this package's version and the required programs not on PATH."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("audio-articles")
    except PackageNotFoundError:
        installed = "unknown"
    return WorkerCheck(installed, tuple(tool for tool in required_tools(engine) if shutil.which(tool) is None))


@dataclass
class RenderExecutor:
    """An open executor for rendering units, with what the callers need to know about it."""

    executor: Executor
    where: str
    """For messages: "4 processes here", "the Dask cluster at tcp://…"."""
    lost_worker_errors: tuple[type[BaseException], ...]
    """Raised by a future whose worker died more often than the executor retries."""
    client: object | None = None
    """The ``distributed.Client`` behind a Dask executor."""
    local_slots: int = 1
    """Tasks the local process pool runs at once (a Dask cluster is asked each time)."""

    def window(self) -> int:
        """How many articles to have submitted but not yet collected: enough to keep every
        worker busy with one waiting behind it, few enough that the audio waiting to be
        collected stays small (a cluster may grow or shrink during a run)."""
        slots = sum(self.client.nthreads().values()) if self.client is not None else self.local_slots
        return 2 * max(1, slots) + 2


@contextlib.contextmanager
def open_executor(choice: ExecutorChoice, workers: int, engine: str = "pyttsx3") -> Iterator[RenderExecutor]:
    """Start (or connect to) the chosen executor; everything it started is stopped on exit.

    ``workers`` is the number of local processes ("local", "dask-local"); a Dask cluster
    has its own. Workers of a Dask cluster are checked before this yields.
    """
    if not choice.uses_dask:
        from ..speech.render import SpeechPool

        with SpeechPool(engine, workers) as pool:
            yield RenderExecutor(
                pool.executor, f"{processes(pool.workers)} here", (BrokenProcessPool,), local_slots=pool.workers
            )
        return
    distributed = _import_distributed()
    if logging.getLogger().getEffectiveLevel() > logging.INFO:  # Dask's chatter only with --verbose
        logging.getLogger("distributed").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        if choice.kind == "dask-local":
            # Loopback only, no dashboard: nothing listens beyond this machine.
            with warnings.catch_warnings():
                # Its health-check HTTP server moves to a free port when another cluster runs here.
                warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=max(1, workers),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                )
            address, where = cluster.scheduler_address, f"a local Dask cluster of {processes(max(1, workers))}"
        else:
            address, where = choice.address, f"the Dask cluster at {choice.address}"
        client = stack.enter_context(_connect(distributed, address))
        check_workers(client, engine, where)
        # pure=False: every submission is its own task, even for two identical articles.
        yield RenderExecutor(client.get_executor(pure=False), where, (distributed.KilledWorker,), client)


def processes(count: int) -> str:
    """
    >>> processes(1), processes(4)
    ('1 process', '4 processes')
    """
    return f"{count} process" + ("es" if count != 1 else "")


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise MissingToolError(
            f"--executor dask needs Dask, which is not installed; install it with: {DASK_INSTALL}"
        ) from None
    return distributed


def _connect(distributed, address: str):
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise EngineError(
            f"cannot reach the Dask scheduler at {address} ({error.__class__.__name__}); "
            "check that it is running and that this machine may connect to it"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (OSError, TimeoutError):
        client.close()
        raise EngineError(
            f"no worker joined the Dask scheduler at {address} within {WORKER_WAIT_S} s; "
            "start workers with: dask worker " + address
        ) from None
    return client


def check_workers(client, engine: str, where: str) -> None:
    """Fail with one line naming every worker that cannot render (missing programs, this
    package missing or at another version, which would make results differ)."""
    from importlib.metadata import version

    ours = version("audio-articles")
    answers = client.run(check_worker, engine, on_error="return")
    problems = []
    for address, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            problems.append(
                f"{address} cannot run audio_articles ({answer.__class__.__name__}: {answer}); "
                f"install this package (version {ours}) on it"
            )
        elif answer.missing_tools:
            tools = " and ".join(answer.missing_tools)
            problems.append(f"{address} lacks {tools}; install it there (apt-get install {' '.join(answer.missing_tools)})")
        elif answer.version != ours:
            problems.append(f"{address} has audio-articles {answer.version}, this machine {ours}; install the same version")
    if problems:
        error: AudioArticlesError = (
            MissingToolError if all(" lacks " in problem for problem in problems) else EngineError
        )(f"workers of {where} cannot render: " + "; ".join(problems))
        raise error


def running_executor(choice: ExecutorChoice, workers: int, engine: str, on_start: Callable[[str], None]):
    """A context giving the open Dask executor of a run (None for the local process pool,
    the default path); ``on_start`` hears where it renders."""
    if not choice.uses_dask:
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def running():
        with open_executor(choice, workers, engine) as opened:
            on_start(f"rendering on {opened.where}")
            yield opened

    return running()
