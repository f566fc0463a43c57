"""Reading articles and writing outputs safely."""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import glob
import hashlib
import logging
import os
import re
import select
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import InputError, OutputError
from .units import format_size, parse_size  # noqa: F401  (parse_size: --max-size)

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml")
"""The files a folder's articles are found among (how each is read: ``sources``)."""


def is_article_file(path: Path) -> bool:
    """Whether a file found in a folder is an article: a known type, not hidden, and not
    the folder's pronunciation lexicon (``lexicon.txt``, which is read for the articles).

    >>> [is_article_file(Path(name)) for name in ("a.md", "b.TXT", ".c.txt", "lexicon.txt", "d.wav", "e.html")]
    [True, True, False, False, False, True]
    """
    name = path.name
    return path.suffix.lower() in ARTICLE_SUFFIXES and not name.startswith(".") and name not in PROJECT_LEXICON_NAMES


PROJECT_LEXICON_NAMES = ("lexicon.txt", "lexicon.toml")
"""A folder's pronunciation lexicon (``speech.lexicon.project_lexicon`` reads it)."""

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Largest article read without --max-size: ten hours of speech is under 1 MB of text."""

# C0 and C1 control characters other than tab and newline; form feeds break paragraphs.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Bytes that Windows-1252 leaves undefined: text holding them is not cp1252 either.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def unicode_bom(data: bytes) -> tuple[str, str] | None:
    """The codec and name of the Unicode encoding a byte-order mark announces, if any.

    >>> unicode_bom("x".encode("utf-16")), unicode_bom("x".encode("utf-32")), unicode_bom(b"x")
    (('utf-16', 'UTF-16'), ('utf-32', 'UTF-32'), None)
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return codec, name
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """"UTF-16" when ``data`` looks like UTF-16 text without its byte-order mark (a NUL
    in every other byte, as Latin text has), else None.

    >>> utf16_without_bom("Plain text here".encode("utf-16-le")), utf16_without_bom(b"\\x89PNG\\x00\\x00")
    ('UTF-16', None)
    """
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, text in ((odd, even), (even, odd)):  # little-endian, then big-endian
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) < 0.1 * len(text):
            return "UTF-16"
    return None


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 or UTF-32 with a BOM; Windows-1252 with a
    warning when that is unambiguous."""
    marked = unicode_bom(data)
    if marked is not None:
        codec, label = marked
        try:
            return data.decode(codec)
        except UnicodeDecodeError as err:
            raise InputError(
                f"{name} is {label} text (it starts with a {label} byte-order mark) but has a bad byte at"
                f" {err.start}; save it as UTF-8 and try again"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        position = err.start
    high = sum(byte >= 0x80 for byte in data)
    # Western text has few accented letters; mostly-high bytes means another encoding.
    if high < len(data) / 4 and not _CP1252_UNDEFINED.intersection(data):
        logger.warning("%s is not UTF-8; read it as Windows-1252 (Latin-1). Save it as UTF-8 to be sure.", name)
        return data.decode("cp1252")
    raise InputError(f"{name} is not UTF-8 text (bad byte at {position}); save it as UTF-8 and try again")


def clean_text(text: str) -> str:
    """Unix line ends; form feeds become paragraph breaks; other control characters go.

    >>> clean_text("a\\r\\nb\\x0cc\\x07d\\x85")
    'a\\nb\\n\\ncd'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n\n").replace("\v", "\n")
    return _CONTROL.sub("", text)


