"""Profiles resolved against the voices the engine really has, for one language.

Runs before any rendering starts, so a profile naming a voice the engine lacks fails
at once with the closest matches, instead of after minutes of speech.
"""

from __future__ import annotations

import difflib
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import AudioArticlesError, ProfileError
from ..model import SegmentKind, Voice
from .engines import Engine, VoiceInfo, create_engine, engine_spec
from .language import LANGUAGE_NAMES, language_name, primary, speaks, voices_for_language
from .voices import KindSettings, Profile

log = logging.getLogger(__name__)


FEMALE_VARIANT = "f3"
"""espeak-ng variant used when a female voice is wanted and the language has none."""


@dataclass(frozen=True)
class VoiceCatalog:
    """What one engine can speak with."""

    engine: str
    """The engine's name ("pyttsx3", "fake")."""
    voices: tuple[VoiceInfo, ...]
    variants: frozenset[str] | None = None
    """espeak-ng variants usable as "voice+variant"; None when the engine takes any."""

    def find(self, voice_id: str) -> VoiceInfo | None:
        base = voice_id.partition("+")[0]
        return next((v for v in self.voices if v.id == base), None)

    def has(self, voice_id: str) -> bool:
        variant = voice_id.partition("+")[2]
        return self.find(voice_id) is not None and (
            not variant or self.variants is None or variant in self.variants
        )

    def closest(self, voice_id: str, count: int = 3) -> list[str]:
        """The installed voice ids (or variants) most like a misspelt one."""
        base, _, variant = voice_id.partition("+")
        if variant and self.find(base) and self.variants is not None:
            names = difflib.get_close_matches(variant, sorted(self.variants), n=count, cutoff=0.3)
            return [f"{base}+{name}" for name in names]
        ids = [v.id for v in self.voices]
        by_id = difflib.get_close_matches(base, ids, n=count, cutoff=0.4)
        # "french" or "fr": also try names and the last part of the id.
        tails = {v.id.split("/")[-1]: v.id for v in self.voices}
        names = {v.name.lower(): v.id for v in self.voices}
        extra = [tails[t] for t in difflib.get_close_matches(base.split("/")[-1], list(tails), n=count, cutoff=0.6)]
        extra += [names[n] for n in difflib.get_close_matches(base.lower(), list(names), n=count, cutoff=0.6)]
        found = list(dict.fromkeys(by_id + extra))[:count]
        return [f"{f}+{variant}" if variant else f for f in found]


def catalog_of(engine: Engine) -> VoiceCatalog:
    """The catalog of an engine instance (initialises it in this process)."""
    voices = tuple(engine.voices())
    spec = engine_spec(engine.name)
    variants = spec.load(spec.variants)() if spec.variants else None
    return VoiceCatalog(engine.name, voices, variants)


@functools.cache
def _catalog_by_name(name: str) -> VoiceCatalog:
    return catalog_of(create_engine(name))


def engine_catalog(engine: Engine | str = "pyttsx3") -> VoiceCatalog:
    """The voices of an engine, given by name (created once per process) or instance.

    Safe before a process pool starts: render.py's workers are started by a fork server
    and build their own engine.
    """
    name = engine if isinstance(engine, str) else engine.name
    if not engine_spec(name).catalogue:  # it checks its own voices; the others, against pyttsx3's
        return _catalog_by_name("pyttsx3")
    return _catalog_by_name(engine) if isinstance(engine, str) else catalog_of(engine)


def voice_language(voice_id: str, catalog: VoiceCatalog) -> str | None:
    """The language an installed voice speaks ("gmw/en-us" -> "en-us")."""
    info = catalog.find(voice_id)
    return (info.languages[0] if info and info.languages else None) if info else None


def _with_variant(voice_id: str, variant: str, catalog: VoiceCatalog) -> str:
    if not variant or (catalog.variants is not None and variant not in catalog.variants):
        return voice_id
    return f"{voice_id}+{variant}"


def choose_voice(language: str, catalog: VoiceCatalog, gender: str | None = None, variant: str = "") -> str | None:
    """The best installed voice for a language and gender preference, or None.

    A kind's variant ("+f3") is kept; a female preference without a female voice adds
    a female variant, since espeak-ng's own voices are all male.
    """
    candidates = voices_for_language(language, catalog.voices)
    if not candidates:
        return None
    if gender:
        same = [v for v in candidates if (v.gender or "").lower() == gender]
        if same:
            return _with_variant(same[0].id, variant, catalog)
        if gender == "female" and not variant:
            variant = FEMALE_VARIANT
    return _with_variant(candidates[0].id, variant, catalog)


