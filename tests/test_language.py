"""Language: detection, choice, and a voice of that language for every kind."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.convert import Options, convert
from audio_articles.errors import ProfileError
from audio_articles.model import SegmentKind
from audio_articles.parsing import parse_article
from audio_articles.plan import article_language, plan_speech
from audio_articles.speech.engines import VoiceInfo
from audio_articles.speech.language import choose_language, detect_language, primary, voices_for_language
from audio_articles.speech.resolve import VoiceCatalog, engine_catalog
from audio_articles.speech.voices import load_profile

SENTENCES = {
    "en": "The city council voted on Tuesday to reopen the library, which has been closed for a year after the flood.",
    "fr": "Le conseil municipal a voté mardi pour la rénovation de la bibliothèque, qui est fermée depuis un an après les inondations.",
    "es": "El ayuntamiento aprobó el martes la renovación de la biblioteca, que lleva un año cerrada por obras en el edificio.",
    "de": "Der Stadtrat hat am Dienstag die Renovierung der Bibliothek beschlossen, die seit einem Jahr für die Öffentlichkeit geschlossen ist.",
    "it": "Il consiglio comunale ha approvato martedì il restauro della biblioteca, che è chiusa da un anno per lavori.",
    "pt": "A câmara municipal aprovou na terça-feira a renovação da biblioteca, que está fechada há um ano para obras.",
    "nl": "De gemeenteraad heeft dinsdag de renovatie van de bibliotheek goedgekeurd, die al een jaar gesloten is voor werkzaamheden.",
}

FRENCH_MARKDOWN = """---
title: Le marché de nuit revient
lang: fr
---

# Le marché de nuit revient

Le marché de nuit du quartier rouvre vendredi soir après deux ans d'absence, avec une
trentaine de stands et un concert sur la place.

