"""Rendering on a Dask cluster: a real LocalCluster of two worker processes on loopback,
compared with the local run; a worker killed mid-run; workers lacking programs; Dask absent."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import feedparser  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from audio_articles.run.batch import BatchItem, convert_many  # noqa: E402
from audio_articles.cli import app  # noqa: E402
from audio_articles.convert import Options  # noqa: E402
from audio_articles.errors import EngineError, InputError, MissingToolError  # noqa: E402
from audio_articles.run.executors import ExecutorChoice, check_workers, open_executor, parse_executor  # noqa: E402
from audio_articles.feed import build_feed  # noqa: E402
from audio_articles.feed.settings import SettingsChange  # noqa: E402

from .audio_checks import ffprobe_chapters, ffprobe_format  # noqa: E402
from .feed_helpers import BASE_URL, FIRST_SEEN, write_articles  # noqa: E402

TOPICS = ["bridge", "orchard", "museum", "river", "bakery", "stadium"]


def write_many(folder: Path, count: int = len(TOPICS)) -> Path:
    """Short articles, each with a quotation and three paragraphs (written for these tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, topic in enumerate(TOPICS[:count]):
        (folder / f"{topic}.txt").write_text(
            f"The {topic.title()} Opens Its Doors Again\n\n"
            f"After {number + 2} years of work the {topic} welcomed its first visitors on Saturday morning.\n\n"
            f"“We waited a long time for this day, and the whole street came out,” said a neighbour.\n\n"
            f"The council will publish the final cost of the {topic} in the spring report.\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(scope="module")
def worker_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-cache")


@pytest.fixture(scope="module")
def cluster(worker_cache):
    """A LocalCluster of two worker processes (loopback only, no dashboard) with their own
    clip cache, shared by the tests of this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUDIO_ARTICLES_CACHE", str(worker_cache))
        with open_executor(ExecutorChoice("dask-local"), 2, "fake") as running:
            yield running


def feed_settings() -> SettingsChange:
    return SettingsChange(title="Harbour Archive", base_url=BASE_URL)


def copy_identity(reference: Path, folder: Path) -> None:
    """The feed's id (random when a folder is created) decides the guids: share it (and the
    cover its settings name)."""
    folder.mkdir(parents=True)
    for name in ("feed.toml", "title-cover.png"):
        shutil.copy(reference / name, folder / name)


def assert_same_feed(local: Path, remote: Path, tolerance_ms: int, same_bytes: bool = True) -> None:
    """Same feed.xml bytes, same chapters, same files; audio durations within tolerance."""
    if same_bytes:
        assert (remote / "feed.xml").read_bytes() == (local / "feed.xml").read_bytes()
        assert (remote / "index.html").read_bytes() == (local / "index.html").read_bytes()
    names = sorted(p.name for p in (local / "episodes").iterdir())
    assert sorted(p.name for p in (remote / "episodes").iterdir()) == names
    for name in names:
        if name.endswith(".mp3"):
            ours, theirs = ffprobe_chapters(remote / "episodes" / name), ffprobe_chapters(local / "episodes" / name)
            assert [c["title"] for c in ours] == [c["title"] for c in theirs] and len(ours) > 1
            for a, b in zip(ours, theirs):
                assert abs(a["start"] - b["start"]) * 1000 <= tolerance_ms
            duration = float(ffprobe_format(remote / "episodes" / name)["duration"])
            assert abs(duration - float(ffprobe_format(local / "episodes" / name)["duration"])) * 1000 <= tolerance_ms
    parsed = feedparser.parse((remote / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert not list(remote.rglob("*.part*"))


def test_feed_on_a_local_cluster_matches_the_local_run(cluster, tmp_path):
    articles = write_many(tmp_path / "articles", 4)
    options = Options(engine="fake", workers=2)
    local = build_feed([articles], tmp_path / "local", feed_settings(), options, now=FIRST_SEEN)
    copy_identity(tmp_path / "local", tmp_path / "remote")
    remote = build_feed([articles], tmp_path / "remote", feed_settings(), options, now=FIRST_SEEN, executor=cluster)

    assert sorted(remote.rendered) == sorted(local.rendered) and len(remote.rendered) == 4
    assert remote.episodes == local.episodes  # guids, slugs, dates, durations, chapters
    # The fake engine is exact: every file the workers made is the local run's, byte for byte.
    for path in (tmp_path / "local" / "episodes").iterdir():
        assert (tmp_path / "remote" / "episodes" / path.name).read_bytes() == path.read_bytes()
    assert_same_feed(tmp_path / "local", tmp_path / "remote", tolerance_ms=0)

    again = build_feed([articles], tmp_path / "remote", feed_settings(), options, now=FIRST_SEEN, executor=cluster)
    assert again.rendered == () and not again.feed_changed  # nothing new: nothing sent to the workers


@pytest.mark.engine
def test_real_engine_feed_on_a_cluster_matches_the_local_run(cluster, worker_cache, tmp_path, monkeypatch):
    articles = write_articles(tmp_path / "articles")
    options = Options(engine="pyttsx3", workers=1)
    remote = build_feed([articles], tmp_path / "remote", feed_settings(), options, now=FIRST_SEEN, executor=cluster)
    assert len(remote.rendered) == 3 and remote.episodes[0].duration_ms > 3000

    # A local run with fresh clips: every clip is espeak-ng's fresh-start render, so the
    # files (named by the hash of their audio) and the feed are the same bytes.
    copy_identity(tmp_path / "remote", tmp_path / "fresh")
    build_feed([articles], tmp_path / "fresh", feed_settings(), options, now=FIRST_SEEN)
    assert_same_feed(tmp_path / "fresh", tmp_path / "remote", tolerance_ms=0)

    # A local run reading the workers' clip cache: the same clips make the same bytes.
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE", str(worker_cache))
    copy_identity(tmp_path / "remote", tmp_path / "cached")
    build_feed([articles], tmp_path / "cached", feed_settings(), options, now=FIRST_SEEN)
    assert_same_feed(tmp_path / "cached", tmp_path / "remote", tolerance_ms=0)
    for path in (tmp_path / "cached" / "episodes").iterdir():
        assert (tmp_path / "remote" / "episodes" / path.name).read_bytes() == path.read_bytes()


def test_batch_convert_on_a_cluster_writes_every_article_once(cluster, tmp_path):
    articles = write_many(tmp_path / "articles", 3)
    (articles / "empty.txt").write_text("   \n", encoding="utf-8")
    items = [BatchItem(path, tmp_path / "out" / f"{path.stem}.mp3") for path in sorted(articles.iterdir())]
    (tmp_path / "out").mkdir()
    seen = []
    result = convert_many(items, Options(engine="fake", workers=2), on_result=seen.append, executor=cluster)

    assert len(result.converted) == 3 and len(seen) == 4
    assert [failure.source.name for failure in result.failed] == ["empty.txt"] and result.exit_code == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bridge.mp3", "museum.mp3", "orchard.mp3"]
    for converted in result.converted:
        chapters = ffprobe_chapters(converted.output)
        assert [c["title"] for c in chapters] == [c.title for c in converted.timeline.chapters]


def test_a_worker_killed_mid_run_leaves_a_complete_feed(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE", str(tmp_path / "worker-cache"))
    articles = write_many(tmp_path / "articles")
    options = Options(engine="fake", workers=2)
    build_feed([articles], tmp_path / "local", feed_settings(), options, now=FIRST_SEEN)
    copy_identity(tmp_path / "local", tmp_path / "remote")
    killed: list[str] = []

    with open_executor(ExecutorChoice("dask-local"), 2, "fake") as running:
        client = running.client

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy:
                    killed.append(busy[0])
                    client.run(os._exit, 1, workers=[busy[0]], on_error="ignore")
                time.sleep(0.05)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        result = build_feed([articles], tmp_path / "remote", feed_settings(), options, now=FIRST_SEEN, executor=running)
        killer.join()
        assert killed and killed[0] not in client.scheduler_info()["workers"]  # that worker really went

    assert len(result.rendered) == len(TOPICS) == len(set(result.rendered))
    assert_same_feed(tmp_path / "local", tmp_path / "remote", tolerance_ms=0)


def test_a_worker_without_ffmpeg_is_named(cluster):
    def set_path(value: str) -> str:  # defined here, so it is sent by value and runs there
        import os

        old, os.environ["PATH"] = os.environ["PATH"], value
        return old

    # Where espeak-ng is installed here, the worker is checked for it too (make test-fast
    # runs without it).
    engine, lacks = ("pyttsx3", "ffmpeg and espeak-ng") if shutil.which("espeak-ng") else ("fake", "ffmpeg")
    client = cluster.client
    lacking = sorted(client.scheduler_info()["workers"])[0]
    old_path = client.run(set_path, "/nonexistent", workers=[lacking])[lacking]
    try:
        with pytest.raises(MissingToolError) as caught:
            check_workers(client, engine, cluster.where)
    finally:
        client.run(set_path, old_path, workers=[lacking])
    message = str(caught.value)
    assert f"{lacking} lacks {lacks};" in message and message.count("lacks") == 1
    check_workers(client, "fake", cluster.where)  # PATH restored: every worker passes again


def test_executor_values():
    assert parse_executor("local") == ExecutorChoice("local")
    assert parse_executor("dask://127.0.0.1:8786") == ExecutorChoice("dask", "tcp://127.0.0.1:8786")
    for bad in ("dask", "dask://host", "dask://host:99999", "spark://x:1"):
        with pytest.raises(InputError, match="dask://HOST:PORT"):
            parse_executor(bad)


def test_cli_without_dask_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    articles = write_many(tmp_path / "articles", 2)
    runner = CliRunner()
    result = runner.invoke(app, ["feed", str(articles), "-o", str(tmp_path / "feed"), "--title", "T",
                                 "--base-url", BASE_URL, "--engine", "fake", "--executor", "dask-local"])
    assert result.exit_code == 3
    assert "pip install 'audio-articles[dask]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "feed" / "feed.xml").exists()


def test_cli_bad_executor_is_a_usage_error(tmp_path):
    articles = write_many(tmp_path / "articles", 1)
    result = CliRunner().invoke(app, ["convert", str(articles), "-o", str(tmp_path / "out"), "--engine", "fake",
                                      "--executor", "spark://x"])
    assert result.exit_code == 2 and "--executor 'spark://x' is not understood" in result.stderr


def test_cli_convert_on_a_local_cluster(tmp_path):
    articles = write_many(tmp_path / "articles", 2)
    result = CliRunner().invoke(app, ["convert", str(articles), "-o", str(tmp_path / "out"), "--engine", "fake",
                                      "--executor", "dask-local", "-j", "2"])
    assert result.exit_code == 0, result.stderr
    assert "rendering on a local Dask cluster of 2 processes" in result.stderr
    assert "2 of 2 articles converted" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bridge.mp3", "orchard.mp3"]


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr("audio_articles.run.executors.CONNECT_TIMEOUT_S", 1)
    with pytest.raises(EngineError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9 "):
        with open_executor(parse_executor("dask://127.0.0.1:9"), 1, "fake"):
            pass


@pytest.mark.filterwarnings("ignore:Port .* is already in use")  # its health check moves to a free port
def test_a_scheduler_without_workers_says_how_to_start_one(monkeypatch):
    monkeypatch.setattr("audio_articles.run.executors.WORKER_WAIT_S", 1)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None, processes=True) as empty:
        with pytest.raises(EngineError, match="no worker joined .* start workers with: dask worker tcp://127.0.0.1"):
            with open_executor(parse_executor(empty.scheduler_address.replace("tcp://", "dask://")), 1, "fake"):
                pass


def test_the_local_process_pool_runs_the_same_rendering_unit(tmp_path):
    articles = write_many(tmp_path / "articles", 2)
    items = [BatchItem(path, tmp_path / "out" / f"{path.stem}.mp3") for path in sorted(articles.iterdir())]
    (tmp_path / "out").mkdir()
    with open_executor(ExecutorChoice("local"), 2, "fake") as running:
        assert running.where == "2 processes here" and running.client is None
        pooled = convert_many(items, Options(engine="fake", workers=2), executor=running)
    here = [BatchItem(item.source, tmp_path / f"{item.source.stem}.mp3") for item in items]
    serial = convert_many(here, Options(engine="fake", workers=1))
    assert len(pooled.converted) == len(serial.converted) == 2 and not pooled.failed and not serial.failed
    for item, other in zip(items, here):
        assert item.output.read_bytes() == other.output.read_bytes()


def test_only_a_window_of_articles_is_in_flight(tmp_path):
    """A big archive is sent a few articles ahead of what is written, not all at once."""
    from concurrent.futures import ThreadPoolExecutor

    from audio_articles.run.executors import RenderExecutor

    articles = write_many(tmp_path / "articles")
    items = [BatchItem(path, tmp_path / "out" / f"{path.stem}.mp3") for path in sorted(articles.iterdir())]
    (tmp_path / "out").mkdir()
    in_flight, most = [0], [0]

    class Counting(ThreadPoolExecutor):
        def submit(self, *args, **kwargs):
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            return super().submit(*args, **kwargs)

    def written(_outcome) -> None:
        in_flight[0] -= 1

    with Counting(2) as threads:
        running = RenderExecutor(threads, "two threads", (), local_slots=1)
        assert running.window() == 4
        result = convert_many(items, Options(engine="fake", workers=1), on_result=written, executor=running)
    assert len(result.converted) == len(TOPICS) and most[0] == 4
