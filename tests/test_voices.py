"""Voice profiles: the shipped ones, validation with file and line, resolution against the
engine's voices, command-line overrides, and each kind's settings reaching the engine."""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.convert import Options, convert
from audio_articles.errors import ProfileError
from audio_articles.model import SegmentKind, Voice
from audio_articles.parsing import parse_article
from audio_articles.plan import gaps_ms, plan_speech
from audio_articles.speech.engines import VoiceInfo
from audio_articles.speech.resolve import VoiceCatalog, choose_voice, engine_catalog, resolve_profile
from audio_articles.speech.voices import PROFILE_DIR, available_profiles, find_profile, load_profile

CATALOG = VoiceCatalog(
    "pyttsx3",
    (
        VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "male"),
        VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",), "male"),
        VoiceInfo("roa/fr", "French (France)", ("fr-fr",), "male"),
        VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",), "male"),
    ),
    frozenset({"f2", "f3", "m3", "klatt"}),
)

ARTICLE = """City library reopens

The library reopened on Monday after a year of repairs, the council said.

"We are delighted to welcome readers back at last," said the head librarian.

Opening hours are longer than before.
"""


def write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- shipped profiles ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["default", "newsroom", "clear"])
def test_shipped_profiles_load_and_resolve(name):
    profile = load_profile(name)
    assert profile.name == name and profile.description
    resolved = resolve_profile(profile, CATALOG, "en")
    assert set(resolved.kinds) == set(SegmentKind)
    assert all(CATALOG.has(s.voice.voice) for s in resolved.kinds.values())


def test_shipped_profiles_differ_as_described():
    default, newsroom, clear = (resolve_profile(load_profile(n), CATALOG, "en") for n in ("default", "newsroom", "clear"))
    body, quote = SegmentKind.BODY, SegmentKind.QUOTE
    # default: one voice, quotations in a variant of it.
    assert default.settings(quote).voice.voice == default.settings(body).voice.voice + "+f3"
    # newsroom: a distinct quotation voice; crisper pauses than default.
    assert newsroom.settings(quote).voice.voice.split("+")[0] != newsroom.settings(body).voice.voice.split("+")[0]
    assert newsroom.paragraph_pause_ms < default.paragraph_pause_ms
    # clear: slower and with longer pauses than default, for every kind.
    for kind in SegmentKind:
        assert clear.settings(kind).voice.rate < default.settings(kind).voice.rate
        assert clear.settings(kind).pause_after_ms > default.settings(kind).pause_after_ms
    assert clear.paragraph_pause_ms > default.paragraph_pause_ms
    assert clear.settings(quote).voice.voice == "gmw/en-us+f3"  # chosen by language + gender


