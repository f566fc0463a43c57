"""Which language an article is in, and which engine voice speaks it.

Text mostly in a script other than Latin names its language by the script (Greek, Thai,
Japanese kana, …). Latin-script text is detected by counting each language's commonest
function words ("the", "le", "der", …).
Those words make up a third or more of any running text, so a few sentences are
enough, the result is deterministic, and it needs no model or download. It only
answers when the text is long enough and one language clearly leads; otherwise the
caller keeps English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from .engines.base import VoiceInfo

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is that for it was on with as are be by this at from have has not".split()),
    "fr": frozenset("le la les de des et est une un du dans que qui pour pas sur au aux avec ce sont par été à il elle ne se ou mais cette".split()),
    "es": frozenset("el la los las de del que y en un una por con para es se su al lo como más pero este está fue".split()),
    "de": frozenset("der die das und ist nicht ein eine den dem des zu mit sich auf für von auch im wird wurde sie es".split()),
    "it": frozenset("il di che e la per un una non sono gli le del della con si da al nel è".split()),
    "pt": frozenset("o a os as de que e do da em um uma para com não no na se por dos é".split()),
    "nl": frozenset("de het een en van is dat niet op te zijn voor met als ook maar aan er".split()),
}
MIN_WORDS = 12
"""Shorter texts are not judged: a headline alone is too easy to mistake."""
MIN_SHARE = 0.15
"""The leading language's function words must be at least this share of all words…"""
MIN_LEAD = 1.5
"""…and at least this many times as frequent as the runner-up's."""

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")
_OTHER_LETTERS = re.compile(r"[^\x00-\x7f]")

# The first word of a letter's Unicode name is its script; most scripts name one language.
SCRIPT_LANGUAGES: dict[str, str] = {
    "GREEK": "el", "CYRILLIC": "ru", "ARABIC": "ar", "HEBREW": "he", "HIRAGANA": "ja",
    "KATAKANA": "ja", "CJK": "cmn", "HANGUL": "ko", "DEVANAGARI": "hi", "BENGALI": "bn",
    "GURMUKHI": "pa", "GUJARATI": "gu", "ORIYA": "or", "TAMIL": "ta", "TELUGU": "te",
    "KANNADA": "kn", "MALAYALAM": "ml", "SINHALA": "si", "THAI": "th", "LAO": "lo",
    "TIBETAN": "bo", "MYANMAR": "my", "GEORGIAN": "ka", "ARMENIAN": "hy", "ETHIOPIC": "am",
    "KHMER": "km", "CHEROKEE": "chr", "MONGOLIAN": "mn", "THAANA": "dv", "SYRIAC": "syr",
}  # fmt: skip
LANGUAGE_NAMES: dict[str, str] = {
    "el": "Greek", "ru": "Russian", "ar": "Arabic", "he": "Hebrew", "ja": "Japanese",
    "cmn": "Chinese (Mandarin)", "ko": "Korean", "hi": "Hindi", "bn": "Bengali", "pa": "Punjabi",
    "gu": "Gujarati", "or": "Odia", "ta": "Tamil", "te": "Telugu", "kn": "Kannada",
    "ml": "Malayalam", "si": "Sinhala", "th": "Thai", "lo": "Lao", "bo": "Tibetan", "my": "Burmese",
    "ka": "Georgian", "hy": "Armenian", "am": "Amharic", "km": "Khmer", "chr": "Cherokee",
    "mn": "Mongolian", "dv": "Dhivehi", "syr": "Syriac", "en": "English", "fr": "French",
    "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
}  # fmt: skip
SCRIPT_SHARE = 0.5
"""A script names the language when at least this share of the letters are in it."""


def language_name(tag: str) -> str:
    """A language tag for people.

    >>> language_name("km"), language_name("fr-CA"), language_name("xx")
    ("Khmer ('km')", "French ('fr-CA')", "'xx'")
    """
    name = LANGUAGE_NAMES.get(primary(tag))
    return f"{name} ({tag!r})" if name else repr(tag)


