"""Voice profiles: which engine voice, rate, pitch, volume and pauses each segment kind gets.

Profiles are TOML files (``voices/*.toml`` or any path). Each kind inherits from
``[defaults]`` whatever it does not set.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError, ProfileError
from ..files import read_bounded
from ..model import SegmentKind, Voice
from .lexicon import Lexicon, LexiconError, lexicon_from_mapping, load_lexicon
from .normalize import URL_MODES
from .voice_packages import is_voice_name

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
    "pitch_shift": (0.5, 2.0),
}
FRAMING_KEYS = ("intro", "outro", "intro_jingle", "outro_jingle")
"""Spoken intro and outro (templates), and sound files played before and after."""
DEFAULT_INTRO = "{title}{by_author}."
"""``intro = true``: "<title>, by <author>." (without the byline when there is no author)."""
DEFAULT_OUTRO = "That was {title}{by_author}."
FRAMING_FIELDS = ("title", "author", "by_author", "date")
"""Placeholders an intro or outro template may use."""
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(" + "|".join(FRAMING_FIELDS) + r")\}")
PROFILE_MAX_BYTES = 1024 * 1024
"""Largest profile or lexicon file read (the bundled ones are a few kilobytes)."""


def check_template(template: str) -> str | None:
    """What is wrong with an intro or outro template, or None: only plain ``{field}``
    placeholders of ``FRAMING_FIELDS`` (and ``{{``/``}}`` for a brace) are allowed; no
    attribute access, indexing or format specification, unlike ``str.format``.

    >>> check_template("{title}{by_author}."), check_template("{title.__class__}"), check_template("{title:>99}")
    (None, "'{title.__class__}'", "'{title:>99}'")
    """
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        bad = re.search(r"\{[^{}]*\}?|\}", rest)
        return repr(bad.group(0) if bad else rest)
    return None


def fill_template(template: str, fields: dict[str, str]) -> str:
    """``template`` with each ``{field}`` replaced by its value, by one regular-expression
    pass (never ``str.format``: a template cannot reach attributes or allocate padding).

    >>> fill_template("{title}{by_author}. {{x}} {date}", {"title": "Tides", "by_author": "", "date": "2024"})
    'Tides. {x} 2024'
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        return fields.get(name, "")

    return _PLACEHOLDER.sub(value, template)
ENGINE_KEYS = ("engine", "model", "speaker")
"""Which engine speaks a kind; for Piper, the voice (a file or an installed voice's name) and speaker."""
PIPER_ONLY_KEYS = ("pitch_shift",)
"""Settings only the Piper engine applies (espeak-ng has its own ``pitch``)."""
CHOICE_KEYS = ("language", "gender", "fallback")
"""How a voice is chosen when ``voice`` is absent, missing from the engine, or of another language."""
GENDERS = ("female", "male")
KIND_KEYS = {"voice", *RANGES, *ENGINE_KEYS, *CHOICE_KEYS}
TOP_KEYS = {
    "name", "description", "paragraph_pause", "section_pause", "urls", "lexicon", "defaults",
    *(k.value for k in SegmentKind), *FRAMING_KEYS,
}


@dataclass(frozen=True)
class KindSettings:
    """How one kind of segment is spoken."""

    voice: Voice
    """The voice asked for; ``voice.voice`` is "" when only a language is given."""
    pause_before_ms: int
    pause_after_ms: int
    language: str | None = None
    """Language the voice should speak when ``voice`` names none (BCP 47, e.g. "fr")."""
    gender: str | None = None
    """"female" or "male": preferred when a voice is chosen by language (espeak-ng's
    voices are male; "female" then adds a female variant such as +f3)."""
    fallback: bool = False
    """A voice the engine lacks: warn and choose one by language, instead of failing."""
    pinned: bool = False
    """Chosen on the command line (--voice, --quote-voice): kept whatever the article's language."""
    flag: str | None = None
    """The option that chose the voice ("--voice", "--quote-voice"), named in errors."""