def test_profiles_found_by_name_in_user_folder_first(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CONFIG", str(tmp_path))
    (tmp_path / "voices").mkdir()
    write(tmp_path / "voices", '[defaults]\nvoice = "gmw/en"\n', "newsroom.toml")
    write(tmp_path / "voices", '[defaults]\nvoice = "gmw/en"\n', "mine.toml")
    assert find_profile("newsroom") == tmp_path / "voices" / "newsroom.toml"
    assert find_profile("default") == PROFILE_DIR / "default.toml"
    assert [p.stem for p in available_profiles()] == ["clear", "default", "mine", "natural", "newsroom"]


def test_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ProfileError, match="choose one of: clear, default, natural, newsroom"):
        load_profile("nosuch")


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[defaults\nvoice = 1", "not valid TOML"),
        ('colour = "red"\n[defaults]\nvoice = "gmw/en-us"\n', "line 1: unknown key 'colour'"),
        ('[defaults]\nvoice = "gmw/en-us"\n\n[quote]\nspeed = 3\n', "line 5: unknown key quote.speed; allowed keys:"),
        ('[defaults]\nvoice = "gmw/en-us"\nrate = 900\n', "line 3: defaults.rate = 900 is out of range; allowed 80 to 450"),
        ('[defaults]\nvoice = "gmw/en-us"\n[body]\npitch = -1\n', "line 4: body.pitch = -1 is out of range; allowed 0 to 100"),
        ('[defaults]\nvoice = "gmw/en-us"\nvolume = 2.0\n', "defaults.volume = 2.0 is out of range; allowed 0 to 1"),
        ('[defaults]\nvoice = "gmw/en-us"\npause_after = "long"\n', "pause_after = 'long' is out of range"),
        ('[defaults]\nvoice = "gmw/en-us"\ngender = "robot"\n', "line 3: defaults.gender = 'robot'; choose one of: female, male"),
        ('[defaults]\nvoice = "gmw/en-us"\nfallback = "yes"\n', "defaults.fallback = 'yes'; give true or false"),
        ('[defaults]\nlanguage = "fr fr"\n', "defaults.language = 'fr fr'; give a language tag"),
        ('urls = "spell"\n[defaults]\nvoice = "gmw/en-us"\n', "line 1: urls = 'spell'; choose one of: domain, drop"),
        ('paragraph_pause = 20000\n[defaults]\nvoice = "gmw/en-us"\n', "paragraph_pause = 20000 is out of range"),
        ("[defaults]\nrate = 150\n", "[defaults] must set voice or language"),
        ('[defaults]\nvoice = ""\n', "defaults.voice must be a voice id"),
        ('quote = 3\n[defaults]\nvoice = "gmw/en-us"\n', "[quote] must be a table"),
    ],
)
def test_bad_profile_is_one_clear_error(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_unreadable_profile(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ProfileError, match="cannot read the profile"):
        load_profile(path)


def test_bad_profile_on_the_command_line_exits_2(tmp_path):
    article = write(tmp_path, ARTICLE, "a.txt")
    profile = write(tmp_path, '[defaults]\nvoice = "gmw/en-us"\nrate = 5\n')
    result = CliRunner().invoke(app, ["convert", str(article), "--voices", str(profile), "--engine", "fake"])
    assert result.exit_code == 2
    assert "rate = 5 is out of range; allowed 80 to 450" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "a.mp3").exists()


# -- resolution ----------------------------------------------------------------------------


def test_unknown_voice_names_the_closest_matches(tmp_path):
    profile = load_profile(write(tmp_path, '[defaults]\nvoice = "gmw/en-su"\n'))
    with pytest.raises(ProfileError) as caught:
        resolve_profile(profile, CATALOG, "en")
    message = str(caught.value)
    assert "voice 'gmw/en-su'" in message and "no such voice" in message
    assert "closest: gmw/en-us" in message and str(profile.source) in message


def test_unknown_variant_names_the_closest_variants(tmp_path):
    profile = load_profile(write(tmp_path, '[defaults]\nvoice = "gmw/en-us"\n[quote]\nvoice = "gmw/en-us+f9"\n'))
    with pytest.raises(ProfileError, match=r"\[quote\] voice 'gmw/en-us\+f9'.*closest: gmw/en-us\+f"):
        resolve_profile(profile, CATALOG, "en")


def test_fallback_warns_and_uses_a_voice_of_the_language(tmp_path, caplog):
    profile = load_profile(write(tmp_path, '[defaults]\nvoice = "gmw/en-us"\nfallback = true\n[quote]\nvoice = "mb/en-nope+f3"\n'))
    with caplog.at_level(logging.WARNING):
        resolved = resolve_profile(profile, CATALOG, "en")
    assert resolved.settings(SegmentKind.QUOTE).voice.voice == "gmw/en+f3"
    assert "mb/en-nope+f3" in caplog.text and "not installed" in caplog.text


def test_voice_chosen_by_language_and_gender(tmp_path):
    profile = load_profile(write(tmp_path, '[defaults]\nlanguage = "en-gb"\n[quote]\ngender = "female"\n'))
    resolved = resolve_profile(profile, CATALOG)
    assert resolved.settings(SegmentKind.BODY).voice.voice == "gmw/en"
    assert resolved.settings(SegmentKind.QUOTE).voice.voice == "gmw/en+f3"


def test_choose_voice_prefers_a_voice_of_the_right_gender():
    catalog = VoiceCatalog("fake", (*CATALOG.voices, VoiceInfo("mb/fr-female", "French F", ("fr",), "female")))
    assert choose_voice("fr", catalog, "female") == "mb/fr-female"
    assert choose_voice("fr", catalog) == "roa/fr"
    assert choose_voice("xx", catalog) is None


