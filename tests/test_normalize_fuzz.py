"""Speech-ready text and the lexicon on arbitrary text: never an exception, never a
loop; the steps are stable once applied (a second pass changes nothing further for
English) and every word character of the input that is not a link, emoji or symbol
still reaches the engine in some form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_articles.speech.language import SCRIPT_LANGUAGES, detect_language
from audio_articles.speech.lexicon import Lexicon
from audio_articles.speech.normalize import pipeline_for, speech_ready

PIECES = st.sampled_from(
    [
        "Dr.", "Gov.", "Feb.", "No.", "V.V.", "U.S.", "W.", "$", "€", "£", "USD", "1.50", "4.6",
        "billion", "2020", "–", "—", "-", "12", ":", "00", "a.m.", "EDT", "1990s", "’80s", "km",
        "km/h", "#", "and/or", "https://www.nasa.gov/x", "a@b.org", "🎉", " ", ".", ",", "Putin",
        "the", "le", "Xi", "Jinping",
    ]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=30).map(" ".join))


@given(TEXTS, st.sampled_from(["en", "fr", "de"]), st.sampled_from(["domain", "drop"]))
def test_fuzz_speech_ready_never_fails(text, language, urls):
    spoken = speech_ready(text, language=language, urls=urls)
    assert isinstance(spoken, str)
    assert "  " not in spoken
    assert "🎉" not in spoken


@given(st.lists(PIECES, max_size=30).map(" ".join))
def test_fuzz_english_steps_settle(text):
    once = speech_ready(text)
    assert speech_ready(once) == once


@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=12).filter(lambda w: any(c.isalnum() for c in w)), st.text(max_size=12)), max_size=8),
    TEXTS,
)
def test_fuzz_lexicon_never_fails(entries, text):
    assert isinstance(Lexicon(tuple(entries)).apply(text), str)


@given(st.text(max_size=300))
def test_fuzz_detection_answers_a_known_language_or_none(text):
    known = {None, "en", "fr", "es", "de", "it", "pt", "nl", *SCRIPT_LANGUAGES.values()}
    assert detect_language(text) in known


def test_pipelines_are_lists_of_functions():
    assert all(callable(fn) for fn in pipeline_for("en") + pipeline_for("fr", "drop"))