« Nous avons attendu ce moment pendant très longtemps », a déclaré la maire lundi.
"""


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_detects_each_language(language):
    assert detect_language(SENTENCES[language]) == language


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour Paris",  # too short to judge
        "NASA SpaceX ESA JAXA Roscosmos ISRO CNSA launch launch launch orbit orbit orbit",  # no function words
        "",
    ],
)
def test_does_not_guess(text):
    assert detect_language(text) is None


def test_detection_is_deterministic():
    text = " ".join(SENTENCES.values())
    assert len({detect_language(text) for _ in range(20)}) == 1


@pytest.mark.parametrize(
    "declared, override, text, expected",
    [
        ("en", None, SENTENCES["en"], "en"),
        ("en", None, SENTENCES["fr"], "fr"),  # nothing declared: detection switches
        ("de", None, SENTENCES["en"], "de"),  # declared non-English wins
        ("fr", "en", SENTENCES["fr"], "en"),  # --lang wins over everything
        ("en-GB", None, "Short.", "en-GB"),
    ],
)
def test_choose_language(declared, override, text, expected):
    assert choose_language(declared, [text], override) == expected


def test_primary():
    assert [primary(t) for t in ("fr-CA", "pt_BR", "EN")] == ["fr", "pt", "en"]


def test_voices_for_language_prefers_exact_then_main():
    voices = [
        VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",)),
        VoiceInfo("roa/fr", "French (France)", ("fr-fr",)),
        VoiceInfo("gmw/en", "English", ("en-gb",)),
    ]
    assert [v.id for v in voices_for_language("fr", voices)] == ["roa/fr", "roa/fr-be"]
    assert [v.id for v in voices_for_language("fr-BE", voices)] == ["roa/fr-be", "roa/fr"]
    assert voices_for_language("ja", voices) == []


def test_french_article_gets_french_voices_for_every_kind(fake_engine):
    article = parse_article(FRENCH_MARKDOWN, markdown=True)
    assert article.language == "fr"
    jobs = plan_speech(article, load_profile(), catalog=engine_catalog(fake_engine))
    assert {job.kind for job in jobs} >= {SegmentKind.HEADLINE, SegmentKind.BODY, SegmentKind.QUOTE}
    for job in jobs:
        assert job.language == "fr"
        assert job.voice.voice.startswith("roa/fr"), job
    quote = next(job for job in jobs if job.kind == SegmentKind.QUOTE)
    assert quote.voice.voice == "roa/fr+f3"  # the profile's quotation variant is kept


def test_french_without_front_matter_is_detected(fake_engine):
    text = "Le marché de nuit revient\n\n" + SENTENCES["fr"] + " " + SENTENCES["fr"]
    article = parse_article(text)
    assert article_language(article) == "fr"
    jobs = plan_speech(article, load_profile(), catalog=engine_catalog(fake_engine))
    assert {job.voice.voice for job in jobs} == {"roa/fr"}


def test_lang_option_overrides(fake_engine):
    article = parse_article(FRENCH_MARKDOWN, markdown=True)
    jobs = plan_speech(article, load_profile(), language="en", catalog=engine_catalog(fake_engine))
    assert {job.voice.voice for job in jobs} <= {"gmw/en-us", "gmw/en-us+f3"}


def test_language_without_a_voice_is_a_clear_error():
    catalog = VoiceCatalog("fake", (VoiceInfo("gmw/en-us", "English", ("en-us",)),))
    article = parse_article("Title\n\nSome text here.")
    with pytest.raises(ProfileError) as caught:
        plan_speech(article, load_profile(), language="ja", catalog=catalog)
    assert "no voice for Japanese ('ja')" in str(caught.value)
    assert "installed languages: en" in str(caught.value)


def test_convert_lang_reaches_the_engine(tmp_path, fake_engine):
    source = tmp_path / "marche.md"
    source.write_text(FRENCH_MARKDOWN, encoding="utf-8")
    convert(source, tmp_path / "out.mp3", Options(engine=fake_engine, workers=1))
    assert {call.voice.voice for call in fake_engine.calls} == {"roa/fr", "roa/fr+f3"}
    assert all("dollar" not in call.text for call in fake_engine.calls)


@pytest.mark.engine  # the real engine's voice list
def test_french_markdown_with_real_voices():
    article = parse_article(FRENCH_MARKDOWN, markdown=True)
    jobs = plan_speech(article, load_profile("newsroom"))  # the pyttsx3 engine's own voice list
    assert all(job.voice.voice.split("+")[0] in ("roa/fr",) for job in jobs), [j.voice.voice for j in jobs]


@pytest.mark.engine  # the real engine's voice list
def test_inspect_json_shows_french_voice(tmp_path):
    source = tmp_path / "marche.md"
    source.write_text(FRENCH_MARKDOWN, encoding="utf-8")
    result = CliRunner().invoke(app, ["inspect", str(source), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["language"] == "fr"
    segments = [segment for section in data["sections"] for segment in section["segments"]]
    voices = {segment["kind"]: segment["voice"] for segment in segments}
    assert voices["headline"] == voices["body"] == "roa/fr"
    assert voices["quote"] == "roa/fr+f3"
    assert all(segment["spoken"] for segment in segments)


@pytest.mark.engine  # the real engine's voice list
def test_inspect_json_spoken_is_what_the_engine_receives(tmp_path):
    source = tmp_path / "council.txt"
    source.write_text("Council votes\n\nGov. Newsom approved the $4.6 billion budget on Feb. 3.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["inspect", str(source), "--json"])
    assert result.exit_code == 0, result.output
    segments = [segment for section in json.loads(result.stdout)["sections"] for segment in section["segments"]]
    body = next(segment for segment in segments if segment["kind"] == "body")
    assert body["text"] == "Gov. Newsom approved the $4.6 billion budget on Feb. 3."
    assert body["spoken"] == "Governor Newsom approved the 4.6 billion dollars budget on February 3."


def test_detected_language_reaches_the_result_and_tags(tmp_path, fake_engine):
    source = tmp_path / "marche.txt"
    source.write_text("Le marché de nuit revient\n\n" + SENTENCES["fr"] + "\n", encoding="utf-8")
    result = convert(source, tmp_path / "out.mp3", Options(engine=fake_engine, workers=1))
    assert result.article.language == "fr"
    from mutagen.id3 import ID3

    assert str(ID3(tmp_path / "out.mp3")["TLAN"]) in ("fr", "fra")


@pytest.mark.parametrize(
    "text, language",
    [
        ("Η βιβλιοθήκη άνοιξε ξανά σήμερα το πρωί.", "el"),
        ("Библиотека снова открылась сегодня утром.", "ru"),
        ("東京の図書館が二年ぶりに再開した。", "ja"),
        ("图书馆今天早上重新开放了。", "cmn"),
        ("도서관이 오늘 아침 다시 문을 열었다.", "ko"),
        ("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏍᎦᏯ ᎤᏛᏅ ᎠᏂᏴᏫ.", "chr"),
        ("បណ្ណាល័យបានបើកឡើងវិញនៅព្រឹកនេះ", "km"),
    ],
)
def test_a_non_latin_script_names_its_language(text, language):
    assert detect_language(text) == language


def test_latin_text_with_a_few_foreign_words_is_not_switched():
    text = "The council met the delegation from 東京 and Αθήνα on Tuesday to discuss the port."
    assert detect_language(text) in (None, "en")


@pytest.mark.engine
def test_greek_text_gets_a_greek_voice_and_khmer_a_clear_error(tmp_path):
    from .test_cli import assert_one_line_error, run_cli

    greek = tmp_path / "greek.txt"
    greek.write_text("Η βιβλιοθήκη άνοιξε\n\nΗ βιβλιοθήκη άνοιξε ξανά σήμερα το πρωί μετά από δύο χρόνια.\n", encoding="utf-8")
    shown = json.loads(run_cli("inspect", str(greek), "--json").stdout)
    assert shown["language"] == "el"
    assert {s["voice"] for section in shown["sections"] for s in section["segments"]} == {"grk/el"}

    khmer = tmp_path / "khmer.txt"
    khmer.write_text("ខ្មែរ\n\nបណ្ណាល័យបានបើកឡើងវិញនៅព្រឹកនេះ\n", encoding="utf-8")
    run = run_cli("convert", str(khmer), "-o", str(tmp_path / "khmer.mp3"))
    assert_one_line_error(run, 2, "no voice for Khmer ('km')")
    assert not (tmp_path / "khmer.mp3").exists()


def _scripts_one_by_one(text: str) -> str | None:
    """script_language as first written, every letter looked up by name (Latin wins ties)."""
    import unicodedata

    from audio_articles.speech.language import SCRIPT_LANGUAGES, SCRIPT_SHARE

    scripts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            scripts[name] = scripts.get(name, 0) + 1
    letters = sum(scripts.values())
    if not letters:
        return None
    if scripts.get("HIRAGANA", 0) + scripts.get("KATAKANA", 0) >= 0.1 * letters:
        return "ja"
    name, count = max(scripts.items(), key=lambda item: (item[1], item[0] == "LATIN"))
    return SCRIPT_LANGUAGES.get(name) if count >= SCRIPT_SHARE * letters else None


@given(st.lists(st.sampled_from(["The library ", "Η βιβλιοθήκη ", "図書館が", "Библиотека ", "café ", "42, ", "ñ"]), max_size=12))
def test_counting_ascii_letters_in_bulk_finds_the_same_script(pieces):
    from audio_articles.speech.language import script_language

    text = "".join(pieces)
    assert script_language(text) == _scripts_one_by_one(text)
