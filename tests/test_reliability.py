"""Bad input found by trying to break the tool (issue #26): each case ends in one clear
line and a documented exit code, bounded in time and memory, with nothing destroyed.

Unbounded inputs are read in a subprocess under ``resource`` limits (address space and
CPU time), so a regression fails the test instead of filling the machine."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audio_articles.errors import InputError, OutputError
from audio_articles.files import check_output_file, output_lock, read_article_text, read_bounded

from .test_cli import ARTICLE, assert_one_line_error
from .test_faults import tiny_disk  # noqa: F401  (a fixture)

MEMORY_LIMIT = 1536 * 1024 * 1024
"""Address space a CLI run under test may take (Python, ffmpeg pipes and all)."""


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def run_bounded(*args: str, cwd: Path | None = None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """The command line under a memory and CPU limit and a wall-clock timeout."""
    return subprocess.run(
        [sys.executable, "-m", "audio_articles", *args],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, preexec_fn=_limits, **kwargs,
    )  # fmt: skip


# 1. Inputs are read with a bound whatever their type.


def test_dev_zero_is_refused_at_the_size_limit(tmp_path):
    started = time.monotonic()
    run = run_bounded("convert", "/dev/zero", "-o", str(tmp_path / "x.mp3"), "--engine", "fake", "--max-size", "2MB")
    assert_one_line_error(run, 2, "/dev/zero", "character device", "2.0 MiB limit")
    assert time.monotonic() - started < 60
    assert list(tmp_path.iterdir()) == []


def test_dev_zero_as_html_is_refused_too(tmp_path):
    link = tmp_path / "zero.html"
    link.symlink_to("/dev/zero")
    run = run_bounded("inspect", str(link))
    assert_one_line_error(run, 2, "character device", "limit")


def test_a_fifo_is_held_to_the_same_limit_as_a_file(tmp_path):
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as handle:
            try:
                for _ in range(40):
                    handle.write(b"Headline\n\n" + b"word " * 200_000)  # 1 MB a time, 40 MB in all
            except BrokenPipeError:
                pass  # the reader stopped at its limit

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with pytest.raises(InputError, match=r"named pipe \(FIFO\)\) gives more than the 20.0 MiB limit"):
        read_bounded(fifo, 20 * 1024 * 1024, wait_s=10)
    writer.join(10)
    assert not writer.is_alive()


def test_a_fifo_that_is_written_and_closed_is_read(tmp_path):
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)

    def write() -> None:
        time.sleep(0.2)
        with open(fifo, "wb") as handle:
            handle.write(b"Headline\n\n")
            handle.flush()
            time.sleep(0.2)
            handle.write(b"Body text.\n")

    threading.Thread(target=write, daemon=True).start()
    assert read_article_text(fifo) == "Headline\n\nBody text.\n"


def test_a_fifo_with_no_writer_gives_up(tmp_path):
    fifo = tmp_path / "nobody.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InputError, match="with no program writing to it"):
        read_bounded(fifo, 1000, wait_s=0.5)
    assert time.monotonic() - started < 5


def test_a_file_that_grows_while_read_is_still_bounded(tmp_path):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 10)
    with open(path, "ab") as handle:
        handle.write(b"y" * 5000)
    with pytest.raises(InputError, match="limit"):
        read_bounded(path, 1000)


def test_a_symlink_loop_is_named(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    with pytest.raises(InputError, match="a loop of symbolic links"):
        read_article_text(tmp_path / "a.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    with pytest.raises(InputError, match="symbolic link to a file that does not exist"):
        read_article_text(tmp_path / "dangling.txt")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_read(tmp_path, encoding):
    text = "Titre\n\nUn café à l’été, “cité”.\n"
    data = text.encode(encoding)
    if not encoding.endswith("-be"):
        assert data[:2] == b"\xff\xfe"
    else:
        data = ("\ufeff" + text).encode(encoding)
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    assert read_article_text(path) == text


# 3. An output never destroys the input or a device node.


def test_the_output_may_not_be_the_input(tmp_path):
    article = tmp_path / "a.mp3"
    article.write_bytes(ARTICLE.read_bytes())
    before = article.read_bytes()
    run = run_bounded("convert", str(article), "-o", str(article), "--engine", "fake")
    assert_one_line_error(run, 4, "the article being converted")
    text = tmp_path / "a.txt"
    text.write_bytes(before)
    run = run_bounded("convert", str(text), "-o", str(text), "--format", "mp3", "--engine", "fake")
    assert_one_line_error(run, 4, "the article being converted")
    link = tmp_path / "link.txt"
    link.symlink_to(text)
    run = run_bounded("convert", str(link), "-o", str(text), "--format", "mp3", "--engine", "fake")
    assert_one_line_error(run, 4, "the article being converted")
    assert article.read_bytes() == before and text.read_bytes() == before


def test_a_device_or_fifo_output_is_refused(tmp_path):
    with pytest.raises(OutputError, match="character device"):
        check_output_file(Path("/dev/null"))
    fifo = tmp_path / "out.mp3"
    os.mkfifo(fifo)
    run = run_bounded("convert", str(ARTICLE), "-o", str(fifo), "--engine", "fake")
    assert_one_line_error(run, 4, "named pipe", "regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    run = run_bounded("convert", str(ARTICLE), "-o", "/dev/null", "--format", "mp3", "--engine", "fake")
    assert_one_line_error(run, 4, "/dev/null is a character device")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# 12. Two runs writing the same output.


def test_a_second_run_on_the_same_output_waits_for_the_first(tmp_path):
    output = tmp_path / "story.mp3"
    with output_lock(output):
        assert (tmp_path / ".story.mp3.lock").exists()
        with pytest.raises(OutputError, match=f"another run \\(process {os.getpid()}\\) is writing"):
            with output_lock(output, wait=False):
                pass
        second = subprocess.Popen(
            [sys.executable, "-m", "audio_articles", "convert", str(ARTICLE), "-o", str(output), "--engine", "fake"],
            stderr=subprocess.PIPE, text=True, preexec_fn=_limits,
        )  # fmt: skip
        time.sleep(3)
        assert second.poll() is None  # waiting, not rendering a second copy
        assert not output.exists()
    _, stderr = second.communicate(timeout=120)
    assert second.returncode == 0, stderr
    assert stderr.splitlines()[0] == f"audio-articles: warning: another run (process {os.getpid()}) is writing {output}; waiting for it to finish"
    assert output.stat().st_size > 10_000
    assert sorted(path.name for path in tmp_path.iterdir()) == ["story.mp3"]


# 2. YAML front matter: aliases are refused before they can expand.

ALIAS_BOMB = (
    '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    + "title: *i\n---\n\n# Hello\n\nText.\n"
)


def test_a_yaml_alias_bomb_fails_fast_with_one_line(tmp_path):
    assert len(ALIAS_BOMB) < 400
    post = tmp_path / "bomb.md"
    post.write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.monotonic()
    run = run_bounded("inspect", str(post), timeout=60)
    assert_one_line_error(run, 2, "YAML alias", "*a")
    assert time.monotonic() - started < 30


def test_deeply_nested_yaml_front_matter_does_not_crash():
    from audio_articles.parsing.frontmatter import read_front_matter

    assert read_front_matter("title: Tides\nx: " + "[" * 5000 + "]" * 5000).title == "Tides"
    assert read_front_matter("author: [" + ", ".join(["Ann"] * 10000) + "]").author.count("Ann") == 200


# 8. Profiles and lexicons: one line for anything malformed; templates are plain fields.


def test_deeply_nested_toml_profile_and_lexicon_are_one_line(tmp_path):
    profile = tmp_path / "deep.toml"
    profile.write_text("x = " + "[" * 10000 + "]" * 10000 + "\n", encoding="utf-8")
    run = run_bounded("inspect", str(ARTICLE), "--voices", str(profile), "--engine", "fake")
    assert_one_line_error(run, 2, "deep.toml", "nested too deeply")
    lexicon = tmp_path / "words.toml"
    lexicon.write_text("a = " + "{ b = " * 3000 + "1" + " }" * 3000 + "\n", encoding="utf-8")
    run = run_bounded("inspect", str(ARTICLE), "--lexicon", str(lexicon), "--engine", "fake")
    assert_one_line_error(run, 2, "words.toml")


@pytest.mark.parametrize(
    "template",
    ["{title.__class__.__init__.__globals__}", "{title:>9999999999}", "{title:>999999999}", "{title[0]}", "{0}", "{nope}", "{title!r}", "{"],
)
def test_templates_allow_only_plain_fields(tmp_path, template):
    profile = tmp_path / "framed.toml"
    quoted = '"' + template + '"'
    profile.write_text(f'outro = {quoted}\n[defaults]\nvoice = "gmw/en-us"\n', encoding="utf-8")
    started = time.monotonic()
    run = run_bounded("inspect", str(ARTICLE), "--voices", str(profile), "--engine", "fake")
    assert_one_line_error(run, 2, "framed.toml", "not a valid template", "{title}")
    assert time.monotonic() - started < 30


def test_a_template_fills_fields_without_str_format():
    from audio_articles.model import Article
    from audio_articles.plan import framing_text

    article = Article("{author} {0}", (), author="Ines")
    assert framing_text("{title}{by_author}. {{literal}}", article) == "{author} {0}, by Ines. {literal}"


# 10. Usage errors in the one-line form; SIGTERM like Ctrl-C.


@pytest.mark.parametrize(
    "args, words",
    [
        (["convert", str(ARTICLE), "--bitrate", "500"], ["--bitrate", "500 is not in the range"]),
        (["convert", str(ARTICLE), "--jobs", "0"], ["--jobs"]),
        (["convert", str(ARTICLE), "--no-such-option"], ["No such option"]),
        (["convert"], ["Missing argument"]),
        (["cache", "frob"], ["No such command"]),
        (["feed", str(ARTICLE)], ["Missing option", "--output"]),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, words):
    run = run_bounded(*args)
    assert_one_line_error(run, 2, *words)
    assert "╭" not in run.stderr


def test_help_is_unchanged():
    run = run_bounded("convert", "--help")
    assert run.returncode == 0 and "Usage: audio-articles convert" in run.stdout and "--bitrate" in run.stdout
    run = run_bounded()
    assert run.returncode == 2 and "Usage: audio-articles" in run.stdout + run.stderr


# An object cut short while being made by the signal (as a WAV writer interrupted inside
# its __init__ was, in one CI run) fails in __del__ when the unwinding frees it.
HALF_MADE = """
import os, signal, sys
from audio_articles.process import Terminated, quiet_interrupts, stop_on_sigterm
stop_on_sigterm()
quiet_interrupts()