ALIAS_LANGUAGES: dict[str, str] = {
    **{name.split()[0].lower(): tag for tag, name in LANGUAGE_NAMES.items()},
    "american": "en-us",
    "british": "en-gb",
}
"""Friendly voice names: a language's English name, alone or with -female or -male."""


def voice_alias(name: str) -> tuple[str, str | None] | None:
    """(language, gender) of a friendly voice name, else None.

    >>> voice_alias("english-female"), voice_alias("French"), voice_alias("british-male"), voice_alias("gmw/en")
    (('en', 'female'), ('fr', None), ('en-gb', 'male'), None)
    """
    base, _, gender = name.lower().partition("-")
    if base in ALIAS_LANGUAGES and gender in ("", "female", "male"):
        return ALIAS_LANGUAGES[base], gender or None
    return None


def voice_suggestions(voice_id: str, catalog: VoiceCatalog, count: int = 3) -> list[str]:
    """What to suggest for a voice the engine lacks: when it looks like a friendly name
    ("englsh-female"), that language's names and voices first; else the closest ids."""
    base, _, gender = voice_id.lower().partition("+")[0].partition("-")
    names = difflib.get_close_matches(base, list(ALIAS_LANGUAGES), n=1, cutoff=0.7)
    if names:
        language = ALIAS_LANGUAGES[names[0]]
        genders = [g for g in ("female", "male") if not gender or g.startswith(gender[:1])] or ["female", "male"]
        voices = [v.id for v in voices_for_language(language, catalog.voices)]
        return [*(f"{names[0]}-{g}" for g in genders), *voices][:count]
    return catalog.closest(voice_id, count)


def _unknown_voice(voice_id: str, kind: SegmentKind, profile: Profile, catalog: VoiceCatalog, flag: str | None = None) -> ProfileError:
    close = voice_suggestions(voice_id, catalog)
    hint = f"closest: {', '.join(close)}" if close else "run 'audio-articles voices' to list them"
    if flag:
        return ProfileError(f"{flag} {voice_id!r}: the {catalog.engine} engine has no such voice; {hint}")
    where = f"{profile.source}: [{kind.value}]" if profile.source else f"[{kind.value}]"
    return ProfileError(
        f"{where} voice {voice_id!r}: the {catalog.engine} engine has no such voice; {hint}"
        " (or set fallback = true to use a voice of the article's language)"
    )


def _alias_voice(alias: tuple[str, str | None], variant: str, settings: KindSettings, catalog: VoiceCatalog, asked: str) -> KindSettings:
    language, gender = alias
    chosen = choose_voice(language, catalog, gender or settings.gender, variant)
    if chosen is None:
        raise ProfileError(
            f"{settings.flag or 'voice'} {asked!r}: the {catalog.engine} engine has no voice for"
            f" {language_name(language)}; installed languages: {', '.join(installed_languages(catalog.voices))}"
        )
    return replace(settings, voice=replace(settings.voice, voice=chosen), language=language)


def _resolve_kind(
    kind: SegmentKind, settings: KindSettings, profile: Profile, catalog: VoiceCatalog, language: str | None
) -> KindSettings:
    voice = settings.voice
    if (voice.engine or catalog.engine) != catalog.engine:
        return settings  # spoken by another engine, which checks its own voices
    asked, _, variant = voice.voice.partition("+")
    wanted_language = language or settings.language or voice_language(asked, catalog) or "en"
    if language and settings.language and primary(language) == primary(settings.language):
        wanted_language = settings.language  # the profile's "en-us" is more precise than "en"
    chosen = None
    alias = voice_alias(asked) if asked else None
    if alias and not catalog.has(voice.voice):
        return _alias_voice(alias, variant, settings, catalog, asked)
    if asked:
        info = catalog.find(voice.voice)
        if catalog.has(voice.voice):
            if info is None or settings.pinned or speaks(info, wanted_language):
                return settings
            # An installed voice of another language: keep its variant, change the voice.
        elif not settings.fallback:
            raise _unknown_voice(voice.voice, kind, profile, catalog, settings.flag)
        else:
            chosen = choose_voice(wanted_language, catalog, settings.gender, variant)
            log.warning(
                "voice %r of [%s] is not installed; using %s instead", voice.voice, kind.value, chosen or "none"
            )
    if chosen is None:
        chosen = choose_voice(wanted_language, catalog, settings.gender, variant)
    if chosen is None:
        languages = sorted({primary(tag) for v in catalog.voices for tag in v.languages})
        raise ProfileError(
            f"the {catalog.engine} engine has no voice for {language_name(wanted_language)}"
            f" ([{kind.value}] of profile {profile.name!r}); installed languages: {', '.join(languages)};"
            " set the language with --lang or front matter 'lang:'"
        )
    return replace(settings, voice=replace(voice, voice=chosen))


