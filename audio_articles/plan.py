"""The one planner: article + production settings -> Plan (jobs, pauses, chapter marks).

``convert``, ``preview``, ``inspect`` and ``feed`` all call ``plan_article``, so they can
never disagree about what will be said, in which voice, with which pauses. Pure functions
but for ``speech_profile``, which reads the lexicon files beside the article.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import InputError
from .model import Article, ChapterMark, Plan, Section, Segment, SegmentKind, SpeechJob, Voice
from .settings import Production
from .speech.language import choose_language
from .speech.lexicon import Lexicon, project_lexicon
from .speech.normalize import pipeline_for, speech_ready
from .speech.resolve import VoiceCatalog, engine_catalog, resolve_profile
from .speech.voice_packages import is_voice_name
from .speech.voices import Profile, fill_template, load_profile, piper_voice_name

CHAPTER_TITLE_WORDS = 8
CHAPTER_MODES = ("auto", "section", "paragraph", "none")
"""``--chapters``: auto (sections when the article has them, else paragraphs merged into
chapters of listenable length), section, paragraph (one each), none."""
MIN_CHAPTER_MS = 30_000
"""Shortest chapter ``auto`` aims for (estimated), so a measured one stays over 20 s."""
CHAPTERS_PER_PIECE = 30
"""``auto`` aims for about this many chapters in a long piece (longer chapters, not more)."""


def speech_profile(source: str | os.PathLike[str], production: Production) -> Profile:
    """The voice profile for one article: loaded, with the command line's overrides, the
    project lexicon (``lexicon.txt``/``lexicon.toml`` beside the article, then
    ``--lexicon``) and, with ``--model``, one Piper voice for every kind."""
    profile = production.profile or load_profile(production.voices)
    profile = profile.with_overrides(voice=production.voice, quote_voice=production.quote_voice, rate=production.rate)
    profile = profile.with_lexicon(project_lexicon(Path(source), production.lexicons))
    if production.model:
        profile = with_piper_model(profile, production.model, production.speaker)
    return profile


def with_piper_model(profile: Profile, model: str | os.PathLike[str], speaker: int | None = None) -> Profile:
    """The profile with one Piper voice for every kind (rates and pauses kept): a voice
    file, or an installed voice's name ("en_US-joe-medium")."""
    found = str(model) if is_voice_name(model) else str(Path(model).expanduser().absolute())
    return profile.with_voice(engine="piper", model=found, speaker=speaker, voice=piper_voice_name(found, speaker))


def plan_article(article: Article, profile: Profile, production: Production) -> Plan:
    """Everything that will be said: a job per segment (voice resolved against the engine's
    catalogue, text made speech-ready), the intro and outro, the pauses, the chapters.
    InputError when nothing is left to say."""
    catalog = engine_catalog(production.engine)
    jobs = plan_speech(article, profile, language=production.language, catalog=catalog)
    if not jobs:
        raise InputError(f"{article.title!r} has nothing left to say once clutter is removed")
    article = replace(article, language=jobs[0].language)  # as spoken: --lang, front matter or detected
    jobs = with_intro_outro(article, jobs, profile, catalog=catalog)
    gaps = gaps_ms(article, jobs, profile)
    marks = chapter_marks(article, production.chapters, jobs, gaps)
    return Plan(article, tuple(jobs), tuple(gaps), tuple(marks))


def chapter_title(text: str, words: int = CHAPTER_TITLE_WORDS) -> str:
    """A chapter title from a paragraph's first words.

    >>> chapter_title("The meeting, which would be the second in-person meeting between them")
    'The meeting, which would be the second in-person…'
    >>> chapter_title("Short one.")
    'Short one.'
    """
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:—-") + "…"


def article_language(article: Article, override: str | None = None) -> str:
    """The language an article is spoken in: ``override`` (``--lang``), its declared
    non-English language, or a clearly detected one; else English."""
    return choose_language(article.language, (s.text for s in article.segments()), override)


