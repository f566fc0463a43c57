"""How the parsers treat the optional parts of an article."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SpeakerLabels(str, Enum):
    """When a transcript's speaker labels ("THE PRESIDENT:") are spoken."""

    CHANGES = "changes"
    """Only when the speaker changes (a label repeating the current speaker is dropped)."""
    ALWAYS = "always"
    NEVER = "never"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ParseOptions:
    """Parser settings; the defaults are what a listener usually wants."""

    min_quote_words: int = 4
    """Quotations shorter than this many words ("scare quotes") stay in the body voice."""
    speaker_labels: SpeakerLabels = SpeakerLabels.CHANGES
    """Transcripts: when speaker labels are spoken."""
    stage_directions: bool = False
    """Transcripts: speak stage directions such as "(Applause.)" as notices."""
    image_alt: bool = False
    """Markdown: speak an image's alt text (otherwise images are skipped)."""
    code_notice: bool = True
    """Markdown: say a short notice where a code block or table is skipped."""