@dataclass(frozen=True)
class Profile:
    """A complete voice profile: settings for every segment kind."""

    name: str
    kinds: dict[SegmentKind, KindSettings]
    paragraph_pause_ms: int = 650
    section_pause_ms: int = 1100
    description: str = ""
    source: Path | None = None
    urls: str = "domain"
    """Links and e-mail addresses: "domain" ("nasa dot gov") or "drop"."""
    lexicon: Lexicon = field(default_factory=Lexicon)
    """Respellings for every article read with this profile (the project's are added later)."""
    intro: str = ""
    """Template spoken before the article, e.g. "{title}, by {author}." ("" for none)."""
    outro: str = ""
    """Template spoken after the article ("" for none)."""
    intro_jingle: Path | None = None
    """Sound file played first (any format ffmpeg reads)."""
    outro_jingle: Path | None = None
    """Sound file played last."""

    def settings(self, kind: SegmentKind) -> KindSettings:
        return self.kinds[kind]

    def with_voice(self, kind: SegmentKind | None = None, **changes: object) -> Profile:
        """A copy with Voice fields changed for one kind (or all kinds when None)."""
        kinds = dict(self.kinds)
        for k in [kind] if kind else list(SegmentKind):
            kinds[k] = replace(kinds[k], voice=replace(kinds[k].voice, **changes))
        return replace(self, kinds=kinds)

    def with_lexicon(self, lexicon: Lexicon | None) -> Profile:
        """A copy whose lexicon also has ``lexicon``'s entries (which win on the same word)."""
        return replace(self, lexicon=self.lexicon.merged(lexicon)) if lexicon else self

    def with_overrides(
        self, voice: str | None = None, quote_voice: str | None = None, rate: int | None = None
    ) -> Profile:
        """The command line's quick changes.

        ``voice`` replaces every kind's voice, keeping each kind's espeak-ng variant (so
        quotations stay in their variant); ``quote_voice`` then sets the quotation voice;
        ``rate`` is the body's rate and the other kinds keep their pace relative to it.
        """
        kinds = dict(self.kinds)
        for kind, settings in kinds.items():
            spoken = settings.voice
            pinned, flag = settings.pinned, settings.flag
            if voice:
                variant = spoken.voice.partition("+")[2]
                keep = f"+{variant}" if variant and "+" not in voice else ""
                spoken = replace(spoken, voice=voice + keep, engine=None, model=None, speaker=None, pitch_shift=1.0)
                pinned, flag = True, "--voice"
            if quote_voice and kind == SegmentKind.QUOTE:
                spoken = replace(spoken, voice=quote_voice, engine=None, model=None, speaker=None, pitch_shift=1.0)
                pinned, flag = True, "--quote-voice"
            if rate:
                body_rate = self.kinds[SegmentKind.BODY].voice.rate or rate
                low, high = RANGES["rate"]
                spoken = replace(spoken, rate=int(min(high, max(low, round(spoken.rate * rate / body_rate)))))
            kinds[kind] = replace(settings, voice=spoken, pinned=pinned, flag=flag)
        return replace(self, kinds=kinds)


def profile_search_path() -> list[Path]:
    """Folders searched for ``--voices NAME``: the user's config folder, then the shipped ones."""
    import platformdirs

    user = Path(os.environ.get("AUDIO_ARTICLES_CONFIG") or platformdirs.user_config_dir("audio-articles"))
    return [user / "voices", PROFILE_DIR]


def available_profiles() -> list[Path]:
    """Every profile file found, by name; the user's config folder wins over the shipped one."""
    found: dict[str, Path] = {}
    for folder in reversed(profile_search_path()):
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.glob("*.toml"))})
    return [found[name] for name in sorted(found)]


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