def plan_speech(
    article: Article,
    profile: Profile,
    *,
    language: str | None = None,
    lexicon: Lexicon | None = None,
    catalog: VoiceCatalog | None = None,
) -> list[SpeechJob]:
    """One job per segment with its voice, the text exactly as the engine receives it,
    and the pauses around it.

    Every kind's voice is resolved against ``catalog`` (default: the pyttsx3 engine's
    voices) for the article's language (see ``article_language``), so a French article
    gets French voices and a voice the engine lacks fails here, before any rendering.
    The spoken text is the written text after the lexicon (the profile's, then
    ``lexicon``, whose entries win) and the speech-ready steps for that language.
    """
    spoken_language = article_language(article, language)
    resolved = resolve_profile(profile, catalog or engine_catalog("pyttsx3"), spoken_language)
    words = profile.lexicon.merged(lexicon)
    steps = pipeline_for(spoken_language, profile.urls)
    jobs = []
    for index, segment in enumerate(article.segments(), start=1):
        settings = resolved.settings(segment.kind)
        jobs.append(
            SpeechJob(
                index=index,
                kind=segment.kind,
                text=segment.text,
                spoken=speech_ready(words.apply(segment.text), steps),
                voice=settings.voice,
                language=spoken_language,
                paragraph=segment.paragraph,
                pause_before_ms=settings.pause_before_ms,
                pause_after_ms=settings.pause_after_ms,
            )
        )
    return jobs


def framing_text(template: str, article: Article) -> str:
    """An intro or outro template filled in for one article.

    >>> a = Article("Tides", (), author="Ines Calder")
    >>> framing_text("{title}{by_author}.", a), framing_text("{title}{by_author}.", Article("Tides", ()))
    ('Tides, by Ines Calder.', 'Tides.')
    """
    fields = {
        "title": article.title,
        "author": article.author or "",
        "by_author": f", by {article.author}" if article.author else "",
        "date": article.date or "",
    }
    return " ".join(fill_template(template, fields).split())


def with_intro_outro(
    article: Article, jobs: list[SpeechJob], profile: Profile, *, catalog: VoiceCatalog | None = None
) -> list[SpeechJob]:
    """``jobs`` with the profile's spoken intro first and outro last, in the notice voice.

    They are planned like any segment (lexicon, speech-ready text, voice for the article's
    language); the intro is numbered 0 and the outro one past the last segment, so the
    article's own segment numbers do not change.
    """
    if not jobs or not (profile.intro or profile.outro):
        return jobs
    last = jobs[-1]
    framed = list(jobs)
    for template, index, paragraph in (
        (profile.outro, last.index + 1, last.paragraph + 1),
        (profile.intro, 0, 0),
    ):
        text = framing_text(template, article) if template else ""
        if not text:
            continue
        alone = Article(article.title, (Section("", (Segment(SegmentKind.NOTICE, text, 1),)),), language=last.language)
        job = plan_speech(alone, profile, language=last.language, catalog=catalog)[0]
        job = replace(job, index=index, paragraph=paragraph)
        framed = [job, *framed] if index == 0 else [*framed, job]
    return framed


def gaps_ms(article: Article, jobs: list[SpeechJob], profile: Profile) -> list[int]:
    """Silence after each job: the longest pause asked for at that boundary; 0 after the last."""
    section_starts = set()
    index = 1
    for section in article.sections:
        section_starts.add(index)
        index += len(section.segments)
    gaps = []
    for current, following in zip(jobs, jobs[1:]):
        wanted = [current.pause_after_ms, following.pause_before_ms]
        if following.paragraph != current.paragraph:
            wanted.append(profile.paragraph_pause_ms)
        if following.index in section_starts:
            wanted.append(profile.section_pause_ms)
        gaps.append(max(wanted))
    if jobs:
        gaps.append(0)
    return gaps


def check_chapter_mode(mode: str) -> str:
    """``mode`` when it is one of CHAPTER_MODES; an InputError naming the choices if not."""
    if mode not in CHAPTER_MODES:
        raise InputError(f"--chapters {mode!r}: choose one of {', '.join(CHAPTER_MODES)}")
    return mode


def estimated_ms(job: SpeechJob, gap_ms: int = 0) -> float:
    """How long a job will take, from its words and its rate in words per minute, plus the
    pause after it: the planner's estimate, before any audio exists."""
    return len(job.spoken.split()) * 60_000 / max(job.voice.rate, 1) + gap_ms


def chapter_marks(
    article: Article,
    mode: str = "auto",
    jobs: Sequence[SpeechJob] | None = None,
    gaps: Sequence[int] | None = None,
) -> list[ChapterMark]:
    """Where chapters begin (``mode``: see CHAPTER_MODES).

    ``section``: one chapter per section. ``paragraph``: the headline, then one chapter per
    paragraph (a speaker's name goes with the words that follow it). ``auto``: sections
    when the article has several; otherwise the headline, then paragraphs merged into
    chapters of at least MIN_CHAPTER_MS (longer in long pieces, about CHAPTERS_PER_PIECE
    of them), breaking at a change of speaker where it can. Durations are estimated from
    ``jobs`` (planned from the article at 175 words per minute when not given).
    """
    check_chapter_mode(mode)
    if mode == "none":
        return []
    if mode == "section" or (mode == "auto" and len(article.sections) > 1):
        return _section_marks(article)
    paragraphs = _paragraphs(article, jobs, gaps)
    if mode == "paragraph":
        groups = [[p] for p in paragraphs]
    else:
        groups = _merged(paragraphs)
    groups = _joined_announcements(groups)
    return [ChapterMark(_group_title(group), group[0].first_index) for group in groups]


