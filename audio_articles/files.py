"""Reading articles and writing outputs safely."""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import InputError, OutputError
from .units import format_size, parse_size  # noqa: F401  (parse_size: --max-size)

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = {".txt": False, ".text": False, ".md": True, ".markdown": True, ".html": False, ".htm": False, ".xhtml": False}
"""Known article file types and whether each is Markdown."""


def is_article_file(path: Path) -> bool:
    """Whether a file found in a folder is an article: a known type, not hidden, and not
    the folder's pronunciation lexicon (``lexicon.txt``, which is read for the articles).

    >>> [is_article_file(Path(name)) for name in ("a.md", "b.TXT", ".c.txt", "lexicon.txt", "d.wav", "e.html")]
    [True, True, False, False, False, True]
    """
    from .speech.lexicon import PROJECT_LEXICON_NAMES

    name = path.name
    return path.suffix.lower() in ARTICLE_SUFFIXES and not name.startswith(".") and name not in PROJECT_LEXICON_NAMES


DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Largest article read without --max-size: ten hours of speech is under 1 MB of text."""

# C0 and C1 control characters other than tab and newline; form feeds break paragraphs.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Bytes that Windows-1252 leaves undefined: text holding them is not cp1252 either.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM); Windows-1252 with a warning when that is unambiguous."""
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


def read_article_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The article's text, decoded and cleaned; a clear InputError for anything unusable."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give an article file (.txt or .md)")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path} is {format_size(size)}, over the {format_size(max_bytes)} limit; "
                "raise it with --max-size (e.g. --max-size 100MB)"
            )
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror})") from None
    if b"\x00" in data:
        raise InputError(f"{path} looks like a binary file, not text; give a .txt or .md article")
    text = clean_text(decode_text(data, str(path)))
    if not text.strip():
        raise InputError(f"{path} is empty; there is nothing to say")
    return text


def is_markdown(path: Path) -> bool:
    """Markdown by file extension."""
    return ARTICLE_SUFFIXES.get(path.suffix.lower(), False)


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
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\..*\.part{re.escape(path.suffix)}")
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.part*"):
        match = pattern.fullmatch(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)


def check_output_folder(path: Path) -> Path:
    """The folder ``path`` will be written in; an OutputError when it does not exist, so a
    run fails before any work rather than after it."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    return folder


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

