"""Pronunciation lexicon: file formats, whole-word and case-aware matching, where it is found,
and that an entry changes what the engine receives and what it says."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from audio_articles.convert import Options, convert, speech_profile
from audio_articles.errors import InputError, ProfileError
from audio_articles.parsing import parse_article
from audio_articles.plan import plan_speech
from audio_articles.speech.lexicon import (
    Lexicon,
    LexiconError,
    load_lexicon,
    project_lexicon,
)
from audio_articles.speech.resolve import engine_catalog
from audio_articles.speech.voices import load_profile

ARTICLE = (
    "Leaders meet in Geneva\n\n"
    "Xi Jinping met the Nice delegation on a nice day; the nginx servers stayed up.\n"
)


@pytest.mark.parametrize(
    "entries, written, spoken",
    [
        ((("Xi Jinping", "Shee Jin-ping"),), "Xi Jinping spoke.", "Shee Jin-ping spoke."),
        ((("Xi", "Shee"), ("Xi Jinping", "Shee Jin-ping")), "Xi Jinping and Xi", "Shee Jin-ping and Shee"),
        ((("nginx", "engine x"),), "Nginx and NGINX and nginx", "Engine x and Engine x and engine x"),
        ((("Nice", "Neece"),), "a nice day in Nice", "a nice day in Neece"),
        ((("gif", "jif"),), "gifts, a gif-maker, a gif.", "gifts, a gif-maker, a jif."),
        ((("AT&T", "A T and T"),), "AT&T said", "A T and T said"),
        ((("Dr.", "Doctor"),), "Dr. Who", "Doctor Who"),
        ((("a", "b"), ("a", "c")), "a", "c"),  # a later entry wins
    ],
)
def test_apply(entries, written, spoken):
    assert Lexicon(entries).apply(written) == spoken


def test_empty_lexicon_changes_nothing():
    assert Lexicon().apply("Xi Jinping") == "Xi Jinping"
    assert not Lexicon()


def test_plain_file_with_comments(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# names\n\nXi Jinping = Shee Jin-ping\n  nginx=engine x  \n", encoding="utf-8")
    assert load_lexicon(path).entries == (("Xi Jinping", "Shee Jin-ping"), ("nginx", "engine x"))


def test_toml_file(tmp_path):
    path = tmp_path / "names.toml"
    path.write_text('[lexicon]\n"Xi Jinping" = "Shee Jin-ping"\nnginx = "engine x"\n', encoding="utf-8")
    assert load_lexicon(path).apply("Xi Jinping runs nginx") == "Shee Jin-ping runs engine x"


@pytest.mark.parametrize(
    "content, suffix, message",
    [
        ("Xi Jinping Shee Jin-ping\n", ".txt", "line 1: expected 'word = respelling'"),
        ("# ok\nXi = \n", ".txt", "line 2: an entry needs a word and a respelling"),
        ("... = dots\n", ".txt", "line 1: '...' has no letters or digits"),
        ("[lexicon]\nXi = 3\n", ".toml", "the respelling of 'Xi' must be text"),
        ("[lexicon\n", ".toml", "not valid TOML"),
    ],
)
def test_bad_lexicon_names_file_and_line(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_lexicon(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_lexicon(tmp_path / "nope.txt")


def test_project_lexicon_beside_article_then_option(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lexicon.txt").write_text("Xi Jinping = Shee Jin-ping\nnginx = engine ex\n", encoding="utf-8")
    extra = tmp_path / "extra.txt"
    extra.write_text("nginx = engine x\n", encoding="utf-8")
    lexicon = project_lexicon(article, [extra])
    assert lexicon.apply("Xi Jinping, nginx") == "Shee Jin-ping, engine x"
    assert not project_lexicon(tmp_path / "elsewhere" / "b.txt")


def test_profile_lexicon_table_and_file(tmp_path):
    (tmp_path / "words.txt").write_text("nginx = engine x\n", encoding="utf-8")
    inline = tmp_path / "inline.toml"
    inline.write_text('[defaults]\nvoice = "gmw/en-us"\n[lexicon]\n"Xi Jinping" = "Shee Jin-ping"\n', encoding="utf-8")
    by_file = tmp_path / "byfile.toml"
    by_file.write_text('lexicon = "words.txt"\n[defaults]\nvoice = "gmw/en-us"\n', encoding="utf-8")
    assert load_profile(inline).lexicon.apply("Xi Jinping") == "Shee Jin-ping"
    assert load_profile(by_file).lexicon.apply("nginx") == "engine x"


def test_bad_profile_lexicon_is_a_profile_error(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('lexicon = "missing.txt"\n[defaults]\nvoice = "gmw/en-us"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="missing.txt"):
        load_profile(path)


def test_project_entries_win_over_the_profiles(tmp_path):
    profile_path = tmp_path / "p.toml"
    profile_path.write_text('[defaults]\nvoice = "gmw/en-us"\n[lexicon]\nnginx = "N jinx"\n', encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lexicon.txt").write_text("nginx = engine x\n", encoding="utf-8")
    profile = speech_profile(article, Options(voices=str(profile_path)))
    assert profile.lexicon.apply("nginx") == "engine x"


def test_lexicon_changes_the_spoken_text_not_the_written(fake_engine):
    article = parse_article(ARTICLE)
    lexicon = Lexicon((("Xi Jinping", "Shee Jin-ping"),))
    jobs = plan_speech(article, load_profile(), lexicon=lexicon, catalog=engine_catalog(fake_engine))
    body = next(job for job in jobs if "Jinping" in job.text)
    assert body.text.startswith("Xi Jinping met")
    assert body.spoken.startswith("Shee Jin-ping met")


def test_lexicon_reaches_the_engine(tmp_path, fake_engine):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lexicon.txt").write_text("Xi Jinping = Shee Jin-ping\n", encoding="utf-8")
    convert(article, tmp_path / "a.mp3", Options(engine=fake_engine, workers=1))
    spoken = " ".join(call.text for call in fake_engine.calls)
    assert "Shee Jin-ping" in spoken and "Xi Jinping" not in spoken


def _samples(path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)


@pytest.mark.engine
def test_lexicon_entry_changes_the_rendered_audio(tmp_path):
    from audio_articles.model import Voice
    from audio_articles.speech.engines import create_engine

    engine = create_engine("pyttsx3")
    voice = Voice("gmw/en-us")
    text = "The court heard from Xi Jinping yesterday."
    lexicon = Lexicon((("Xi Jinping", "Shee Jin-ping"),))
    plain = engine.synthesize(text, voice, tmp_path / "plain.wav")
    again = engine.synthesize(text, voice, tmp_path / "again.wav")
    respelt = engine.synthesize(lexicon.apply(text), voice, tmp_path / "respelt.wav")
    # The same text renders the same (within a few samples); the respelt one differs clearly.
    assert abs(plain.frames - again.frames) < 0.01 * plain.frames
    a, b = _samples(plain.path), _samples(respelt.path)
    differs_in_length = abs(plain.frames - respelt.frames) > 0.03 * plain.frames
    n = min(len(a), len(b))
    differs_in_sound = np.abs(a[:n] - b[:n]).mean() > 0.2 * np.abs(a[:n]).mean()
    assert differs_in_length or differs_in_sound


def test_bad_lexicon_on_the_command_line_exits_2(tmp_path):
    from typer.testing import CliRunner

    from audio_articles.cli import app

    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    lexicon = tmp_path / "names.txt"
    lexicon.write_text("# names\nXi Jinping Shee Jin-ping\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["convert", str(article), "--engine", "fake", "-j", "1", "--lexicon", str(lexicon)])
    assert result.exit_code == 2
    assert f"{lexicon}, line 2: expected 'word = respelling'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "a.mp3").exists()


def test_cli_lexicon_reaches_the_engine(tmp_path):
    from typer.testing import CliRunner

    from audio_articles.cli import app

    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    lexicon = tmp_path / "names.txt"
    lexicon.write_text("Xi Jinping = Shee Jin-ping\n", encoding="utf-8")
    plain = CliRunner().invoke(app, ["convert", str(article), "-o", str(tmp_path / "plain.mp3"), "--engine", "fake", "-j", "1"])
    respelt = CliRunner().invoke(
        app, ["convert", str(article), "-o", str(tmp_path / "respelt.mp3"), "--engine", "fake", "-j", "1", "--lexicon", str(lexicon)]
    )
    assert plain.exit_code == 0 and respelt.exit_code == 0, (plain.output, respelt.output)
    # Clips are cached by the text the engine receives: the headline is reused, the
    # respelt paragraph is new.
    assert "(0 of 2 clips from cache)" in plain.output
    assert "(1 of 2 clips from cache)" in respelt.output