def key_location(path: Path, table: str | None, key: str) -> str:
    """"file, line N" for ``key`` in ``[table]`` (top level when None), or just the file.

    Error messages use it, so a user can go straight to the line to fix.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    current = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped.strip("[] \t").split("]")[0].strip()
            if table is not None and key == f"[{table}]" and current == table:
                return f"{path}, line {number}"
            continue
        name = stripped.split("=", 1)[0].strip().strip("\"'")
        if current == table and "=" in stripped and name == key:
            return f"{path}, line {number}"
    return str(path)


@dataclass(frozen=True)
class _KeyPlace:
    """Where a key is, found only when an error message is formatted."""

    path: Path
    table: str | None
    key: str

    def __str__(self) -> str:
        return key_location(self.path, self.table, self.key)


def _check_table(table: dict, where: str, path: Path) -> None:
    for key, value in table.items():
        at = _KeyPlace(path, where, key)
        if key not in KIND_KEYS:
            raise ProfileError(
                f"{at}: unknown key {where}.{key}; allowed keys: {', '.join(sorted(KIND_KEYS))}"
            )
        if key == "voice":
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(f"{at}: {where}.voice must be a voice id such as \"gmw/en-us\"")
            continue
        if key in ENGINE_KEYS:
            _check_engine_key(key, value, where, at)
            continue
        if key in CHOICE_KEYS:
            _check_choice_key(key, value, where, at)
            continue
        low, high = RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ProfileError(f"{at}: {where}.{key} = {value!r} is out of range; allowed {low:g} to {high:g}")


def _check_choice_key(key: str, value: object, where: str, at: str) -> None:
    if key == "language" and (not isinstance(value, str) or not value.replace("-", "").isalnum()):
        raise ProfileError(f"{at}: {where}.language = {value!r}; give a language tag such as \"en\" or \"fr\"")
    if key == "gender" and value not in GENDERS:
        raise ProfileError(f"{at}: {where}.gender = {value!r}; choose one of: {', '.join(GENDERS)}")
    if key == "fallback" and not isinstance(value, bool):
        raise ProfileError(f"{at}: {where}.fallback = {value!r}; give true or false")


def _check_engine_key(key: str, value: object, where: str, path: Path) -> None:
    from .engines import ENGINES

    if key == "engine" and value not in ENGINES:
        raise ProfileError(f"{path}: {where}.engine = {value!r}; choose one of: {', '.join(ENGINES)}")
    if key == "model" and (not isinstance(value, str) or not (value.endswith(".onnx") or is_voice_name(value))):
        raise ProfileError(
            f"{path}: {where}.model must be a Piper voice file such as \"en_US-amy-medium.onnx\""
            " or an installed voice's name such as \"en_US-joe-medium\""
        )
    if key == "speaker" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ProfileError(f"{path}: {where}.speaker = {value!r}; give a speaker number (0, 1, …)")


def _engine_settings(merged: dict, where: str, path: Path) -> dict:
    """engine, model, speaker and pitch shift for a kind. A Piper model file is found beside
    the profile, else in the voice folders; a voice name (``en_US-joe-medium``) is kept as it
    is and found by the engine among the installed voices (``voice_packages.py``). A kind
    spoken by another engine drops the inherited model."""
    engine = merged.get("engine")
    if engine != "piper":
        if "voice" not in merged and "language" not in merged:
            raise ProfileError(
                f"{path}: [{where}] is spoken by {engine or 'pyttsx3'} and needs a voice or a language,"
                " e.g. voice = \"gmw/en-us\" or language = \"en\""
            )
        for key in PIPER_ONLY_KEYS:
            if merged.get(key, 1.0) != 1.0:
                raise ProfileError(
                    f"{_KeyPlace(path, where, key)}: {where}.{key} applies to Piper voices only"
                    f" ([{where}] is spoken by {engine or 'pyttsx3'}); use pitch for espeak-ng voices"
                )
        return {"engine": engine, "model": None, "speaker": None}
    if "model" not in merged:
        raise ProfileError(
            f"{path}: [{where}] uses engine = \"piper\" and needs model = \"path/to/voice.onnx\""
            " or an installed voice's name, e.g. model = \"en_US-joe-medium\""
        )
    settings = {"engine": "piper", "speaker": merged.get("speaker"), "pitch_shift": float(merged.get("pitch_shift", 1.0))}
    if is_voice_name(merged["model"]):
        return {**settings, "model": merged["model"]}
    model = Path(merged["model"]).expanduser()
    if not model.is_absolute():
        candidates = [path.parent / model, *(folder / model for folder in profile_search_path())]
        model = next((c for c in candidates if c.is_file()), candidates[0])
    return {**settings, "model": str(model)}


def piper_voice_name(model: str | os.PathLike[str], speaker: int | None = None, pitch_shift: float = 1.0) -> str:
    """How a Piper voice is named in plans and transcripts: the model's name, speaker and
    pitch shift.

    >>> piper_voice_name("/v/en_US-amy-medium.onnx"), piper_voice_name("libritts.onnx", 3)
    ('en_US-amy-medium', 'libritts#3')
    >>> piper_voice_name("en_US-joe-medium", pitch_shift=1.3)
    'en_US-joe-medium ×1.3'
    """
    name = Path(model).name.removesuffix(".onnx")
    name = name if speaker is None else f"{name}#{speaker}"
    return name if pitch_shift == 1.0 else f"{name} ×{pitch_shift:g}"


def load_profile(name_or_path: str | os.PathLike[str] | None = None) -> Profile:
    """Load and validate a profile by name or path."""
    path = find_profile(name_or_path)
    try:
        data = tomllib.loads(read_bounded(path, PROFILE_MAX_BYTES, hint="a profile is a few kilobytes of TOML").decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise ProfileError(f"{path}: not valid TOML (nested too deeply)") from None
    except InputError as err:
        raise ProfileError(f"voice profile {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"{path}: cannot read the profile ({err})") from None
    return profile_from_dict(data, path)


def profile_from_dict(data: dict, path: Path) -> Profile:
    """Build a Profile from parsed TOML, validating every key and range."""
    for key in data:
        if key not in TOP_KEYS:
            raise ProfileError(
                f"{key_location(path, None, key)}: unknown key {key!r}; allowed: {', '.join(sorted(TOP_KEYS))}"
            )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ProfileError(f"{path}: [defaults] must be a table")
    _check_table(defaults, "defaults", path)
    if "voice" not in defaults and "language" not in defaults and defaults.get("engine") != "piper":
        raise ProfileError(
            f"{path}: [defaults] must set voice or language, e.g. voice = \"gmw/en-us\" or language = \"en\""
        )
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
        engine = _engine_settings(merged, kind.value, path)
        kinds[kind] = KindSettings(
            voice=Voice(
                voice=(
                    piper_voice_name(engine["model"], engine["speaker"], engine.get("pitch_shift", 1.0))
                    if engine["model"]
                    else merged.get("voice", "")
                ),
                rate=int(merged.get("rate", 175)),
                pitch=int(merged.get("pitch", 50)),
                volume=float(merged.get("volume", 1.0)),
                **engine,
            ),
            pause_before_ms=int(merged.get("pause_before", 0)),
            pause_after_ms=int(merged.get("pause_after", 250)),
            language=merged.get("language"),
            gender=merged.get("gender"),
            fallback=bool(merged.get("fallback", False)),
        )
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        kinds=kinds,
        paragraph_pause_ms=pauses["paragraph_pause"],
        section_pause_ms=pauses["section_pause"],
        source=path,
        urls=_urls_mode(data, path),
        lexicon=_profile_lexicon(data, path),
        **_framing(data, path),
    )


def _urls_mode(data: dict, path: Path) -> str:
    urls = data.get("urls", "domain")
    if urls not in URL_MODES:
        raise ProfileError(f"{key_location(path, None, 'urls')}: urls = {urls!r}; choose one of: {', '.join(URL_MODES)}")
    return urls


def _profile_lexicon(data: dict, path: Path) -> Lexicon:
    """``lexicon = "file.txt"`` (beside the profile) or a ``[lexicon]`` table."""
    value = data.get("lexicon")
    if value is None:
        return Lexicon()
    try:
        if isinstance(value, str):
            file = Path(value).expanduser()
            return load_lexicon(file if file.is_absolute() else Path(path).parent / file)
        return lexicon_from_mapping(value, f"{path} [lexicon]")
    except LexiconError as err:
        raise ProfileError(str(err)) from None


def _framing(data: dict, path: Path) -> dict:
    """The intro/outro templates (``true`` for the default ones) and jingle paths (beside the
    profile when relative), checked now so a typo fails before any speech is rendered."""
    found: dict = {}
    for key, default in (("intro", DEFAULT_INTRO), ("outro", DEFAULT_OUTRO)):
        value = data.get(key, "")
        if value is True:
            value = default
        elif value is False:
            value = ""
        if not isinstance(value, str):
            raise ProfileError(f"{key_location(path, None, key)}: {key} must be text such as \"{default}\", or true")
        problem = check_template(value)
        if problem is not None:
            raise ProfileError(
                f"{key_location(path, None, key)}: {key} = {value[:80]!r} is not a valid template ({problem[:60]});"
                f" only {', '.join('{' + n + '}' for n in FRAMING_FIELDS)} may be used, with no format or attribute"
            )
        found[key] = value.strip()
    for key in ("intro_jingle", "outro_jingle"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{key_location(path, None, key)}: {key} must be the path of a sound file")
        file = Path(value).expanduser()
        file = file if file.is_absolute() else Path(path).parent / file
        if not file.is_file():
            raise ProfileError(f"{key_location(path, None, key)}: {key} file {str(file)!r} not found")
        found[key] = file
    return found
