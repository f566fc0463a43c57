"""Tiny text helpers shared by the parsers."""

from __future__ import annotations

import re

JOINERS = "’'._-"
"""Characters that join the letters or digits either side into one word (``words``)."""
_JOINER = f"[{re.escape(JOINERS)}]"
_WORD = re.compile(rf"[^\W_]+(?:{_JOINER}[^\W_]+)*")  # letters and digits: what has_words() counts


def fold(text: str) -> str:
    """Whitespace runs (line breaks included) become one space; ends trimmed.

    >>> fold("  hard-wrapped\\n   lines  ")
    'hard-wrapped lines'
    """
    return " ".join(text.split())


def has_words(text: str) -> bool:
    """True when ``text`` has a letter or digit, i.e. something to say.

    >>> has_words(" — , ")
    False
    >>> has_words("’90s")
    True
    """
    return any(ch.isalnum() for ch in text)


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded: runs of letters and digits, joined by inner
    apostrophes, hyphens or points. Punctuation and quotation marks are not words.

    Used to check that no word of the source goes missing; splitting text at
    punctuation never changes its words.

    >>> words("“China’s ‘rule’,” he said — U.S. 7-2, OK?(Applause.)")
    ['china’s', 'rule', 'he', 'said', 'u.s', '7-2', 'ok', 'applause']
    """
    return [match.group().casefold() for match in _WORD.finditer(text)]


# The target may be blank where a template tag stood ("[text]({{< link … >}})" -> "[text]( )").
_LITERAL_LINK = re.compile(
    r"([\u201c\"\u00ab]?)(!?)\[([^\[\]]{0,300})\]\(\s*([^()\s]{0,2000})\s*(?:\s\"[^\"\n]{0,200}\")?\)([.,;:!?]?[\u201d\"\u00bb]?)"
)


def literal_links(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Markdown link syntax left as text (escaped, or in a plain-text file) read as a link:
    its text is kept; the address, and an image entirely, are returned as (text, reason).

    >>> literal_links("See [the report](https://example.org/r) and ![a map](m.png).")
    ('See the report and .', [('https://example.org/r', 'link address'), ('a map m.png', 'image')])
    >>> literal_links("x[1](a)[2](b)y")[0]
    'x 1 2 y'
    """
    if "](" not in text:
        return text, []
    dropped: list[tuple[str, str]] = []
    out: list[str] = []
    position = 0
    for match in _LITERAL_LINK.finditer(text):
        opening, bang, label, target, closing = match.groups()
        _join(out, text[position : match.start()])
        # “[A title](…)”: quotation marks around a link name a linked work; they are
        # not speech, so they are dropped (one mark alone is kept).
        quoted_title = bool(opening and closing[-1:] in ("\u201d", '"', "\u00bb"))
        if opening and not quoted_title:
            _join(out, opening)
        if bang:
            dropped.append((f"{label} {target}".strip(), "image"))
        else:
            if target:
                dropped.append((target, "link address"))
            _join(out, label)
        if closing and not quoted_title:
            _join(out, closing)
        elif quoted_title:
            _join(out, closing.rstrip("\u201d\"\u00bb"))
        position = match.end()
    _join(out, text[position:])
    return "".join(out), dropped


def _join(out: list[str], piece: str) -> None:
    """Append ``piece``, with a space where it would otherwise glue two words into one."""
    if not piece:
        return
    tail = "".join(out[-2:])[-2:]
    glued = tail[-1:].isalnum() or (len(tail) == 2 and tail[0].isalnum() and tail[1] in JOINERS)
    if out and glued and (piece[0].isalnum() or (piece[0] in JOINERS and piece[1:2].isalnum())):
        out.append(" ")
    out.append(piece)


_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
# Bold only where it is markup, at word edges: "2**3", "0’**0**" or "**0**0" are not
# emphasis, and taking their marks out would join two words into one.
_STRONG = re.compile(rf"(?<!\w|{_JOINER})(\*\*|__)(?=\S)(.{{1,300}}?)(?<=\S)\1(?!\w|{_JOINER}\w)")
_STRUCK = re.compile(r"<(s|del|strike)>(.{0,300}?)</\1>|~~(?=\S)(.{1,300}?)(?<=\S)~~")
_SIC = re.compile(r"\\?\[\s*sic\s*!?\s*\\?\]", re.IGNORECASE)


