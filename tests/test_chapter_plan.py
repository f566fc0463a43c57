"""Chapters that help navigation (issue 25): ``--chapters auto`` merges a long speech's
short paragraphs and speaker turns into chapters of listenable length."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from audio_articles.parsing import parse_article
from audio_articles.plan import CHAPTER_MODES, chapter_marks, estimated_ms, plan_article, speech_profile
from audio_articles.settings import Production

WORDS = (
    "the the the of of and and and to to to a a in in we we we our our is is it that that for you "
    "will will this on are be with as have not they all can more than now who so but at when "
    "nation economy families workers schools children future tonight jobs health care budget years "
    "promise country people history hope strength work build every community town small business "
    "roads bridges teachers nurses veterans freedom justice"
).split()
"""Common words with the function words of real speech, so words average 5.5 characters
with their space (news prose has 5.5-5.8): espeak-ng then speaks near its nominal rate."""


def speech_transcript(minutes: float = 61, seed: int = 25, wpm: int = 175) -> str:
    """A one-section speech transcript of ``minutes`` of words at ``wpm`` (espeak-ng speaks
    the default one in 55 minutes, pauses included): many short paragraphs, speaker turns,
    stage directions and an interrupted opening."""
    rng = random.Random(seed)
    lines = ["Remarks by the President in Address to a Joint Session of Congress", "",
             "THE PRESIDENT: Mr. Speaker — —", "", "(Applause.)", ""]  # fmt: skip
    words = 0
    while words < minutes * wpm:
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(4, 18))).capitalize() + "." for _ in range(rng.randint(1, 5))]
        paragraph = " ".join(sentences)
        words += len(paragraph.split())
        turn = rng.random()
        if turn < 0.08:
            lines += [f"AUDIENCE MEMBER: {sentences[0]}", "", f"THE PRESIDENT: {paragraph} (Applause.)", ""]
            words += len(sentences[0].split())
        else:
            lines += [paragraph + (" (Laughter.)" if turn > 0.95 else ""), ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def speech():
    return parse_article(speech_transcript())


def planned_chapters(article, mode="auto", engine="fake"):
    production = Production(engine=engine, chapters=mode)
    plan = plan_article(article, speech_profile("speech.txt", production), production)
    ms = {job.index: estimated_ms(job, gap) for job, gap in zip(plan.jobs, plan.gaps_ms)}
    starts = [mark.first_index for mark in plan.chapters]
    lengths = [sum(v for k, v in ms.items() if start <= k < end) for start, end in zip(starts, [*starts[1:], 10**9])]
    return plan, lengths


def test_a_55_minute_speech_gets_a_few_dozen_chapters_none_short(speech):
    assert len(speech.sections) == 1
    plan, lengths = planned_chapters(speech)
    assert 50 * 60_000 < sum(lengths) < 70 * 60_000  # estimated; 55 minutes as espeak-ng speaks it
    assert 8 <= len(plan.chapters) <= 60
    assert min(lengths[1:]) >= 20_000
    assert plan.chapters[0].title.startswith("Remarks by the President")
    assert len(planned_chapters(speech, "paragraph")[0].chapters) > 200  # what it was before


def test_chapter_titles_are_never_a_bare_speaker_label(speech):
    for mode in ("auto", "paragraph"):
        titles = [mark.title for mark in chapter_marks(speech, mode)]
        assert not any(title.rstrip(":—- ").upper() in {"THE PRESIDENT", "AUDIENCE MEMBER"} for title in titles)
        assert not any(title.startswith("Mr. Speaker") for title in titles)
        assert all(len(title.split()) >= 3 for title in titles[1:]), titles[:5]


def test_modes():
    sections = parse_article(Path("tests/data/feature-sections.txt").read_text(encoding="utf-8"))
    short = parse_article(Path("samples/city-library-reopens.txt").read_text(encoding="utf-8"))
    assert [m.title for m in chapter_marks(sections, "auto")] == [m.title for m in chapter_marks(sections, "section")]
    assert chapter_marks(short, "none") == []
    assert [m.first_index for m in chapter_marks(short, "section")] == [1]
    paragraphs = chapter_marks(short, "paragraph")
    assert len(chapter_marks(short, "auto")) < len(paragraphs)
    assert set(CHAPTER_MODES) == {"auto", "section", "paragraph", "none"}


def test_a_bad_mode_is_an_input_error():
    from audio_articles.errors import InputError

    with pytest.raises(InputError, match="--chapters 'chapter'"):
        chapter_marks(parse_article("Title\n\nSome words here."), "chapter")


@pytest.mark.engine
def test_measured_chapters_of_the_55_minute_speech_with_the_real_engine(tmp_path):
    """The same speech spoken by espeak-ng: chapter lengths as written in the MP3."""
    from audio_articles.convert import Options, convert

    from .audio_checks import ffprobe_chapters

    article = tmp_path / "speech.txt"
    article.write_text(speech_transcript(), encoding="utf-8")
    result = convert(article, tmp_path / "speech.mp3", Options(workers=2))
    chapters = ffprobe_chapters(tmp_path / "speech.mp3")
    lengths = [c["end"] - c["start"] for c in chapters]
    print(f"{len(chapters)} chapters over {result.timeline.duration_ms / 60_000:.1f} min;"
          f" shortest after the first {min(lengths[1:]):.1f} s, longest {max(lengths):.1f} s")  # fmt: skip
    assert 50 * 60_000 < result.timeline.duration_ms < 60 * 60_000
    assert 8 <= len(chapters) <= 60
    assert min(lengths[1:]) >= 20