INPUT_WAIT_S = 30.0
"""How long a pipe (FIFO, ``<(…)``) or device may stay silent before reading it gives up."""

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages.

    >>> file_kind(stat.S_IFIFO), file_kind(stat.S_IFCHR | 0o666)
    ('a named pipe (FIFO)', 'a character device')
    """
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


MAX_SIZE_HINT = "raise it with --max-size (e.g. --max-size 100MB)"


def _too_large(what: object, size: str, max_bytes: int, hint: str = MAX_SIZE_HINT) -> InputError:
    return InputError(f"{what} is {size}, over the {format_size(max_bytes)} limit; {hint}")


def read_bounded(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    wait_s: float | None = None,
    what: str = "",
    hint: str = MAX_SIZE_HINT,
) -> bytes:
    """At most ``max_bytes`` of a file, whatever its type; an InputError beyond.

    A regular file is refused by its size before it is read, and read no further than
    ``max_bytes`` + 1 bytes even if it grows meanwhile. A pipe or a device (a FIFO,
    ``<(curl …)``, ``/dev/stdin``) is read up to the same bound, never further, so
    ``/dev/zero`` is refused after ``max_bytes``; it is opened without blocking, and when
    nothing arrives for ``wait_s`` seconds (a FIFO with no writer) reading gives up with a
    message instead of waiting for ever. ``what`` names the file in messages (default: the
    path). Folders, missing files and symbolic-link loops are named as such.
    """
    name = what or str(path)
    wait_s = INPUT_WAIT_S if wait_s is None else wait_s
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise _open_error(path, name, err) from None
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{name} is a folder; give an article file (.txt, .md or .html)")
        regular = stat.S_ISREG(info.st_mode)
        if regular and info.st_size > max_bytes:
            raise _too_large(name, format_size(info.st_size), max_bytes, hint)
        chunks: list[bytes] = []
        total = 0
        poller = None if regular else select.poll()
        if poller is not None:
            poller.register(handle, select.POLLIN | select.POLLPRI)
        waited_for_writer = False
        while total <= max_bytes:
            try:
                chunk = os.read(handle, min(1 << 20, max_bytes + 1 - total))
            except BlockingIOError:
                if poller is None or not _wait_readable(poller, wait_s):
                    raise InputError(
                        f"{name} is {file_kind(info.st_mode)} and nothing came through it for {wait_s:g} s"
                        " (no program writing to it?); give an article file, or pipe it into '-'"
                    ) from None
                continue
            if not chunk:
                # A FIFO opened without blocking reads as ended until a writer opens it;
                # Linux reports it readable (or hung up) only once one has.
                if stat.S_ISFIFO(info.st_mode) and not chunks and not waited_for_writer:
                    waited_for_writer = True
                    if not _wait_readable(poller, wait_s):
                        raise InputError(
                            f"{name} is {file_kind(info.st_mode)} with no program writing to it (waited {wait_s:g} s);"
                            " give an article file, or pipe it into '-'"
                        )
                    continue
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            if regular:  # it grew while being read
                raise _too_large(name, f"over {format_size(max_bytes)}", max_bytes, hint)
            raise InputError(
                f"{name} ({file_kind(info.st_mode)}) gives more than the {format_size(max_bytes)} limit; {hint}"
            )
        return b"".join(chunks)
    except OSError as err:
        raise InputError(f"{name}: cannot read it ({err.strerror})") from None
    finally:
        os.close(handle)


def _wait_readable(poller: select.poll, wait_s: float) -> bool:
    """Whether the file polled becomes readable (or hung up) within ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if poller.poll(max(1, int(left * 1000))):
            return True


def _open_error(path: Path, name: str, err: OSError) -> InputError:
    if err.errno == errno.ELOOP:
        return InputError(f"{name}: a loop of symbolic links; point the link at a real file")
    if err.errno == errno.ENOENT:
        if os.path.islink(path):
            return InputError(f"{name}: a symbolic link to a file that does not exist ({os.readlink(path)})")
        return InputError(f"{name}: no such file")
    if err.errno == errno.EISDIR:
        return InputError(f"{name} is a folder; give an article file (.txt, .md or .html)")
    if err.errno == errno.ENOTDIR:
        return InputError(f"{name}: no such file (a part of the path is not a folder)")
    return InputError(f"{name}: cannot read it ({err.strerror})")


def read_article_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The article's text, decoded and cleaned; a clear InputError for anything unusable."""
    data = read_bounded(path, max_bytes)
    if b"\x00" in data and unicode_bom(data) is None:
        wide = utf16_without_bom(data)
        if wide:
            raise InputError(f"{path} looks like {wide} text without a byte-order mark; save it as UTF-8 and try again")
        raise InputError(f"{path} looks like a binary file, not text; give a .txt or .md article")
    text = clean_text(decode_text(data, str(path)))
    if not text.strip():
        raise InputError(f"{path} is empty; there is nothing to say")
    return text


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files for ``path`` left by runs that were killed (their process
    is gone); those of runs still going are left alone."""
    pattern = rf"\.{re.escape(path.name)}\.(\d+)\..*\.part{re.escape(path.suffix)}"
    remove_files_of_dead_processes(path.parent, f".{glob.escape(path.name)}.*.part*", pattern)


def remove_files_of_dead_processes(folder: Path, wildcard: str, pattern: str) -> None:
    """Delete the files in ``folder`` named by ``wildcard`` whose whole name matches
    ``pattern``, a regular expression whose first group is the id of the process that
    writes them, when that process is gone (killed while writing, say)."""
    compiled = re.compile(pattern)
    for candidate in folder.glob(wildcard):
        match = compiled.fullmatch(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)


def check_output_folder(path: Path) -> Path:
    """The folder ``path`` will be written in; an OutputError when it does not exist, or
    when ``path`` is something a new file must not replace (a folder, a device, a FIFO),
    so a run fails before any work rather than after it."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    check_output_file(path)
    return folder