def _section_marks(article: Article) -> list[ChapterMark]:
    marks: list[ChapterMark] = []
    index = 1
    for section in article.sections:
        if section.segments:
            marks.append(ChapterMark(chapter_title(section.title or article.title, 16), index))
        index += len(section.segments)
    return marks


@dataclass
class _Paragraph:
    first_index: int
    segments: list[Segment]
    ms: float = 0.0

    @property
    def headline(self) -> bool:
        return self.segments[0].kind == SegmentKind.HEADLINE

    @property
    def announcement(self) -> bool:
        """A speaker's name alone, announced before their words ("The Mayor")."""
        return len(self.segments) == 1 and self.segments[0].kind == SegmentKind.NOTICE and bool(self.segments[0].speaker)


def _paragraphs(article: Article, jobs: Sequence[SpeechJob] | None, gaps: Sequence[int] | None) -> list[_Paragraph]:
    if jobs is None:
        profile_rate = 175
        jobs = [
            SpeechJob(n, s.kind, s.text, s.text, Voice("", rate=profile_rate), s.paragraph)
            for n, s in enumerate(article.segments(), start=1)
        ]
    gap_of = dict(zip((job.index for job in jobs), gaps or [0] * len(jobs)))
    ms_of = {job.index: estimated_ms(job, gap_of.get(job.index, 0)) for job in jobs}
    found: list[_Paragraph] = []
    last = None
    for index, segment in enumerate(article.segments(), start=1):
        if segment.paragraph != last:
            found.append(_Paragraph(index, []))
            last = segment.paragraph
        found[-1].segments.append(segment)
        found[-1].ms += ms_of.get(index, 0.0)
    return found


def _merged(paragraphs: list[_Paragraph]) -> list[list[_Paragraph]]:
    """The headline alone, then paragraphs gathered into chapters of a listenable length."""
    groups: list[list[_Paragraph]] = []
    rest = paragraphs
    if rest and rest[0].headline:
        groups.append([rest[0]])
        rest = rest[1:]
    if not rest:
        return groups
    target = max(MIN_CHAPTER_MS, sum(p.ms for p in rest) / CHAPTERS_PER_PIECE)
    turns = any(p.announcement for p in rest)
    current: list[_Paragraph] = []
    length = 0.0
    for paragraph in rest:
        after_name = bool(current) and current[-1].announcement
        full = length >= target and (not turns or paragraph.announcement or length >= 1.5 * target)
        if current and full and not after_name:
            groups.append(current)
            current, length = [], 0.0
        current.append(paragraph)
        length += paragraph.ms
    if current:
        body_groups = len(groups) - (1 if groups and groups[0][0].headline else 0)
        if length < target / 2 and body_groups:
            groups[-1].extend(current)  # too short to stand alone
        else:
            groups.append(current)
    return groups


def _joined_announcements(groups: list[list[_Paragraph]]) -> list[list[_Paragraph]]:
    """A group that is only a speaker's name is joined to the next: no bare-label chapter."""
    joined: list[list[_Paragraph]] = []
    pending: list[_Paragraph] = []
    for group in groups:
        if all(p.announcement for p in group):
            pending += group
            continue
        joined.append(pending + group)
        pending = []
    if pending:
        if joined:
            joined[-1] += pending
        else:
            joined.append(pending)
    return joined


def _words(text: str) -> list[str]:
    """Words with a letter or digit ("— —" is not a word)."""
    return [word for word in text.split() if any(char.isalnum() for char in word)]


def _group_title(group: list[_Paragraph]) -> str:
    """A chapter's title: the headline, or its first words ("The Mayor: Good morning, …"),
    skipping a first paragraph of a few words ("Mr. Speaker — —") when more follows."""
    first = group[0]
    if first.headline:
        return chapter_title(first.segments[0].text, 16)
    speaker = first.segments[0].text if first.announcement else None
    spoken = [p for p in group if not p.announcement]
    if len(spoken) > 1 and len(_words(" ".join(s.text for s in spoken[0].segments))) < 4:
        spoken = spoken[1:]
    text = " ".join(_words(" ".join(s.text for p in spoken for s in p.segments)))
    title = chapter_title(text) if text else (speaker or "")
    return f"{speaker}: {title}" if speaker and text else title