def editorial_marks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """An editor's marks in a transcript: struck-out words (``<s>old</s> [new]`` says only
    "new") and ``[sic]`` are not spoken; both are returned as (text, reason).

    >>> editorial_marks("save <s>$159,000</s> [$159 billion] and gaving [sic] more")
    ('save  [$159 billion] and gaving  more', [('<s>$159,000</s>', 'struck-out text'), ('[sic]', 'editorial mark')])
    """
    dropped: list[tuple[str, str]] = []
    if "<" in text or "~~" in text:
        for match in _STRUCK.finditer(text):
            dropped.append((match.group(), "struck-out text"))
        text = _STRUCK.sub("", text)
    if "sic" in text.lower():
        dropped += [(match.group().replace("\\", ""), "editorial mark") for match in _SIC.finditer(text)]
        text = _SIC.sub("", text)
    return text, dropped


def plain_markdown(text: str) -> str:
    """Markdown's inline syntax left in a plain-text file: backslash escapes and bold
    markers are not read ("\\[new\\]" is "[new]", "**No Tax:**" is "No Tax:").

    >>> plain_markdown(r"**No Tax on Overtime:** one in four \\[sic\\] 2\\*3")
    'No Tax on Overtime: one in four [sic] 2*3'
    """
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "**" in text or "__" in text:
        text = _STRONG.sub(r"\2", text)
    return text


_SITE_SUFFIX = re.compile(
    r"\s+(?:\|\s+[^|]{1,60}|[-–—]\s+(?:Wiki[a-z]*|[\w.-]+\.(?:com|org|net|gov|edu|io|co\.uk|de|fr|es)))\s*$"
)


def without_site_name(title: str) -> str:
    """A page title's site name is not part of the article's title: "… | Site",
    "… - Wikipedia", "… — example.com".

    >>> without_site_name("Apollo 11 - Wikipedia"), without_site_name("Budget passes | The Daily")
    ('Apollo 11', 'Budget passes')
    >>> without_site_name("Biden - Harris plan")
    'Biden - Harris plan'
    """
    stripped = _SITE_SUFFIX.sub("", title)
    return stripped if has_words(stripped) else title


_NAME = r"[A-Z][\w.'’&-]*"
_GLUED_CREDIT = re.compile(
    r"(?<=[.!?”\")])\s+(" + _NAME + r"(?:\s" + _NAME + r"){0,3}\s?/\s?" + _NAME + r"(?:\s" + _NAME + r"){0,3})\s*$"
)
CAPTION_MAX_WORDS = 80


def glued_photo_credit(text: str) -> tuple[str, str | None]:
    """A caption whose photo credit is glued to its end ("… the ribbon. Jane Doe/Reuters"):
    the caption without the credit, and the credit (not read, and never "Doe or Reuters").

    >>> glued_photo_credit("The mayor cuts the ribbon on Monday. Jane Doe/City Agency")
    ('The mayor cuts the ribbon on Monday.', 'Jane Doe/City Agency')
    >>> glued_photo_credit("Prices rose and/or fell.")
    ('Prices rose and/or fell.', None)
    """
    if "/" not in text[-80:] or len(text.split()) > CAPTION_MAX_WORDS:
        return text, None
    match = _GLUED_CREDIT.search(text)
    if not match:
        return text, None
    return text[: match.start()], match.group(1)


_REFERENCE_MARK = re.compile(
    r"\[(?:\d{1,3}(?:\s*[,–-]\s*\d{1,3})*|[a-z]|edit|citation needed|clarification needed|dubious|who\?|when\?|"
    r"note \d{1,3}|nb \d{1,3})\]"
)


_EMOJI_SHORTCODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]{1,30}:(?![\w:])")


def emoji_shortcodes(text: str) -> tuple[str, list[tuple[str, str]]]:
    """GitHub/Slack emoji shortcodes (":tada:") are pictures, not words.

    >>> emoji_shortcodes(":tada: Congratulations at 10:30:00!")
    (' Congratulations at 10:30:00!', [(':tada:', 'emoji shortcode')])
    """
    if text.count(":") < 2:
        return text, []
    found = [(m.group(), "emoji shortcode") for m in _EMOJI_SHORTCODE.finditer(text)]
    return (_EMOJI_SHORTCODE.sub("", text), found) if found else (text, [])


def reference_marks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A wiki's citation markers ("[1]", "[citation needed]") and "[edit]" links are not
    read; returned as (text, reason).

    >>> reference_marks("Apollo 11 landed in 1969.[1][2] History[edit]")
    ('Apollo 11 landed in 1969. History', [('[1]', 'citation marker'), ('[2]', 'citation marker'), ('[edit]', 'edit link')])
    """
    if "[" not in text:
        return text, []
    found = [(m.group(), "edit link" if m.group() == "[edit]" else "citation marker") for m in _REFERENCE_MARK.finditer(text)]
    return (_REFERENCE_MARK.sub("", text), found) if found else (text, [])