def check_output_file(path: Path, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """An OutputError unless writing ``path`` would only create or replace a regular file
    that is none of ``inputs``.

    Outputs replace their file in one step (``atomic_output``), which would turn a device
    node such as ``/dev/null``, or a FIFO, into a regular file: such outputs are refused,
    not streamed to. An output that is an input (the same file, also through a symbolic
    link) would destroy the article: refused too.
    """
    try:
        info = os.stat(path)  # through a symbolic link: what it points at
    except FileNotFoundError:
        return
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise OutputError(f"cannot write {path}: a loop of symbolic links; give another output") from None
        raise OutputError(f"cannot write {path}: {err.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {path}: it is a folder; give a file name such as {path / 'article.mp3'}")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{path} is {file_kind(info.st_mode)}; the output must be a regular file"
            " (it is written whole, then moved in place), so give a file name, e.g. -o article.mp3"
        )
    for source in inputs:
        try:
            same = os.path.samefile(source, path)
        except OSError:
            continue
        if same:
            raise OutputError(
                f"{path} is the article being converted ({source}); writing the audio there would destroy it;"
                " give another output name"
            )


@contextlib.contextmanager
def output_lock(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``path`` while this run renders and writes it.

    A second run writing the same output says so ("waiting for another run (process N)
    writing …") and waits for the first to finish before it renders anything, so it
    then takes every clip from the cache instead of rendering them all again and racing
    the first. With ``wait`` off it stops at once with an OutputError (exit 4) instead.
    The system releases the lock when the process ends, even killed; the lock file is
    removed when the run is done.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the atomic replace still holds
        yield
        return
    lock_path = path.parent / f".{path.name}.lock"
    told = False
    while True:
        try:
            handle = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666 & ~_umask())
        except OSError as err:
            raise OutputError(f"cannot write in {path.parent}: {err.strerror}; choose another output folder") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _lock_holder(handle)
            if not wait:
                os.close(handle)
                raise OutputError(
                    f"another run{holder} is writing {path}; wait for it to finish, or choose another output"
                ) from None
            if not told:
                logger.warning("another run%s is writing %s; waiting for it to finish", holder, path)
                told = True
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except BaseException:
                os.close(handle)
                raise
        try:
            same = os.fstat(handle).st_ino == os.stat(lock_path).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(handle)  # removed by the run that held it, between our open and lock: again
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
    except OSError:
        pass
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(handle)


def _lock_holder(handle: int) -> str:
    try:
        pid = int(os.pread(handle, 32, 0).decode().strip() or 0)
    except (OSError, ValueError):
        return ""
    return f" (process {pid})" if pid else ""


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    On any failure the temporary file is removed and an existing ``path`` is untouched.
    """
    folder = check_output_folder(path)
    remove_stale_temporaries(path)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".part" + path.suffix, dir=folder
        )
    except OSError as err:
        raise OutputError(f"cannot write in {folder}: {err.strerror}; choose another output folder") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OutputError as err:
        raise OutputError(f"cannot write {path}: {err}") from None
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise OutputError(f"disk full while writing {path}; free some space and run again") from None
        raise OutputError(f"cannot write {path}: {err.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)


def is_batch(sources: Sequence[Path], output: Path | None) -> bool:
    """Whether a command line names several articles: several paths, a folder, or an
    existing folder as the output."""
    return len(sources) > 1 or sources[0].is_dir() or (output is not None and output.is_dir())


def file_signature(path: Path) -> tuple[int, int, int]:
    """What changes when a file is replaced or rewritten: inode, size, modification time."""
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


LARGE_FILE = 1 << 20
"""From this size on, ``file_digest``'s ``remember`` keeps a digest beyond the process."""


@functools.lru_cache(maxsize=64)
def _digest(path: str, signature: tuple[int, int, int], remember=None) -> str:
    if remember is None or signature[1] < LARGE_FILE:
        return sha256_file(path)
    return remember(path, signature, lambda: sha256_file(path))


def file_digest(path: Path, remember=None) -> str:
    """SHA-256 of a file, hashed once per process while its signature stays the same;
    ``remember(path, signature, compute)``, when given, keeps a large file's digest
    between processes too (a voice model: tens of MB, 0.08 CPU-s to hash)."""
    return _digest(str(path.resolve()), file_signature(path), remember)
