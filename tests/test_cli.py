"""The command line as a user meets it: exit codes, one-line errors, clean stdout,
and no output file left behind when something is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audio_articles", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


def assert_one_line_error(run: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert run.returncode == code, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("audio-articles: error: ")
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in lines[0]
    assert run.stdout == ""


@pytest.mark.parametrize(
    "make_input, words",
    [
        (lambda d: d / "missing.txt", ["no such file"]),
        (lambda d: d, ["no articles"]),  # a folder is a batch; this one is empty
        (lambda d: (d / "empty.txt").write_text("  \n\n ") and d / "empty.txt", ["empty"]),
        (lambda d: (d / "song.txt").write_bytes(b"ID3\x03\x00\x00\x00\x00\xff\xfb\x90") and d / "song.txt", ["binary"]),
    ],
    ids=["missing", "directory", "empty", "binary"],
)
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, make_input, words):
    work = tmp_path / "work"
    work.mkdir()
    source = make_input(work)
    output = tmp_path / "out.mp3"
    run = run_cli("convert", str(source), "-o", str(output), "--engine", "fake")
    assert_one_line_error(run, 2, *words)
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_unknown_profile_names_the_choices(tmp_path):
    run = run_cli("convert", str(ARTICLE), "-o", str(tmp_path / "x.mp3"), "--voices", "nosuch", "--engine", "fake")
    assert_one_line_error(run, 2, "nosuch", "default")
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_is_exit_4(tmp_path):
    run = run_cli("convert", str(ARTICLE), "-o", str(tmp_path / "nowhere" / "x.mp3"), "--engine", "fake")
    assert_one_line_error(run, 4, "does not exist")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_unwritable_output_folder_is_exit_4():
    # /proc refuses new files even to root, so this holds in CI too.
    run = run_cli("convert", str(ARTICLE), "-o", "/proc/story.mp3", "--engine", "fake")
    assert_one_line_error(run, 4, "cannot write")


def test_a_failed_run_keeps_the_previous_output(tmp_path):
    output = tmp_path / "story.mp3"
    output.write_bytes(b"previous good file")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    run = run_cli("convert", str(empty), "-o", str(output), "--engine", "fake")
    assert run.returncode == 2
    assert output.read_bytes() == b"previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "story.mp3"]


def test_usage_errors_exit_2():
    run = run_cli("convert")
    assert run.returncode == 2
    assert "Missing argument" in run.stderr


def test_success_writes_the_file_and_keeps_stdout_clean(tmp_path):
    output = tmp_path / "story.mp3"
    run = run_cli("convert", str(ARTICLE), "-o", str(output), "--engine", "fake", "--chapters", "paragraph")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert output.stat().st_size > 10_000
    assert "12 chapters" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.mp3"]  # no temporary files


def test_help_lists_the_commands():
    run = run_cli("--help")
    assert run.returncode == 0
    assert "convert" in run.stdout