class HalfMade:
    def __del__(self):
        raise AttributeError("'HalfMade' object has no attribute '_file'")

def work():
    made = HalfMade()
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))
    while True:
        pass

try:
    work()
except KeyboardInterrupt as stop:
    print("stopped by", type(stop).__name__, file=sys.stderr)
"""


@pytest.mark.parametrize(("name", "raised"), [("SIGTERM", "Terminated"), ("SIGINT", "KeyboardInterrupt")])
def test_a_finaliser_failing_while_stopping_prints_no_traceback(name, raised):
    run = subprocess.run([sys.executable, "-c", HALF_MADE, name], capture_output=True, text=True, timeout=30)
    assert run.stderr.strip() == f"stopped by {raised}", run.stderr


def test_sigterm_stops_cleanly_with_one_line(tmp_path):
    import signal

    article = tmp_path / "long.txt"
    article.write_text(
        "Long Title\n\n" + "\n\n".join(f"Paragraph {i} has words the engine must say, one by one." for i in range(4000)),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "audio_articles", "convert", str(article), "-o", str(tmp_path / "out.mp3"),
         "--engine", "fake", "--no-cache"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=_limits,
    )  # fmt: skip
    time.sleep(2)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the conversion finished before SIGTERM came")
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "audio-articles: terminated"
    assert "Traceback" not in stderr
    # No temporary file or lock is left. The output exists only when SIGTERM came after it
    # was complete (renamed into place): then it is whole, its chapters to the end.
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != "out.mp3") == ["long.txt"]
    if (tmp_path / "out.mp3").exists():
        from .audio_checks import ffprobe_chapters, ffprobe_format

        duration = float(ffprobe_format(tmp_path / "out.mp3")["duration"])
        assert ffprobe_chapters(tmp_path / "out.mp3")[-1]["end"] == pytest.approx(duration, abs=0.1)


def test_an_error_while_the_workers_speak_leaves_no_clip_being_written(tmp_path):
    """SIGTERM reaches only the main process; its error leaves render_clips while the
    workers are still speaking. By then no clip of this render may still be written: one
    written afterwards lands in the scratch folder being removed, which failed with
    "Directory not empty" and a traceback. The pool's other work (a batch's other
    articles, queued behind) is neither cancelled nor lost."""
    from audio_articles.model import SegmentKind, SpeechJob, Voice
    from audio_articles.speech.cache import ClipCache
    from audio_articles.speech.render import SpeechPool, render_clips

    text = "Words the fake engine takes a while to say. " * 60  # ≈ 0.3 s of work a clip
    jobs = [
        SpeechJob(index=n, kind=SegmentKind.BODY, text=f"{n} {text}", spoken=f"{n} {text}", voice=Voice(""), paragraph=n)
        for n in range(12)
    ]  # fmt: skip
    other_work = []

    with SpeechPool("fake", 2) as pool:

        def stop(clip) -> None:
            other_work.extend(pool.executor.submit(time.sleep, 0.1) for _ in range(3))
            raise KeyboardInterrupt  # as the SIGTERM handler's Terminated would

        cache = ClipCache(tmp_path / "clips")
        with pytest.raises(KeyboardInterrupt):
            render_clips(jobs, cache, "fake", 2, pool=pool, ready=stop)
        written = sorted(cache.root.rglob("*"))
        time.sleep(1.5)  # what a worker still speaking would write meanwhile
        assert sorted(cache.root.rglob("*")) == written
        assert [future.result(timeout=60) for future in other_work] == [None, None, None]
        assert len(render_clips(jobs[:3], ClipCache(tmp_path / "again"), "fake", 2, pool=pool)) == 3


@pytest.mark.parametrize("delay", [0.3, 0.4, 0.45, 0.5, 0.6])
def test_sigterm_while_a_batch_starts_its_workers_is_one_line(tmp_path, delay):
    """In its first half second a batch starts its worker pool (threads, processes) while
    it reads the articles. SIGTERM there once left a thread that could not be joined (exit
    1, a traceback) or a worker born after its queue was gone (a traceback from it)."""
    import signal

    for n in range(6):
        (tmp_path / f"a{n}.txt").write_text(f"Title {n}\n\n" + "A short paragraph to say. " * 40, encoding="utf-8")
    (tmp_path / "out").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "audio_articles", "convert", *sorted(map(str, tmp_path.glob("a*.txt"))),
         "-o", str(tmp_path / "out"), "--engine", "fake", "--jobs", "2"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=_limits,
    )  # fmt: skip
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the batch finished before SIGTERM came")
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == "audio-articles: terminated"


def test_interrupts_are_deferred_to_the_end_of_the_block():
    """Starting a pool's threads and processes is never cut short by Ctrl-C or SIGTERM:
    they are acted on as soon as it is done."""
    import signal

    from audio_articles.process import Terminated
    from audio_articles.signals import interrupts_deferred

    def terminate(number, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    reached = []
    try:
        for number, raised in ((signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)):
            with pytest.raises(raised):
                with interrupts_deferred():
                    signal.raise_signal(number)
                    reached.append(number)  # not cut short
            assert signal.getsignal(signal.SIGTERM) is terminate
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert reached == [signal.SIGINT, signal.SIGTERM]


def test_a_pool_whose_start_was_cut_short_still_closes_and_starts_nothing_late(monkeypatch):
    """Ctrl-C inside ``Thread.start`` leaves a thread not yet started: closing the pool must
    not fail on it, and the thread, when it does run, must not start workers any more."""
    import threading

    from audio_articles.speech.render import SpeechPool

    cut_short = []

    def interrupted(thread):
        cut_short.append(thread)
        raise KeyboardInterrupt

    pool = SpeechPool("fake", 2)
    monkeypatch.setattr(threading.Thread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pool.warm()
    monkeypatch.undo()
    pool.close()  # did raise "cannot join thread before it is started"
    (late,) = cut_short
    late.start()  # the thread starting after all
    late.join()
    assert pool._executor is None


# 11. --jobs is capped at what helps.


def test_jobs_are_capped_at_the_cores():
    from audio_articles.cli_args import capped_jobs, usable_cores

    assert capped_jobs(100) == usable_cores() and capped_jobs(1) == 1
    run = run_bounded("convert", "--help")
    assert "capped" in " ".join(run.stdout.split())


# 10. Covers, bitrates and a full disk are caught early and named.


def _png(width: int, height: int, idat: bytes = b"", end: bool = True) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + (chunk(b"IDAT", idat) if idat else b"") + (chunk(b"IEND", b"") if end else b"")


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\x89PNG\r\n\x1a\n", ["not a whole PNG"]),
        (_png(100_000, 100_000, __import__("zlib").compress(bytes(1 << 20), 9)), ["100000×100000", "refused"]),
        (_png(1400, 1400), ["not a whole PNG", "no image data"]),
        (_png(1400, 1400, b"x", end=False), ["not a whole PNG", "cut short"]),
        (b"\xff\xd8\xff\xe0" + bytes(20), ["not a whole JPEG"]),
        (b"GIF89a....", ["not a JPEG or PNG"]),
    ],
    ids=["header-only", "bomb", "no-idat", "no-iend", "jpeg-header", "gif"],
)
def test_a_bad_cover_fails_before_any_rendering(tmp_path, data, words):
    cover = tmp_path / "cover.png"
    cover.write_bytes(data)
    started = time.monotonic()
    run = run_bounded("convert", str(ARTICLE), "-o", str(tmp_path / "x.mp3"), "--cover", str(cover), "--engine", "fake")
    assert_one_line_error(run, 2, "cover", *words)
    assert time.monotonic() - started < 30
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cover.png"]


def test_opus_bitrate_is_checked_before_rendering(tmp_path):
    run = run_bounded("convert", str(ARTICLE), "-o", str(tmp_path / "x.opus"), "--bitrate", "320", "--engine", "fake")
    assert_one_line_error(run, 2, "--bitrate 320", "Opus", "256")


@pytest.mark.parametrize("suffix", [".wav", ".opus", ".m4b", ".m4a"])
def test_a_full_disk_says_disk_full_for_every_format(tiny_disk, suffix):
    # ffmpeg exits 0 when it cannot write an MP4's index: that file must not pass either.
    run = run_bounded(
        "convert", str(ARTICLE), "-o", str(tiny_disk / f"story{suffix}"), "--engine", "fake", "--no-cache",
        "--bitrate", "256",
    )  # fmt: skip
    assert_one_line_error(run, 4, "disk full")
    assert list(tiny_disk.iterdir()) == []


def test_an_encoder_stopping_with_samples_still_buffered_is_reported_by_what_it_said():
    """ffmpeg stopping on a full disk while samples were still buffered for it: its own
    message decides the error. A full run once said "cannot write …: Broken pipe": the
    buffered samples failed again when the pipe was closed on the way out."""
    from audio_articles.audio.encode import run_ffmpeg
    from audio_articles.errors import OutputError

    command = ["sh", "-c", "echo 'story.opus: No space left on device' >&2; exit 1", "story.opus"]
    with pytest.raises(OutputError, match="disk full while writing the Opus"):
        run_ffmpeg(command, (b"\0" * 100 for _ in range(100_000)), "the Opus")


# 5. A full disk under the clip cache: one warning, and the run goes on without it.


@pytest.mark.parametrize("article_lines", [1, 300], ids=["in-process", "worker-pool"])
def test_a_full_cache_disk_warns_once_and_goes_on(tiny_disk, tmp_path, article_lines):
    article = tmp_path / "story.txt"
    article.write_text(
        "A Title\n\n" + "\n\n".join(f"Paragraph {i}: words to say, and more words to say." for i in range(article_lines))
        if article_lines > 1 else ARTICLE.read_text(encoding="utf-8"),
        encoding="utf-8",
    )  # fmt: skip
    output = tmp_path / "story.mp3"
    run = run_bounded(
        "convert", str(article), "-o", str(output), "--engine", "fake", "-j", "2",
        env={**os.environ, "AUDIO_ARTICLES_CACHE": str(tiny_disk / "cache")}, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "no space left for the clip cache" in warnings[0], run.stderr
    assert "Traceback" not in run.stderr
    assert output.stat().st_size > 10_000


# 12. Smaller: feeds skip a bad article, one file is one episode, titles stay one line.


def test_a_feed_skips_a_bad_article_dedupes_links_and_keeps_titles_clean(tmp_path):
    source = tmp_path / "articles"
    source.mkdir()
    (source / "good.txt").write_bytes(ARTICLE.read_bytes())
    (source / "link.txt").symlink_to(source / "good.txt")
    (source / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (source / "esc.md").write_text('---\ntitle: "Red \\e[31m alert\\a\\nline two"\n---\n\nBody words here.\n', encoding="utf-8")
    feed = tmp_path / "feed"
    run = run_bounded(
        "feed", str(source), "-o", str(feed), "--title", "T", "--base-url", "https://example.org/p", "--engine", "fake",
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    lines = run.stderr.splitlines()
    assert [line for line in lines if line.startswith("audio-articles: error:")] == [
        f"audio-articles: error: {source / 'bad.txt'} looks like a binary file, not text; give a .txt or .md article (skipped)"
    ]
    assert "rendering 1/2: Red [31m alert line two" in lines  # one line, no ESC, BEL or newline
    assert lines[-1].endswith("2 episodes (2 rendered, 1 skipped)")
    assert run.stdout.strip() == "https://example.org/p/feed.xml"
    mp3s = sorted(path.name for path in (feed / "episodes").glob("*.mp3"))
    assert len(mp3s) == 2  # good.txt and link.txt are one article
    for name in ("index.html", "feed.xml"):
        page = (feed / name).read_text(encoding="utf-8")
        assert "\x1b" not in page and "\x07" not in page and "Red [31m alert line two" in page


@pytest.mark.parametrize(
    "url",
    ["example.org/pod", "https://", "https://[::1", "https://exa mple.org", "https://x.org:99999/p",
     "https://user:pw@x.org/p", "https://x.org/p?x=1", "https://x.org/p#top", "https://x.org/<b>", "javascript:alert(1)"],
)  # fmt: skip
def test_a_base_url_that_is_not_a_plain_url_is_refused(tmp_path, url):
    run = run_bounded("feed", str(ARTICLE), "-o", str(tmp_path / "feed"), "--title", "T", "--base-url", url, "--engine", "fake")
    assert_one_line_error(run, 2, "--base-url")
    assert not (tmp_path / "feed").exists()


def test_batch_warnings_keep_their_prefix(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Caf\xe9 Title\n\nSome caf\xe9 words here.\n")
    (tmp_path / "b.txt").write_bytes(b"Other Title\n\nMore words here.\n")
    run = run_bounded("convert", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(tmp_path), "--engine", "fake", "-j", "2")
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "Windows-1252" in line]
    assert warnings and all(line.startswith("audio-articles: warning: ") for line in warnings), run.stderr


def test_utf16_without_a_bom_is_named(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes("Title\n\nWords of the article.\n".encode("utf-16-be"))
    with pytest.raises(InputError, match="looks like UTF-16 text without a byte-order mark"):
        read_article_text(path)
