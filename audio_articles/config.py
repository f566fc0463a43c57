"""The settings file: ``config.toml`` in the config folder, one table per command.

```toml
[convert]
voices = "natural"
bitrate = 48

[feed]
bitrate = 32
owner-email = "me@example.org"
```

Keys are the commands' long option names; the values become the options' defaults
(click's ``default_map``), so an option given on the command line always wins. Every
key and value is checked when the program starts: a bad file is one error line, exit 2.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE = "config.toml"
COMMANDS = ("convert", "feed", "preview", "inspect", "serve")
"""The commands a table may configure."""


def config_folder() -> Path:
    """``$AUDIO_ARTICLES_CONFIG``, else the user's config folder (~/.config/audio-articles)."""
    folder = os.environ.get("AUDIO_ARTICLES_CONFIG")
    if folder:
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_config_dir("audio-articles"))


def config_path() -> Path:
    return config_folder() / CONFIG_FILE


@dataclass(frozen=True)
class Config:
    """The settings file as read: where it is, and each command's option defaults."""

    path: Path
    found: bool
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per command: long option name (without dashes) -> value, as written."""
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per command: parameter name -> value, the ``default_map`` click reads."""


def _options(command) -> dict[str, Any]:
    """A click command's options by long name ("quote-voice" -> the Option)."""
    found = {}
    for param in command.params:
        for name in param.opts:
            if name.startswith("--"):
                found[name[2:]] = param
    return found


def load_config(group, path: Path | None = None) -> Config:
    """Read and check the settings file against the commands of the click ``group``.

    A missing file is no settings; anything wrong is an InputError naming the file,
    the table and the key.
    """
    from typer import BadParameter

    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(path, False)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"{path} is not readable TOML ({err}); fix it or move it away") from None
    tables: dict[str, dict[str, Any]] = {}
    defaults: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        command = group.commands.get(name) if name in COMMANDS else None
        if command is None or not isinstance(table, dict):
            raise InputError(f"{path}: [{name}] is not a command's table; use {', '.join(f'[{c}]' for c in COMMANDS)}")
        options = _options(command)
        for key, value in table.items():
            param = options.get(key)
            if param is None or key == "help":
                import difflib

                close = difflib.get_close_matches(key, [k for k in options if k != "help"], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "; keys are the command's long option names"
                raise InputError(f"{path}: [{name}] {key!r} is not an option of {name}{hint}")
            try:
                with command.context_class(command) as ctx:
                    param.type_cast_value(ctx, value)
            except BadParameter as err:
                raise InputError(f"{path}: [{name}] {key} = {value!r}: {err.message}") from None
            tables.setdefault(name, {})[key] = value
            defaults.setdefault(name, {})[param.name] = value
    return Config(path, True, tables, defaults)


def config_lines(config: Config) -> list[str]:
    """What ``audio-articles config`` prints: the file, then each setting in effect."""
    if not config.found:
        return [f"{config.path}  (not found: every option has its built-in default)"]
    lines = [str(config.path)]
    if not config.tables:
        lines.append("  (no settings: every option has its built-in default)")
    for name, table in config.tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    lines.append("(options given on the command line win)")
    return lines


def _toml_value(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()
