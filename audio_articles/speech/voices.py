"""Voice profiles: which engine voice, rate, pitch, volume and pauses each segment kind gets.

Profiles are TOML files (``voices/*.toml`` or any path). Each kind inherits from
``[defaults]`` whatever it does not set.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ProfileError
from ..model import SegmentKind, Voice

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROFILE_DIR = Path(__file__).resolve().parents[2] / "voices"
"""The profiles shipped with the project."""

# Allowed ranges, shown in error messages.
RANGES: dict[str, tuple[float, float]] = {
    "rate": (80, 450),
    "pitch": (0, 100),
    "volume": (0.0, 1.0),
    "pause_before": (0, 10000),
    "pause_after": (0, 10000),
}
KIND_KEYS = {"voice", *RANGES}
TOP_KEYS = {"name", "description", "paragraph_pause", "section_pause", "defaults", *(k.value for k in SegmentKind)}


@dataclass(frozen=True)
class KindSettings:
    """How one kind of segment is spoken."""

    voice: Voice
    pause_before_ms: int
    pause_after_ms: int


@dataclass(frozen=True)
class Profile:
    """A complete voice profile: settings for every segment kind."""

    name: str
    kinds: dict[SegmentKind, KindSettings]
    paragraph_pause_ms: int = 650
    section_pause_ms: int = 1100
    description: str = ""
    source: Path | None = None

    def settings(self, kind: SegmentKind) -> KindSettings:
        return self.kinds[kind]

    def with_voice(self, kind: SegmentKind | None = None, **changes: object) -> Profile:
        """A copy with Voice fields changed for one kind (or all kinds when None)."""
        kinds = dict(self.kinds)
        for k in [kind] if kind else list(SegmentKind):
            kinds[k] = replace(kinds[k], voice=replace(kinds[k].voice, **changes))
        return replace(self, kinds=kinds)


def profile_search_path() -> list[Path]:
    """Folders searched for ``--voices NAME``: the user's config folder, then the shipped ones."""
    import platformdirs

    user = Path(os.environ.get("AUDIO_ARTICLES_CONFIG") or platformdirs.user_config_dir("audio-articles"))
    return [user / "voices", PROFILE_DIR]


def find_profile(name_or_path: str | os.PathLike[str] | None) -> Path:
    """The TOML file for a profile name (``newsroom``) or path (``my/voices.toml``)."""
    if name_or_path is None:
        name_or_path = "default"
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.parent != Path("."):
        if not candidate.is_file():
            raise ProfileError(f"voice profile {str(candidate)!r} not found; give a .toml file or a profile name")
        return candidate
    folders = profile_search_path()
    for folder in folders:
        path = folder / f"{name_or_path}.toml"
        if path.is_file():
            return path
    known = sorted({p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.toml")})
    raise ProfileError(
        f"no voice profile named {str(name_or_path)!r}; choose one of: {', '.join(known) or 'none found'}"
        " or give a path to a .toml file"
    )


def _check_table(table: dict, where: str, path: Path) -> None:
    for key, value in table.items():
        if key not in KIND_KEYS:
            raise ProfileError(
                f"{path}: unknown key {where}.{key}; allowed keys: {', '.join(sorted(KIND_KEYS))}"
            )
        if key == "voice":
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(f"{path}: {where}.voice must be a voice id such as \"gmw/en-us\"")
            continue
        low, high = RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ProfileError(f"{path}: {where}.{key} = {value!r} is out of range; allowed {low:g} to {high:g}")


def load_profile(name_or_path: str | os.PathLike[str] | None = None) -> Profile:
    """Load and validate a profile by name or path."""
    path = find_profile(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{path}: not valid TOML ({err})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"{path}: cannot read the profile ({err})") from None
    return profile_from_dict(data, path)


def profile_from_dict(data: dict, path: Path) -> Profile:
    """Build a Profile from parsed TOML, validating every key and range."""
    for key in data:
        if key not in TOP_KEYS:
            raise ProfileError(
                f"{path}: unknown key {key!r}; allowed: {', '.join(sorted(TOP_KEYS))}"
            )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ProfileError(f"{path}: [defaults] must be a table")
    _check_table(defaults, "defaults", path)
    if "voice" not in defaults:
        raise ProfileError(f"{path}: [defaults] must set voice, e.g. voice = \"gmw/en-us\"")
    pauses = {}
    for key in ("paragraph_pause", "section_pause"):
        value = data.get(key, 650 if key == "paragraph_pause" else 1100)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10000:
            raise ProfileError(f"{path}: {key} = {value!r} is out of range; allowed 0 to 10000 (ms)")
        pauses[key] = value

    kinds = {}
    for kind in SegmentKind:
        table = data.get(kind.value, {})
        if not isinstance(table, dict):
            raise ProfileError(f"{path}: [{kind.value}] must be a table")
        _check_table(table, kind.value, path)
        merged = {**defaults, **table}
        kinds[kind] = KindSettings(
            voice=Voice(
                voice=merged["voice"],
                rate=int(merged.get("rate", 175)),
                pitch=int(merged.get("pitch", 50)),
                volume=float(merged.get("volume", 1.0)),
            ),
            pause_before_ms=int(merged.get("pause_before", 0)),
            pause_after_ms=int(merged.get("pause_after", 250)),
        )
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        kinds=kinds,
        paragraph_pause_ms=pauses["paragraph_pause"],
        section_pause_ms=pauses["section_pause"],
        source=path,
    )