def script_language(text: str) -> str | None:
    """The language a non-Latin script names, when most letters are in that script.

    >>> script_language("Η βιβλιοθήκη άνοιξε ξανά"), script_language("図書館が再開した")
    ('el', 'ja')
    >>> script_language("The library reopened") is None, script_language("") is None
    (True, True)
    """
    # ASCII letters are counted in bulk (an English hour of text would otherwise take a
    # tenth of a second); only the rest are looked up one by one.
    latin = sum(map(len, _ASCII_LETTERS.findall(text)))
    scripts: dict[str, int] = {"LATIN": latin} if latin else {}
    letters = latin
    for char in _OTHER_LETTERS.findall(text):
        if char.isalpha():
            letters += 1
            script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            scripts[script] = scripts.get(script, 0) + 1
    if not letters:
        return None
    # Japanese writes kanji (CJK) among kana: any real share of kana means Japanese.
    if scripts.get("HIRAGANA", 0) + scripts.get("KATAKANA", 0) >= 0.1 * letters:
        return "ja"
    # As many Latin letters as any other script's: read as Latin.
    script, count = max(scripts.items(), key=lambda item: (item[1], item[0] == "LATIN"))
    if count < SCRIPT_SHARE * letters:
        return None
    return SCRIPT_LANGUAGES.get(script)


def primary(tag: str) -> str:
    """The primary language of a BCP 47 tag.

    >>> primary("fr-CA"), primary("EN_us"), primary("")
    ('fr', 'en', '')
    """
    return re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]


def detect_language(text: str) -> str | None:
    """The text's language when it is clearly one of ``STOP_WORDS``, else None.

    >>> detect_language("Le conseil municipal a voté mardi pour la rénovation de la bibliothèque, qui est fermée depuis un an.")
    'fr'
    >>> detect_language("The council voted on Tuesday to renovate the library, which has been closed for a year.")
    'en'
    >>> detect_language("Bonjour Paris") is None
    True
    """
    by_script = script_language(text)
    if by_script:
        return by_script
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return None
    counts = sorted(
        ((sum(w in stops for w in words), lang) for lang, stops in STOP_WORDS.items()), reverse=True
    )
    (best, lang), (second, _) = counts[0], counts[1]
    if best >= MIN_SHARE * len(words) and best >= MIN_LEAD * max(second, 1):
        return lang
    return None


def choose_language(declared: str | None, texts: Iterable[str], override: str | None = None) -> str:
    """The language to speak: ``override`` (``--lang``), else a declared non-English
    language (front matter), else what detection finds, else English.

    An article that declares nothing is parsed as "en", so a declared "en" cannot be told
    apart from none: detection may still switch it, but only when it is clearly another language.

    >>> choose_language("en", ["Le maire a dit que la ville est prête pour les jeux et que les travaux sont finis."])
    'fr'
    >>> choose_language("de", ["The text is English but the front matter says German."])
    'de'
    >>> choose_language(None, ["Le maire a dit que la ville est prête pour les jeux."], override="en")
    'en'
    """
    if override:
        return override.strip()
    if declared and primary(declared) != "en":
        return declared.strip()
    return detect_language(" ".join(texts)) or (declared or "en").strip()


def voice_languages(voice: VoiceInfo) -> list[str]:
    """A voice's language tags, lower case; espeak-ng's ids ("roa/fr") count too."""
    tags = [tag.lower().replace("_", "-") for tag in voice.languages]
    return tags + [voice.id.split("/")[-1].split("+")[0].lower()]


def speaks(voice: VoiceInfo, language: str) -> bool:
    """True when the voice speaks the primary language of ``language``.

    >>> speaks(VoiceInfo("roa/fr", "French (France)", ("fr-fr",)), "fr-CA")
    True
    """
    return any(primary(tag) == primary(language) for tag in voice_languages(voice))


def voices_for_language(language: str, voices: Sequence[VoiceInfo]) -> list[VoiceInfo]:
    """Voices that speak ``language``, best first: the exact tag ("fr-be"), then the
    language's main voice ("fr", "fr-fr"), then the rest in the engine's order.

    >>> voices = [VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",)), VoiceInfo("roa/fr", "French (France)", ("fr-fr",))]
    >>> [v.id for v in voices_for_language("fr", voices)]
    ['roa/fr', 'roa/fr-be']
    >>> [v.id for v in voices_for_language("fr-BE", voices)]
    ['roa/fr-be', 'roa/fr']
    """
    wanted = language.strip().lower().replace("_", "-")
    lang = primary(wanted)

    def rank(item: tuple[int, VoiceInfo]) -> tuple[int, int]:
        position, voice = item
        tags = voice_languages(voice)
        if wanted in tags:
            return (0, position)
        if lang in tags or f"{lang}-{lang}" in tags:
            return (1, position)
        return (2, position)

    matching = [(i, v) for i, v in enumerate(voices) if speaks(v, lang)]
    return [voice for _, voice in sorted(matching, key=rank)]