def test_voices_of_other_engines_are_left_to_them():
    profile = load_profile().with_voice(SegmentKind.QUOTE, engine="piper", model="/v/x.onnx", voice="x")
    resolved = resolve_profile(profile, CATALOG, "fr")
    assert resolved.settings(SegmentKind.QUOTE).voice.voice == "x"
    assert resolved.settings(SegmentKind.BODY).voice.voice == "roa/fr"


@pytest.mark.engine  # the real engine's voice list
def test_the_real_engine_knows_the_shipped_voices():
    catalog = engine_catalog("pyttsx3")
    for name in ("default", "newsroom", "clear"):
        for kind, settings in resolve_profile(load_profile(name), catalog, "en").kinds.items():
            assert catalog.has(settings.voice.voice), (name, kind)


# -- overrides -------------------------------------------------------------------------------


def test_voice_override_keeps_the_quote_variant():
    profile = load_profile().with_overrides(voice="gmw/en")
    assert profile.settings(SegmentKind.BODY).voice.voice == "gmw/en"
    assert profile.settings(SegmentKind.QUOTE).voice.voice == "gmw/en+f3"


def test_quote_voice_and_rate_overrides():
    base = load_profile()
    profile = base.with_overrides(quote_voice="roa/fr+f2", rate=350)
    assert profile.settings(SegmentKind.QUOTE).voice.voice == "roa/fr+f2"
    assert profile.settings(SegmentKind.BODY).voice.rate == 350
    # The headline keeps its pace relative to the body (160 of 175).
    assert profile.settings(SegmentKind.HEADLINE).voice.rate == round(160 * 350 / 175)
    assert profile.settings(SegmentKind.NOTICE).voice.rate == 370
    assert base.with_overrides() == base


# -- each kind gets its settings ------------------------------------------------------------


def test_each_kind_gets_its_voice_rate_pitch_and_pauses(tmp_path, fake_engine):
    profile_path = write(
        tmp_path,
        """
paragraph_pause = 700
[defaults]
voice = "gmw/en-us"
rate = 170
pitch = 50
pause_after = 100
[headline]
voice = "gmw/en"
rate = 150
pitch = 30
pause_after = 900
[quote]
voice = "gmw/en-us+f2"
rate = 200
pitch = 70
volume = 0.8
pause_before = 300
""",
    )
    article = parse_article(ARTICLE)
    profile = load_profile(profile_path)
    jobs = plan_speech(article, profile, catalog=engine_catalog(fake_engine))
    by_kind = {job.kind: job for job in jobs}
    assert by_kind[SegmentKind.HEADLINE].voice == Voice("gmw/en", rate=150, pitch=30)
    assert by_kind[SegmentKind.BODY].voice == Voice("gmw/en-us", rate=170, pitch=50)
    assert by_kind[SegmentKind.QUOTE].voice == Voice("gmw/en-us+f2", rate=200, pitch=70, volume=0.8)
    gaps = dict(zip([job.index for job in jobs], gaps_ms(article, jobs, profile)))
    assert gaps[1] == 900  # after the headline
    quote_index = by_kind[SegmentKind.QUOTE].index
    assert gaps[quote_index - 1] == 700  # the quotation opens a new paragraph
    convert(write(tmp_path, ARTICLE, "a.txt"), tmp_path / "a.mp3", Options(profile=profile, engine=fake_engine, workers=1))
    assert [call.voice for call in fake_engine.calls] == [job.voice for job in jobs]


def test_overrides_reach_the_engine(tmp_path, fake_engine):
    article = write(tmp_path, ARTICLE, "a.txt")
    options = Options(engine=fake_engine, workers=1, voice="gmw/en", quote_voice="roa/fr", rate=140)
    convert(article, tmp_path / "a.mp3", options)
    assert {call.voice.voice for call in fake_engine.calls} == {"gmw/en", "roa/fr"}
    assert {call.voice.rate for call in fake_engine.calls if call.voice.voice == "roa/fr"} == {140}


@pytest.mark.parametrize(
    "option, message",
    [
        (["--voice", "gmw/en-su"], "--voice 'gmw/en-su': the fake engine has no such voice; closest: gmw/en-us"),
        (["--quote-voice", "roa/fx"], "--quote-voice 'roa/fx'"),
        (["--quote-voice", "englsh-female"], "closest: english-female, gmw/en"),
        (["--rate", "20"], "Invalid value for '--rate'"),
    ],
)
def test_bad_cli_voice_options_exit_2_before_rendering(tmp_path, option, message):
    # The error names the flag, not the profile file; a friendly name gets its language's voices.
    article = write(tmp_path, ARTICLE, "a.txt")
    result = CliRunner().invoke(app, ["convert", str(article), "--engine", "fake", "-j", "1", *option])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "a.mp3").exists()


