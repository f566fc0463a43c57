"""Speech-ready text: small ``str -> str`` functions applied in order before synthesis.

Each function fixes one thing espeak-ng gets wrong (checked with ``espeak-ng -q -x``);
what it already says right (ordinals, thousands separators, decimals, percentages,
"e.g.", "&", "°C", acronyms) is left alone. Add a fix by writing a function (with
input -> output tests) and listing it in ``ENGLISH``.

The English fixes only ever run on English text: a French article gets the
language-neutral steps (``NEUTRAL``) and espeak-ng's own French rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

TextFn = Callable[[str], str]

URL_MODES = ("domain", "drop")
"""How links and e-mail addresses are spoken: as their domain, or not at all."""


def fold_whitespace(text: str) -> str:
    """One space between words.

    >>> fold_whitespace("a \\n b\\t c ")
    'a b c'
    """
    return " ".join(text.split())


_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U0001F1E6-\U0001F1FF\u2B00-\u2BFF\uFE0F\u200D\u20E3]+"
)


def drop_emoji(text: str) -> str:
    """Emoji and pictographs are dropped (espeak-ng reads 😀 as "grinning face").

    >>> drop_emoji("Great news 🎉🎉 today 🎉.")
    'Great news today.'
    """
    return _tidy(_EMOJI.sub(" ", text))


def _tidy(text: str) -> str:
    """Whitespace folded, and none left before punctuation once something was removed."""
    return re.sub(r"\s+([.,;:!?)\]])", r"\1", fold_whitespace(text))


_URL = re.compile(r"(?:https?://|www\.)(?P<host>[\w.-]+\w)(?:[/?#][^\s]*)?", re.IGNORECASE)
_EMAIL = re.compile(r"\b(?P<user>[\w.+-]+)@(?P<host>[\w-]+(?:\.[\w-]+)+)\b")
_TRAILING_PUNCT = re.compile(r"[.,;:!?)\]]+$")


def _spoken_host(host: str, dot: str) -> str:
    host = re.sub(r"^www\.", "", host, flags=re.IGNORECASE)
    return f" {dot} ".join(host.split("."))


def _url_with_punct(match: re.Match[str], replace: Callable[[str], str]) -> str:
    # A sentence's full stop after a link is not part of the link.
    whole = match.group(0)
    tail = _TRAILING_PUNCT.search(whole)
    punct = tail.group(0) if tail and "/" in whole[match.end("host") - match.start() :] else ""
    return replace(match.group("host")) + punct


def speak_urls(text: str) -> str:
    """Links are read as their domain ("nasa dot gov"), never letter by letter.

    >>> speak_urls("See https://www.nasa.gov/news/x.html today")
    'See nasa dot gov today'
    >>> speak_urls("Read www.bbc.co.uk/news.")
    'Read bbc dot co dot uk.'
    """
    return _URL.sub(lambda m: _url_with_punct(m, lambda host: _spoken_host(host, "dot")), text)


def speak_emails(text: str) -> str:
    """E-mail addresses are read as "user at domain dot tld".

    >>> speak_emails("Write to press@city.gov.")
    'Write to press at city dot gov.'
    """
    return _EMAIL.sub(lambda m: f"{m.group('user')} at {_spoken_host(m.group('host'), 'dot')}", text)


def drop_links(text: str) -> str:
    """Links and e-mail addresses are left out altogether (``urls = "drop"``).

    >>> drop_links("Details at https://nasa.gov/x or press@nasa.gov.")
    'Details at or.'
    """
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(lambda m: _url_with_punct(m, lambda host: ""), text)
    return _tidy(text)


def keep_link_domains(text: str) -> str:
    """Any language: links shrink to their domain, which espeak-ng reads in that language.

    >>> keep_link_domains("Voir https://www.insee.fr/fr/statistiques")
    'Voir insee.fr'
    """
    return _URL.sub(lambda m: _url_with_punct(m, lambda host: re.sub(r"^www\.", "", host, flags=re.I)), text)


# Words that usually open a sentence: a full stop before them is a sentence end.
_SENTENCE_STARTERS = frozenset(
    "The A An It Its He His She Her We Our They Their I In On At But And Or So Yet This That These"
    " Those There Then Now Here When While If As After Before However Meanwhile Still For From With"
    " By To Some Many Most No Not One What Who Why How Other Others Officials Police".split()
)
# Titles are always followed by a name: their full stop is not a sentence end, but
# espeak-ng pauses on it as if it were ("Gov. Newsom" -> "gov. Newsom").
_TITLES = {
    "Dr": "Doctor", "Prof": "Professor", "Gov": "Governor", "Sen": "Senator", "Rep": "Representative",
    "Gen": "General", "Lt": "Lieutenant", "Col": "Colonel", "Capt": "Captain", "Sgt": "Sergeant",
    "Supt": "Superintendent", "Pres": "President", "Rev": "Reverend", "Mt": "Mount", "Ft": "Fort",
    "St": "Saint", "Mr": "Mister", "Mrs": "Missus", "Ms": "Ms", "Sr": "Senior", "Jr": "Junior",
}
_TITLE_BEFORE_NAME = re.compile(r"\b(Dr|Prof|Gov|Sen|Rep|Gen|Lt|Col|Capt|Sgt|Supt|Pres|Rev|Mt|Ft|St|Mr|Mrs|Ms)\.(?=\s+[A-Z])")
_SUFFIX_AFTER_NAME = re.compile(r"(?<=[A-Za-z]),?\s+(Jr|Sr)\.(?=\s+[a-z])")

_STREETS = {"St": "Street", "Dr": "Drive", "Ave": "Avenue", "Rd": "Road", "Blvd": "Boulevard", "Ln": "Lane"}
# After a capitalised name, "St." and "Dr." are a street and a drive ("Elm St.", "Mulholland Dr.").
_STREET = re.compile(r"\b(?P<name>[A-Z][a-z]+|\d+(?:st|nd|rd|th)) (St|Dr|Ave|Rd|Blvd|Ln)\.(?=\s+(?P<next>[\w'’]+))?")

_MONTHS = {
    "Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April", "Jun": "June", "Jul": "July",
    "Aug": "August", "Sep": "September", "Sept": "September", "Oct": "October", "Nov": "November",
    "Dec": "December",
}
_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.(?P<mid>(?=\s+[\da-z]|,))?")

_PHRASES = {
    "vs.": "versus", "v.": "versus", "i.e.": "that is", "approx.": "approximately", "Ph.D.": "PhD",
    "Inc.": "Incorporated", "Corp.": "Corporation", "Ltd.": "Limited", "Co.": "Company",
    "Bros.": "Brothers", "Dept.": "Department", "Univ.": "University", "est.": "established",
}
_PHRASE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in sorted(_PHRASES, key=len, reverse=True)) + r")")


def _street(match: re.Match[str]) -> str:
    name, word = match.group("name"), match.group("next") or ""
    rest = match.string[match.end() :]
    new_sentence = word in _SENTENCE_STARTERS if word else not rest[:1] or rest[:1].isspace()
    if name in _SENTENCE_STARTERS or name in _TITLES.values() or (word[:1].isupper() and not new_sentence):
        return match.group(0)  # "Then St. Louis", "Elm St. Louis": a title before a name
    # The full stop stays where a sentence ends: at the end, or before a new sentence.
    return f"{name} {_STREETS[match.group(2)]}{'.' if new_sentence else ''}"


def expand_abbreviations(text: str) -> str:
    """Titles, months and Latin or business abbreviations said in full, without a false pause.

    >>> expand_abbreviations("Gov. Newsom met Dr. Ana Ruiz on Feb. 3, not Sept. 11.")
    'Governor Newsom met Doctor Ana Ruiz on February 3, not September 11.'
    >>> expand_abbreviations("Acme Corp. vs. the city, i.e. everyone")
    'Acme Corporation versus the city, that is everyone'
    """
    text = _STREET.sub(_street, text)
    text = _TITLE_BEFORE_NAME.sub(lambda m: _TITLES[m.group(1)], text)
    text = _SUFFIX_AFTER_NAME.sub(lambda m: " " + _TITLES[m.group(1)], text)
    # Mid-sentence ("Feb. 3", "Feb., when") the full stop goes; at a sentence end it stays.
    text = _MONTH.sub(lambda m: _MONTHS[m.group(1)] + ("" if m.group("mid") is not None else "."), text)
    text = _PHRASE.sub(lambda m: _PHRASES[m.group(1)], text)
    return re.sub(r"\bNo\.\s*(?=\d)", "number ", text)


_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,})(?=\s+([A-Za-z][\w'’-]*))")
_SPACED_INITIALS = re.compile(r"(?<=[A-Z][a-z]) ((?:[A-Z]\. )+)(?=([A-Z][a-z][\w'’-]*))|(?<![\w.])((?:[A-Z]\. )+)(?=([A-Z][a-z][\w'’-]*))")


def join_initials(text: str) -> str:
    """Initials inside a name or phrase lose the full stop espeak-ng pauses on, unless a
    new sentence follows ("in the U.S. The next day" keeps it).

    >>> join_initials("President V.V. Putin met George W. Bush and J. R. R. Tolkien in the U.S. The end.")
    'President V.V Putin met George W Bush and J R R Tolkien in the U.S. The end.'
    >>> join_initials("U.S. officials in Washington, D.C. said")
    'U.S officials in Washington, D.C said'
    """

    def dotted(match: re.Match[str]) -> str:
        initials, following = match.group(1), match.group(2)
        return initials if following in _SENTENCE_STARTERS else initials[:-1]

    def spaced(match: re.Match[str]) -> str:
        initials = match.group(1) or match.group(3)
        following = match.group(2) or match.group(4)
        lead = " " if match.group(1) else ""
        return initials if following in _SENTENCE_STARTERS else lead + initials.replace(". ", " ")

    return _SPACED_INITIALS.sub(spaced, _DOTTED.sub(dotted, text))


_ZONES = {
    "EDT": "Eastern Daylight Time", "EST": "Eastern Standard Time", "CDT": "Central Daylight Time",
    "CST": "Central Standard Time", "MDT": "Mountain Daylight Time", "MST": "Mountain Standard Time",
    "PDT": "Pacific Daylight Time", "PST": "Pacific Standard Time", "BST": "British Summer Time",
    "CET": "Central European Time", "CEST": "Central European Summer Time",
}
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
_ZONE_AFTER_TIME = re.compile(r"(" + _CLOCK + r")\s+(" + "|".join(_ZONES) + r")\b", re.IGNORECASE)


def speak_times(text: str) -> str:
    """Clock times: "8:00" is "8 o'clock" or "8 a.m.", "8:05" is "8 oh 5"; time zones in full.

    espeak-ng says "8:05" as "eight zero five" and "12:00" as "twelve zero zero".

    >>> speak_times("at 12:00, 8:00 a.m. and 8:05 p.m. EDT")
    "at 12 o'clock, 8 a.m. and 8 oh 5 p.m. Eastern Daylight Time"
    """
    text = _ZONE_AFTER_TIME.sub(lambda m: f"{m.group(1)} {_ZONES[m.group(2).upper()]}", text)
    text = re.sub(r"\b(\d{1,2}):00(?=\s*[ap]\.?m\b)", r"\1", text)
    text = re.sub(r"\b(\d{1,2}):00\b(?!:)", r"\1 o'clock", text)
    return re.sub(r"\b(\d{1,2}):0(\d)\b(?!:)", r"\1 oh \2", text)


_SCALE = r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|m|k)\b)?"
_AMOUNT = r"(?P<amount>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("US dollar", "US dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
}
_CODES = {
    "USD": ("US dollar", "US dollars"), "EUR": ("euro", "euros"), "GBP": ("pound", "pounds"),
    "JPY": ("yen", "yen"), "CAD": ("Canadian dollar", "Canadian dollars"),
    "AUD": ("Australian dollar", "Australian dollars"), "CHF": ("Swiss franc", "Swiss francs"),
    "CNY": ("yuan", "yuan"), "INR": ("rupee", "rupees"),
}
_SYMBOL_AMOUNT = re.compile(r"(?P<symbol>US\$|[$€£¥₹])" + _AMOUNT + _SCALE)
_AMOUNT_CODE = re.compile(_AMOUNT + _SCALE + r"\s?(?P<code>" + "|".join(_CODES) + r")\b")
_SCALE_WORDS = {"bn": "billion", "m": "million", "k": "thousand"}


def _money(amount: str, scale: str | None, names: tuple[str, ...], attributive: bool = False) -> str:
    one, many = names[0], names[1]
    if attributive:  # "a $4.6 billion plan": "a 4.6 billion dollar plan"
        return f"{amount} {_SCALE_WORDS.get(scale, scale) + ' ' if scale else ''}{one}"
    if scale:
        return f"{amount} {_SCALE_WORDS.get(scale, scale)} {many}"
    whole, _, fraction = amount.partition(".")
    unit = one if whole == "1" else many
    if len(names) < 4 or not fraction or len(fraction) != 2 or not names[2]:
        return f"{amount} {one if amount == '1' else many}"
    cents = int(fraction)
    small = names[2] if cents == 1 else names[3]
    if whole in ("0", ""):
        return f"{cents} {small}"
    return f"{whole} {unit}" + (f" {cents} {small}" if cents else "")


def speak_currency(text: str) -> str:
    """Money is said the way a newsreader says it; espeak-ng says "$1.50" as
    "dollar one point five zero" and "$4.6 billion" as "dollar four point six billion".

    >>> speak_currency("$4.6 billion, $1.50, $1, €20, £0.99 and 2000 USD")
    '4.6 billion dollars, 1 dollar 50 cents, 1 dollar, 20 euros, 99 pence and 2000 US dollars'
    >>> speak_currency("a $4.6 billion plan and an €8 fee")
    'a 4.6 billion dollar plan and an 8 euro fee'
    """

    def attributive(match: re.Match[str]) -> bool:
        # After "a"/"an" the amount describes the next word: "a $5 fee".
        before = match.string[max(0, match.start() - 4) : match.start()].lower()
        after = match.string[match.end() : match.end() + 2]
        return re.search(r"(?:^|\s)an? $", before) is not None and re.match(r" [a-z]", after) is not None

    text = _SYMBOL_AMOUNT.sub(
        lambda m: _money(m.group("amount"), m.group("scale"), _CURRENCIES[m.group("symbol")], attributive(m)), text
    )
    return _AMOUNT_CODE.sub(
        lambda m: _money(m.group("amount"), m.group("scale"), _CODES[m.group("code")], attributive(m)), text
    )


_RANGE = re.compile(r"(?<![\d,.\-–/:])(\d(?:[\d,.]*\d)?)\s?(?:-|–|—|\s–\s|\sto\s)\s?(\d(?:[\d,.]*\d)?)(?![\d\-–/:]|\.\d)")


def speak_ranges(text: str) -> str:
    """Number ranges are said with "to": espeak-ng says "6-12" as "six dash twelve" and
    drops the en dash in "2020–2021". Phone numbers and dates (several dashes) are left alone.

    >>> speak_ranges("from 2020–2021, for 6-12 months, call 555-123-4567 by 2024-01-05")
    'from 2020 to 2021, for 6 to 12 months, call 555-123-4567 by 2024-01-05'
    """
    return _RANGE.sub(lambda m: f"{m.group(1)} to {m.group(2)}", text)


_TENS = {"1": "tens", "2": "twenties", "3": "thirties", "4": "forties", "5": "fifties",
         "6": "sixties", "7": "seventies", "8": "eighties", "9": "nineties"}
_CENTURY = {"10": "ten", "11": "eleven", "12": "twelve", "13": "thirteen", "14": "fourteen",
            "15": "fifteen", "16": "sixteen", "17": "seventeen", "18": "eighteen", "19": "nineteen"}


def _decade(match: re.Match[str]) -> str:
    century, tens = match.group("century"), match.group("tens")
    if tens == "0":
        if century == "20":
            return "two thousands"
        if century in _CENTURY:
            return f"{_CENTURY[century]} hundreds"
        return match.group(0)
    if century is None:
        return _TENS[tens]
    if century == "20":
        return f"twenty {_TENS[tens]}"
    return f"{_CENTURY[century]} {_TENS[tens]}" if century in _CENTURY else match.group(0)


def speak_decades(text: str) -> str:
    """Decades: espeak-ng reads "1990s" as "nineteen hundred ninety z".

    >>> speak_decades("the 1990s, the 2010s, the ’80s and the 1900s")
    'the nineteen nineties, the twenty tens, the eighties and the nineteen hundreds'
    """
    return re.sub(r"(?:\b(?P<century>1\d|20)|['’])(?P<tens>\d)0'?s\b", _decade, text)


_UNITS = {
    "km/h": "kilometres per hour", "km": "kilometres", "kg": "kilograms", "cm": "centimetres",
    "mm": "millimetres", "ft": "feet", "mi": "miles", "kWh": "kilowatt hours", "MW": "megawatts",
    "GW": "gigawatts", "kW": "kilowatts", "ml": "millilitres",
}
_UNIT = re.compile(r"(?<=\d)\s?(" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)) + r")\b(?=[\s.,;:)]|$)")


def speak_units(text: str) -> str:
    """Units after a number in words (espeak-ng spells "5 km" as "five K M").

    >>> speak_units("a 10 km walk at 5km/h, 3 kg, 120 MW")
    'a 10 kilometres walk at 5 kilometres per hour, 3 kilograms, 120 megawatts'
    """
    return _UNIT.sub(lambda m: " " + _UNITS[m.group(1)], text)


def speak_symbols(text: str) -> str:
    """Symbols espeak-ng reads badly: "#1" ("hash one"), "and/or" ("and slash or").

    >>> speak_symbols("the #1 choice for his/her team and/or yours")
    'the number 1 choice for his or her team and or yours'
    """
    text = re.sub(r"#(?=\d)", "number ", text)
    text = re.sub(r"\band/or\b", "and or", text)
    return re.sub(r"\b([A-Za-z]{2,})/([A-Za-z]{2,})\b", r"\1 or \2", text)


def dashes_as_pauses(text: str) -> str:
    """Em and en dashes between words become commas, which the engine pauses on.

    >>> dashes_as_pauses("The plan — if it works — is bold")
    'The plan, if it works, is bold'
    """
    # An en dash between two words without spaces ("Paris–Berlin") is a link, not a pause.
    text = re.sub(r"(?:\s*(?:\u2014|(?<!\w)\u2013|\u2013(?!\w))\s*)+", ", ", text)
    return re.sub(r",+(?=[.,;:!?])", "", _tidy(text)).strip()


_OBFUSCATED_EMAIL = re.compile(r"\b([\w.+-]+)\s*[\[(]\s*(?:at|@)\s*[\])]\s*([\w-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w-]+|\.[\w-]+)+)\b", re.I)
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z_][\w]{1,30})\b(?!\.\w)")
ADDRESS_WORDS = {"en": ("at", "dot"), "fr": ("arobase", "point"), "de": ("at", "Punkt"), "es": ("arroba", "punto")}
"""How an e-mail address is read in each language we pick voices for."""


def address_reader(language: str) -> TextFn:
    """A step reading e-mail addresses (also "name [at] domain [dot] org") in ``language``
    and social handles by their name ("@golang" is "golang"), so no voice spells "@".

    >>> address_reader("fr")("Écrire à presse@ville.fr ou @Mairie, contact [at] ville [dot] fr")
    'Écrire à presse arobase ville point fr ou Mairie, contact arobase ville point fr'
    >>> address_reader("es")("Escriba a prensa@gob.es")
    'Escriba a prensa arroba gob punto es'
    """
    at, dot = ADDRESS_WORDS.get(language.split("-")[0].lower(), ADDRESS_WORDS["en"])

    def read_addresses(text: str) -> str:
        if "@" not in text and "[" not in text and "(" not in text:
            return text
        text = _OBFUSCATED_EMAIL.sub(lambda m: m.group(1) + "@" + re.sub(r"\s*[\[(]\s*dot\s*[\])]\s*", ".", m.group(2), flags=re.I), text)
        text = _EMAIL.sub(lambda m: f"{m.group('user')} {at} {_spoken_host(m.group('host'), dot)}", text)
        return _HANDLE.sub(r"\1", text)

    read_addresses.__name__ = f"read_addresses_{language}"
    return read_addresses


NEUTRAL: tuple[TextFn, ...] = (fold_whitespace, drop_emoji, keep_link_domains, dashes_as_pauses)
"""Steps for any language: they touch no words."""

ENGLISH: tuple[TextFn, ...] = (
    fold_whitespace,
    drop_emoji,
    speak_emails,
    speak_urls,
    speak_times,
    expand_abbreviations,
    speak_currency,
    speak_decades,
    speak_ranges,
    speak_units,
    speak_symbols,
    join_initials,
    dashes_as_pauses,
)
"""Steps for English text, in order: money before ranges ("$5-$10"); initials after every
step that writes words, since whether their full stop stays depends on the next word."""

PIPELINE = ENGLISH
"""The default pipeline (English)."""


def pipeline_for(language: str = "en", urls: str = "domain") -> tuple[TextFn, ...]:
    """The steps for a language; ``urls="drop"`` leaves links and addresses out."""
    base = language.split("-")[0].lower()
    if base == "en":
        steps = ENGLISH
    elif base in ADDRESS_WORDS:
        steps = (fold_whitespace, drop_emoji, address_reader(base), keep_link_domains, dashes_as_pauses)
    else:
        steps = NEUTRAL
    if urls == "drop":
        steps = tuple(
            drop_links if fn in (speak_urls, keep_link_domains) else fn
            for fn in steps
            if fn is not speak_emails and not fn.__name__.startswith("read_addresses")
        )
    return steps


def speech_ready(text: str, pipeline: Sequence[TextFn] | None = None, *, language: str = "en", urls: str = "domain") -> str:
    """Apply every step of ``pipeline`` (default: the one for ``language``) in order.

    >>> speech_ready("Gov. Newsom said — at 8:00 a.m. — it costs $4.6 billion.")
    'Governor Newsom said, at 8 a.m., it costs 4.6 billion dollars.'
    >>> speech_ready("Le Dr. Martin a payé 5 $ — voir www.insee.fr/x", language="fr")
    'Le Dr. Martin a payé 5 $, voir insee.fr'
    """
    for fn in pipeline if pipeline is not None else pipeline_for(language, urls):
        text = fn(text)
    return text
