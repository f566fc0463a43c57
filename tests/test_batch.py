"""Many articles in one run: folders expanded, one output each, one pool of workers,
failures reported without stopping the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audio_articles.run import batch
from audio_articles.run.batch import BatchItem, convert_many, find_articles, is_batch, plan_outputs
from audio_articles.convert import Options
from audio_articles.errors import InputError, OutputError
from audio_articles.speech.render import engine_set

from .audio_checks import decode, ffprobe_chapters, ffprobe_format
from .bench.longtext import long_article, short_articles


@pytest.fixture
def articles(tmp_path) -> Path:
    """A folder of four short articles (one Markdown), a hidden file and a note."""
    folder = tmp_path / "in"
    folder.mkdir()
    for n, text in enumerate(short_articles(3, words=60)):
        (folder / f"story-{n}.txt").write_text(text, encoding="utf-8")
    (folder / "brief.md").write_text("# A Markdown Brief\n\nThe ferry crew measured the tide twice today.\n")
    (folder / ".draft.txt").write_text("Not ready.\n")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "lexicon.txt").write_text("Skarra = Skara\n")  # the articles' lexicon, not an article
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audio_articles", *args], capture_output=True, text=True, timeout=300
    )


def test_folders_become_their_articles_in_name_order(articles, tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("A headline\n\nA paragraph of text.\n")
    found = find_articles([extra, articles, articles / "brief.md"])
    assert [p.name for p in found] == ["extra.txt", "brief.md", "story-0.txt", "story-1.txt", "story-2.txt"]


@pytest.mark.parametrize("make, words", [(lambda d: d / "missing.txt", "no such file"), (lambda d: d, "no articles")])
def test_a_missing_path_or_an_empty_folder_is_bad_input(tmp_path, make, words):
    (tmp_path / "readme.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match=words):
        find_articles([make(tmp_path)])


def test_outputs_go_to_the_folder_or_beside_each_article():
    sources = [Path("a/x.txt"), Path("b/x.md"), Path("c/y.markdown")]
    assert [i.output for i in plan_outputs(sources, Path("out"), ".m4b")] == [
        Path("out/x.m4b"), Path("out/x-2.m4b"), Path("out/y.m4b"),
    ]  # fmt: skip
    assert [i.output for i in plan_outputs(sources, None)] == [Path("a/x.mp3"), Path("b/x.mp3"), Path("c/y.mp3")]


def test_several_paths_a_folder_or_an_output_folder_make_a_batch(articles, tmp_path):
    one = articles / "brief.md"
    assert not is_batch([one], None)
    assert not is_batch([one], tmp_path / "new.mp3")
    assert is_batch([one], tmp_path)
    assert is_batch([articles], None)
    assert is_batch([one, articles / "story-0.txt"], None)


def test_the_output_folder_is_created_or_refused_clearly(tmp_path):
    batch.prepare_output_folder(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        batch.prepare_output_folder(tmp_path / "file")


def test_named_engines_are_created_once_per_process():
    assert engine_set("fake") is engine_set("fake")


def _items(folder: Path, out: Path) -> list[BatchItem]:
    out.mkdir(exist_ok=True)
    return plan_outputs(find_articles([folder]), out)


def test_a_pool_of_workers_converts_every_article(articles, tmp_path):
    items = _items(articles, tmp_path / "out")
    seen, reported = [], []
    result = convert_many(
        items, Options(engine="fake", workers=2), lambda *numbers: reported.append(numbers), seen.append
    )
    assert result.exit_code == 0 and not result.failed
    assert sorted(r.output for r in result.converted) == sorted(i.output for i in items)
    assert len(seen) == len(items)
    assert reported[0][:2] == (0, 4) and reported[-1][0] == reported[-1][1] == 4
    assert reported[-1][2] == reported[-1][3]
    for item in items:
        chapters = ffprobe_chapters(item.output)
        assert chapters and chapters[0]["start"] == 0
        assert float(ffprobe_format(item.output)["duration"]) > 1


def test_the_pool_gives_the_same_audio_as_one_by_one(articles, tmp_path):
    items = _items(articles, tmp_path / "pool")
    convert_many(items, Options(engine="fake", workers=2))
    serial = _items(articles, tmp_path / "serial")
    convert_many(serial, Options(engine="fake", workers=1))
    for a, b in zip(items, serial):
        assert ffprobe_chapters(a.output) == ffprobe_chapters(b.output)
        assert len(decode(a.output)) == len(decode(b.output))


def test_a_bad_article_is_reported_and_the_others_are_converted(articles, tmp_path):
    (articles / "broken.txt").write_bytes(b"\x00\x01binary")
    items = _items(articles, tmp_path / "out")
    result = convert_many(items, Options(engine="fake", workers=2))
    assert [f.source.name for f in result.failed] == ["broken.txt"]
    assert result.failed[0].exit_code == result.exit_code == 2
    assert "binary" in result.failed[0].message
    assert len(result.converted) == 4
    assert not (tmp_path / "out" / "broken.mp3").exists()
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_long_articles_in_a_batch_use_every_core_for_their_encoding(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(long_article(1500, seed=4), encoding="utf-8")
    (folder / "short.txt").write_text(short_articles(1, words=50)[0], encoding="utf-8")
    monkeypatch.setattr(batch, "LONG_ARTICLE_BYTES", 5000)
    items = _items(folder, tmp_path / "out")
    result = convert_many(items, Options(engine="fake", workers=2))
    assert not result.failed and len(result.converted) == 2
    long = next(r for r in result.converted if r.output.name == "long.mp3")
    chapters = ffprobe_chapters(long.output)
    assert [round(c["start"] * 1000) for c in chapters] == [c.start_ms for c in long.timeline.chapters]


def test_cli_converts_files_and_folders_into_one_output_folder(articles, tmp_path):
    single = tmp_path / "single.txt"
    single.write_text("Town Hall Opens\n\nThe new town hall opened its doors this morning.\n")
    out = tmp_path / "out"
    run = run_cli("convert", str(single), str(articles), "-o", str(out), "--engine", "fake", "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "brief.mp3", "single.mp3", "story-0.mp3", "story-1.mp3", "story-2.mp3",
    ]  # fmt: skip
    lines = run.stderr.strip().splitlines()
    assert lines[-1] == "5 of 5 articles converted"
    assert sum(".mp3  " in line for line in lines) == 5
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_cli_batch_with_a_bad_file_exits_with_its_code(articles, tmp_path):
    (articles / "empty.txt").write_text("\n\n")
    run = run_cli("convert", str(articles), "-o", str(tmp_path / "out"), "--engine", "fake")
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("audio-articles: error: ")]
    assert len(errors) == 1 and "empty.txt" in errors[0]
    assert run.stderr.strip().splitlines()[-1] == "4 of 5 articles converted, 1 failed"
    assert "Traceback" not in run.stderr


def test_cli_refuses_a_file_as_the_output_folder(articles, tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    run = run_cli("convert", str(articles), str(articles / "brief.md"), "-o", str(target), "--engine", "fake")
    assert run.returncode == 4
    assert run.stderr.strip().splitlines() == [f"audio-articles: error: {target} is a file; give a folder for the outputs of several articles"]


@pytest.mark.engine
def test_real_engine_batch_in_a_shared_pool(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for n, text in enumerate(short_articles(3, words=40)):
        (folder / f"n{n}.txt").write_text(text, encoding="utf-8")
    result = convert_many(_items(folder, tmp_path / "out"), Options(workers=2))
    assert not result.failed
    for converted in result.converted:
        audio = decode(converted.output)
        assert len(audio) / 22050 > 5
        assert abs(audio).max() > 0.1