# -- the voices command -----------------------------------------------------------------------


@pytest.mark.engine  # the real engine's voice list
def test_voices_command_lists_real_voices_and_profiles():
    result = CliRunner().invoke(app, ["voices"])
    assert result.exit_code == 0, result.output
    assert "gmw/en-us" in result.stdout and "English (America)" in result.stdout
    assert "roa/fr" in result.stdout
    for name in ("default", "newsroom", "clear"):
        assert f"profile {name}" in result.stdout
    assert "quote       gmw/en-us+f3" in result.stdout


@pytest.mark.engine  # the real engine's voice list
def test_voices_command_json_for_a_language():
    result = CliRunner().invoke(app, ["voices", "--json", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["language"] == "fr"
    assert data["voices"] and all(v["languages"][0].startswith("fr") for v in data["voices"])
    assert {"id", "name", "languages", "gender"} <= set(data["voices"][0])
    default = next(p for p in data["profiles"] if p["name"] == "default")
    assert default["kinds"]["quote"].startswith("roa/fr+f3 ")
    assert "f3" in data["variants"]


@pytest.mark.engine  # the real engine's voice list
def test_voices_command_reports_a_broken_user_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CONFIG", str(tmp_path))
    (tmp_path / "voices").mkdir()
    write(tmp_path / "voices", '[defaults]\nvoice = "gmw/en-us"\nrate = 5\n', "broken.toml")
    result = CliRunner().invoke(app, ["voices", "--json"])
    assert result.exit_code == 0
    broken = next(p for p in json.loads(result.stdout)["profiles"] if p["name"] == "broken")
    assert "out of range" in broken["error"]


def test_a_voice_given_on_the_command_line_is_kept_for_another_language():
    profile = load_profile().with_overrides(quote_voice="gmw/en")
    resolved = resolve_profile(profile, CATALOG, "fr")
    assert resolved.settings(SegmentKind.QUOTE).voice.voice == "gmw/en"
    assert resolved.settings(SegmentKind.BODY).voice.voice == "roa/fr"


@pytest.mark.engine  # the real engine's voice list
def test_voices_command_for_a_language_without_voices_is_an_error():
    result = CliRunner().invoke(app, ["voices", "--lang", "xx"])
    assert result.exit_code == 2
    assert "no voice for language 'xx'" in result.output and "installed languages: af" in result.output


def test_profile_can_drop_links(tmp_path, fake_engine):
    article = parse_article("Title\n\nDetails are at https://www.city.gov/library/hours today, or mail press@city.gov.\n")
    keep = plan_speech(article, load_profile(), catalog=engine_catalog(fake_engine))
    drop = load_profile(write(tmp_path, 'urls = "drop"\n[defaults]\nvoice = "gmw/en-us"\n'))
    dropped = plan_speech(article, drop, catalog=engine_catalog(fake_engine))
    assert keep[1].spoken == "Details are at city dot gov today, or mail press at city dot gov."
    assert dropped[1].spoken == "Details are at today, or mail."


@pytest.mark.parametrize(
    "option, value, kind, expected",
    [("voice", "french", SegmentKind.BODY, "roa/fr"), ("quote_voice", "english-female", SegmentKind.QUOTE, "gmw/en+f3"),
     ("voice", "american-male", SegmentKind.BODY, "gmw/en-us")],
)  # fmt: skip
def test_friendly_voice_names(option, value, kind, expected):
    from audio_articles.parsing import parse_article
    from audio_articles.plan import plan_article, speech_profile
    from audio_articles.settings import Production

    article = parse_article("Title\n\nSome words, and “a quotation of several words here” she said.")
    production = Production(engine="fake", **{option: value})
    plan = plan_article(article, speech_profile("a.txt", production), production)
    assert {job.voice.voice.partition("+")[0] for job in plan.jobs if job.kind == kind} == {expected.partition("+")[0]}
    if "+" in expected:
        assert {job.voice.voice for job in plan.jobs if job.kind == kind} == {expected}
