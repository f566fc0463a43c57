"""A paragraph of prose, which in a transcript may open with a speaker label and hold stage directions."""

from __future__ import annotations

from .build import ArticleBuilder
from .options import ParseOptions, SpeakerLabels
from .text import editorial_marks, emoji_shortcodes, glued_photo_credit, literal_links, plain_markdown, reference_marks
from .transcript import split_directions, split_label, spoken_label


def add_prose(
    text: str,
    start: int,
    end: int,
    builder: ArticleBuilder,
    options: ParseOptions,
    transcript: bool = False,
    speaker: str | None = None,
    plain: bool = False,
) -> str | None:
    """Add a paragraph: speaker label, stage directions, body and quotations.

    ``speaker`` is who spoke last in a transcript; returns who speaks now. ``plain``
    says the text comes from a plain-text file, where Markdown syntax is literal.
    """
    text = inline_text(text, start, builder, plain)
    if transcript:
        labelled = split_label(text)
        if labelled.speaker:
            changed = labelled.speaker != speaker
            speaker = labelled.speaker
            text = labelled.rest
            if options.speaker_labels == SpeakerLabels.ALWAYS or (
                options.speaker_labels == SpeakerLabels.CHANGES and changed
            ):
                builder.add_notice(spoken_label(speaker), start, start + len(labelled.label), speaker)
            else:
                builder.remove(labelled.label, "speaker label" if changed else "repeated speaker label", start)
    pieces = split_directions(text, transcript)
    if options.stage_directions:
        for piece, is_direction in pieces:
            if is_direction:
                builder.add_notice(piece.strip("()[] "), start, end, speaker)
            else:
                builder.add_paragraph(piece, start, end, speaker=speaker)
        return speaker
    spoken = []
    for piece, is_direction in pieces:
        if is_direction:
            builder.remove(piece, "stage direction", start)
        else:
            spoken.append(piece)
    builder.add_paragraph(" ".join(spoken), start, end, speaker=speaker)
    return speaker


def inline_text(text: str, start: int, builder: ArticleBuilder, plain: bool = False) -> str:
    """What a line of prose says once markup is set aside (recorded as removed): an
    editor's struck-out words and [sic], and in plain text Markdown escapes, bold
    markers, link addresses and images."""
    text, dropped = editorial_marks(text)
    text, marks = reference_marks(text)
    dropped += marks
    text, emoji = emoji_shortcodes(text)
    dropped += emoji
    if plain:
        text = plain_markdown(text)
    text, links = literal_links(text)
    text, credit = glued_photo_credit(text)
    if credit:
        links.append((credit, "photo credit"))
    for piece, reason in dropped + links:
        builder.remove(piece, reason, start)
    return text
