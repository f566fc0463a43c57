"""`audio-articles inspect`: the table and the JSON schema documented in the README."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audio_articles.cli import app

ARTICLE = (
    "Daily Wire Service - Full Text Articles\n\n"
    "Harbour Ferry Returns After Ten Years\n\n"
    "By Mina Okafor\n\n"
    "The ferry between the two piers runs again from Monday.\n\n"
    "“We waited a decade for this boat,” said a commuter.\n\n"
    "Read More: Bridge Repairs Delayed Again\n\n"
    "What Changes for Riders\n\n"
    "Tickets cost two dollars, and bikes ride free.\n"
)
SEGMENT_KEYS = ["index", "paragraph", "kind", "text", "voice", "spoken"]

runner = CliRunner()


def inspect_json(path, *options: str) -> dict:
    result = runner.invoke(app, ["inspect", str(path), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_schema_numbers_and_removed_items(tmp_path):
    source = tmp_path / "ferry.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    report = inspect_json(source)
    assert list(report) == ["title", "author", "language", "sections", "removed", "chapters"]
    assert (report["title"], report["author"], report["language"]) == (
        "Harbour Ferry Returns After Ten Years", "Mina Okafor", "en",
    )  # fmt: skip
    assert [section["title"] for section in report["sections"]] == [
        "Harbour Ferry Returns After Ten Years", "What Changes for Riders",
    ]  # fmt: skip
    segments = [segment for section in report["sections"] for segment in section["segments"]]
    assert all(list(segment) == SEGMENT_KEYS for segment in segments)
    assert [(s["index"], s["paragraph"], s["kind"]) for s in segments] == [
        (1, 1, "headline"), (2, 2, "body"), (3, 3, "quote"), (4, 3, "body"), (5, 4, "subheading"), (6, 5, "body"),
    ]  # fmt: skip
    assert segments[2]["text"] == "We waited a decade for this boat,"
    assert all(isinstance(s["voice"], str) and s["voice"] for s in segments)
    assert segments[2]["voice"] != segments[1]["voice"]  # quotations get the second voice
    assert report["removed"] == [
        {"text": "Daily Wire Service - Full Text Articles", "reason": "collection header"},
        {"text": "By Mina Okafor", "reason": "byline"},
        {"text": "Read More: Bridge Repairs Delayed Again", "reason": "read-more link"},
    ]


def test_voices_option_picks_the_profile(tmp_path):
    source = tmp_path / "ferry.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    profile = tmp_path / "mine.toml"
    profile.write_text('name = "mine"\n[defaults]\nvoice = "gmw/en"\n[quote]\nvoice = "gmw/en-us+f3"\n', encoding="utf-8")
    segments = [s for section in inspect_json(source, "--voices", str(profile))["sections"] for s in section["segments"]]
    assert {s["voice"] for s in segments if s["kind"] == "quote"} == {"gmw/en-us+f3"}
    assert {s["voice"] for s in segments if s["kind"] == "body"} == {"gmw/en"}


def test_spoken_is_what_the_engine_receives(tmp_path):
    source = tmp_path / "links.md"
    source.write_text("# Links\n\nRead the report at https://www.example.org/reports/2024 today.\n", encoding="utf-8")
    body = inspect_json(source)["sections"][0]["segments"][1]
    assert "https://" in body["text"]
    assert "https://" not in body["spoken"]


def test_markdown_front_matter_language_is_reported(tmp_path):
    source = tmp_path / "post.md"
    source.write_text("---\ntitle: Le port rouvre\nlang: fr\n---\n\nLe bac reprend lundi entre les deux quais.\n", encoding="utf-8")
    report = inspect_json(source)
    assert report["language"] == "fr"
    assert report["title"] == "Le port rouvre"


def test_human_output_is_a_table_with_removed_reasons(tmp_path):
    source = tmp_path / "ferry.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(source)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for expected in ("Harbour Ferry Returns After Ten Years", "Section 2: What Changes for Riders", "quote",
                     "Removed (not spoken)", "read-more link", "Read More: Bridge Repairs Delayed Again"):  # fmt: skip
        assert expected in result.stdout


def test_brackets_in_text_are_shown_not_taken_as_markup(tmp_path):
    source = tmp_path / "embed.txt"
    source.write_text("Title Line\n\nSome text.\n\n[time-brightcove not-tgx=”true”]\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(source)], env={"COLUMNS": "160"})
    assert "[time-brightcove not-tgx=”true”]" in result.stdout


def test_missing_file_is_one_line_exit_2(tmp_path):
    result = runner.invoke(app, ["inspect", str(tmp_path / "nope.txt"), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"audio-articles: error: {tmp_path / 'nope.txt'}: no such file"]


def test_inspect_shows_what_convert_sends_with_the_project_lexicon_and_overrides(tmp_path, fake_engine):
    from audio_articles.convert import Options, convert
    from audio_articles.inspect import inspect_file

    article = tmp_path / "harbour.txt"
    article.write_text("Harbour News\n\nThe mayor, Siobhan Reid, opened the harbour.\n", encoding="utf-8")
    (tmp_path / "lexicon.txt").write_text("Siobhan = Shivawn\n", encoding="utf-8")
    options = Options(engine=fake_engine, rate=150)
    convert(article, tmp_path / "harbour.mp3", options)
    report = inspect_file(article, Options(rate=150)).as_json()
    shown = [(s["spoken"], s["voice"]) for section in report["sections"] for s in section["segments"]]
    sent = [(call.text, call.voice.voice) for call in fake_engine.calls]
    assert shown == sent
    assert "Shivawn Reid" in shown[1][0]