def resolve_profile(profile: Profile, catalog: VoiceCatalog, language: str | None = None) -> Profile:
    """The profile with every kind's voice installed and speaking ``language``.

    ``language`` None keeps each kind's own language. Unknown voices raise ProfileError
    naming the closest installed ones, unless the kind allows ``fallback``.
    """
    kinds = {kind: _resolve_kind(kind, settings, profile, catalog, language) for kind, settings in profile.kinds.items()}
    return replace(profile, kinds=kinds)


def installed_languages(voices: Sequence[VoiceInfo]) -> list[str]:
    """The primary languages the engine can speak, sorted."""
    return sorted({primary(tag) for v in voices for tag in v.languages})


@dataclass(frozen=True)
class ProfileSummary:
    """A profile as ``audio-articles voices`` shows it."""

    name: str
    source: str
    description: str
    kinds: tuple[tuple[str, str], ...]
    """(kind, "voice-id rate wpm, pitch P, …") for every kind, once resolved."""
    error: str | None = None
    """Why the profile cannot be used on this machine, if it cannot."""


@dataclass(frozen=True)
class VoicesOverview:
    """The engine's voices and every profile found, resolved for a language."""

    engine: str
    language: str | None
    voices: tuple[VoiceInfo, ...]
    variants: tuple[str, ...]
    profiles: tuple[ProfileSummary, ...]

    def to_json(self) -> dict:
        return {
            "engine": self.engine,
            "language": self.language,
            "voices": [
                {"id": v.id, "name": v.name, "languages": list(v.languages), "gender": v.gender} for v in self.voices
            ],
            "variants": list(self.variants),
            "profiles": [
                {
                    "name": p.name,
                    "source": p.source,
                    "description": p.description,
                    "error": p.error,
                    "kinds": {kind: detail for kind, detail in p.kinds},
                }
                for p in self.profiles
            ],
        }


def _describe(voice: Voice, settings: KindSettings) -> str:
    if voice.engine == "piper":  # espeak-ng's pitch does not apply; a shift may
        pitch = f"pitch ×{voice.pitch_shift:g}" if voice.pitch_shift != 1.0 else "the voice's own pitch"
    else:
        pitch = f"pitch {voice.pitch}"
    return (
        f"{voice.voice}  {voice.rate} wpm, {pitch}, volume {voice.volume:g},"
        f" pauses {settings.pause_before_ms}/{settings.pause_after_ms} ms"
    )


def missing_piper_voice(profile: Profile) -> str | None:
    """Why a voice named by name (``model = "en_US-joe-medium"``) cannot be found, for the
    listing; checked without loading piper-tts."""
    from .engines.piper_engine import voice_folders
    from .voice_packages import is_voice_name, resolve_voice_name

    for settings in profile.kinds.values():
        voice = settings.voice
        if voice.engine == "piper" and voice.model and is_voice_name(voice.model):
            try:
                resolve_voice_name(voice.model, voice_folders())
            except AudioArticlesError as err:
                return str(err)
    return None


def voices_overview(engine: Engine | str = "pyttsx3", language: str | None = None) -> VoicesOverview:
    """What ``audio-articles voices`` prints."""
    from .voices import available_profiles, load_profile

    catalog = engine_catalog(engine)
    voices = catalog.voices if not language else tuple(voices_for_language(language, catalog.voices))
    if language and not voices:
        raise ProfileError(
            f"the {catalog.engine} engine has no voice for language {language_name(language)};"
            f" installed languages: {', '.join(installed_languages(catalog.voices))}"
        )
    summaries = []
    for path in available_profiles():
        try:
            profile = load_profile(path)
            resolved = resolve_profile(profile, catalog, language)
        except ProfileError as err:
            summaries.append(ProfileSummary(path.stem, str(path), "", (), str(err)))
            continue
        kinds = tuple((kind.value, _describe(s.voice, s)) for kind, s in resolved.kinds.items())
        summaries.append(
            ProfileSummary(profile.name, str(path), profile.description, kinds, missing_piper_voice(profile))
        )
    return VoicesOverview(
        catalog.engine, language, voices, tuple(sorted(catalog.variants or ())), tuple(summaries)
    )
