"""Transcript conventions: speaker labels ("THE PRESIDENT:") and stage directions ("(Applause.)")."""

from __future__ import annotations

import re
from dataclasses import dataclass

# An upper-case label (titles, initials, hyphens, apostrophes) and a colon: "MS. JEAN-PIERRE:",
# "SENATOR WARREN:", "Q:". No lowercase letters, so "Note: …" in prose is not a label.
_LABEL = re.compile(r"((?:[A-Z][A-Z.'’\-]*)(?: [A-Z][A-Z.'’\-]*){0,5}|Q|A):\s+(?=\S)")

# Parenthesised or bracketed asides that describe the room, not the speech.
_DIRECTION_WORDS = (
    "applause|laughter|laughs|laughing|cheers|cheering|booing|boos|inaudible|unintelligible|"
    "crosstalk|cross-talk|audience|music|silence|pause|chuckles|sighs|recess|break|"
    "audio gap|technical difficulties|end of transcript|video clip|begin video|end video"
)
# A direction stands apart from the words around it: "Thank you. (Applause.)", never "you(Applause)".
_DIRECTION = re.compile(
    r"(?<!\S)[(\[]\s*(?:(?i:" + _DIRECTION_WORDS + r")[^()\[\]\n]{0,40}|[A-Z][^()\[\]\n]{0,60}\.)\s*[)\]](?!\w)"
)
_KNOWN_DIRECTION = re.compile(r"(?<!\S)[(\[]\s*(?i:" + _DIRECTION_WORDS + r")\b[^()\[\]\n]{0,40}[)\]](?!\w)")

MIN_LABELS = 3
"""A text is a transcript when this many lines open with a speaker label (or one speaker twice)."""

# Upper-case lead-ins of ordinary articles that look like labels but name no speaker.
NOT_SPEAKERS = {"NOTE", "EDITOR'S NOTE", "EDITOR’S NOTE", "UPDATE", "UPDATED", "CORRECTION", "CLARIFICATION",
                "DISCLAIMER", "WARNING", "BREAKING", "ALERT", "WATCH", "LISTEN", "READ", "P.S.", "PS", "FYI",
                "TL;DR", "SOURCE", "SOURCES", "CREDIT", "CREDITS", "CONTACT", "PHOTO", "IMAGE", "WHEN", "WHERE",
                "WHAT", "WHO", "WHY", "HOW", "TIP", "BONUS", "SPOILER", "TRIGGER WARNING", "CONTENT WARNING"}  # fmt: skip


@dataclass(frozen=True)
class Labelled:
    """A line split into its speaker label (or None) and the rest."""

    speaker: str | None
    label: str
    rest: str


def split_label(line: str) -> Labelled:
    """A line's speaker label and what follows it.

    >>> split_label("THE PRESIDENT: Thank you all.")
    Labelled(speaker='THE PRESIDENT', label='THE PRESIDENT:', rest='Thank you all.')
    >>> split_label("Note: this is prose.").speaker is None
    True
    """
    match = _LABEL.match(line)
    if not match or len(match.group(1)) > 40 or match.group(1) in NOT_SPEAKERS:
        return Labelled(None, "", line)
    return Labelled(match.group(1), line[: match.end()].strip(), line[match.end() :])


def looks_like_transcript(lines: list[str]) -> bool:
    """True when enough lines open with a speaker label."""
    seen: set[str] = set()
    count = 0
    for line in lines:
        speaker = split_label(line).speaker
        if speaker:
            count += 1
            if count >= MIN_LABELS or speaker in seen:
                return True
            seen.add(speaker)
    return False


def spoken_label(speaker: str) -> str:
    """How a label is announced: "THE PRESIDENT" -> "The President".

    >>> spoken_label("MS. JEAN-PIERRE")
    'Ms. Jean-Pierre'
    >>> spoken_label("Q")
    'Question'
    """
    if speaker == "Q":
        return "Question"
    if speaker == "A":
        return "Answer"
    return speaker.title() if speaker.isupper() else speaker


def split_directions(text: str, transcript: bool) -> list[tuple[str, bool]]:
    """Pieces of ``text`` in order, each flagged True when it is a stage direction.

    Outside transcripts only well-known directions ("(Applause.)", "[Laughter]") count.

    >>> split_directions("Thank you. (Applause.) Please sit.", transcript=True)
    [('Thank you. ', False), ('(Applause.)', True), (' Please sit.', False)]
    >>> split_directions("It grew (by a lot.) last year", transcript=False)
    [('It grew (by a lot.) last year', False)]
    """
    pattern = _DIRECTION if transcript else _KNOWN_DIRECTION
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            pieces.append((text[pos : match.start()], False))
        pieces.append((match.group(), True))
        pos = match.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces
