"""The one planner: article + production settings -> Plan (jobs, pauses, chapter marks).

``convert``, ``preview``, ``inspect`` and ``feed`` all call ``plan_article``, so they can
never disagree about what will be said, in which voice, with which pauses. Pure functions
but for ``speech_profile``, which reads the lexicon files beside the article.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .model import Article, ChapterMark, Plan, Section, Segment, SegmentKind, SpeechJob
from .settings import Production
from .speech.language import choose_language
from .speech.lexicon import Lexicon, project_lexicon
from .speech.normalize import pipeline_for, speech_ready
from .speech.resolve import VoiceCatalog, engine_catalog, resolve_profile
from .speech.voice_packages import is_voice_name
from .speech.voices import Profile, fill_template, load_profile, piper_voice_name

CHAPTER_TITLE_WORDS = 8


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
    return Plan(article, tuple(jobs), tuple(gaps_ms(article, jobs, profile)), tuple(chapter_marks(article)))


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


def chapter_marks(article: Article) -> list[ChapterMark]:
    """Where chapters begin.

    An article with several sections (subheadings, or several articles in one file) gets
    one chapter per section; a single-section article gets the headline as a chapter and
    then one chapter per paragraph, titled by its first words.
    """
    marks: list[ChapterMark] = []
    index = 1
    if len(article.sections) > 1:
        for section in article.sections:
            if section.segments:
                marks.append(ChapterMark(section.title, index))
            index += len(section.segments)
        return marks
    seen_paragraphs: set[int] = set()
    for segment in article.segments():
        if segment.paragraph not in seen_paragraphs:
            seen_paragraphs.add(segment.paragraph)
            title = segment.text if segment.kind == SegmentKind.HEADLINE else chapter_title(segment.text)
            marks.append(ChapterMark(chapter_title(title, 16), index))
        index += 1
    return marks
