"""Reading articles and writing outputs safely."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, OutputError

ARTICLE_SUFFIXES = {".txt": False, ".text": False, ".md": True, ".markdown": True}
"""Known article file types and whether each is Markdown."""


def read_article_text(path: Path) -> str:
    """The article's text, decoded; a clear InputError for anything unusable."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give an article file (.txt or .md)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror})") from None
    if b"\x00" in data:
        raise InputError(f"{path} looks like a binary file, not text; give a .txt or .md article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path} is not UTF-8 text (byte {err.start}); save it as UTF-8 and try again"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    On any failure the temporary file is removed and an existing ``path`` is untouched.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=folder)
    except OSError as err:
        raise OutputError(f"cannot write in {folder}: {err.strerror}; choose another output folder") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise OutputError(f"disk full while writing {path}; free some space and run again") from None
        raise OutputError(f"cannot write {path}: {err.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
