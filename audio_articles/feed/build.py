"""Build or update a feed folder from article files, rendering only what changed.

One run, under the folder's lock: read the settings and the state, parse every article,
render the new and edited ones, drop removed ones only with ``prune``, then write feed.xml
and index.html, then delete the files they no longer name.

The feed and its files change together, as a set: an episode's new render is published
under new names (``slug.<hash of the audio>.mp3``, with its ``.chapters.json`` and
``.vtt``), never over the files the current feed.xml names, and the state is saved after
each episode; feed.xml (then index.html) is replaced in one rename once every episode is
written; only then are the files it no longer names deleted. So at every instant the
feed's enclosure lengths and durations are those of the files on disk, whenever the run
is killed; the next run publishes what the killed one finished and removes its leftovers.
The guid and slug of an episode never change; its enclosure URL does when it is rendered
anew, which podcast apps expect (they know an episode by its guid).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..audio.chapters import ChapterInfo, chapters_json, webvtt
from ..convert import Options, output_suffix, render_article, speech_profile
from ..errors import AudioArticlesError, InputError, MissingToolError, OutputError
from ..files import atomic_output, is_article_file
from ..sources import parse_source, read_source
from ..model import Article
from ..speech.voices import Profile, load_profile
from .cover import default_cover, install_cover, read_cover
from .dates import parse_date
from .rss import EPISODES_FOLDER, episode_url, feed_xml
from .settings import FeedSettings, SettingsChange, load_settings, merge_settings, save_settings
from .site import index_html
from .slugs import unique_slug
from .state import Episode, load_state, newest_first, save_state

log = logging.getLogger(__name__)

FEED_FILE = "feed.xml"
INDEX_FILE = "index.html"
LOCK_FILE = ".feed.lock"
RENDER_VERSION = "1"
"""Part of every episode's hash: bump it when the rendering changes, to re-render all."""

EpisodeProgress = Callable[[int, int, str], None]
"""Called as progress(done, total, title) before each episode is rendered."""
SkipCallback = Callable[[AudioArticlesError], None]
"""Called with the error of each article left out of the run."""
FATAL = (OutputError, MissingToolError)
"""Errors that stop a whole feed run (a full disk, no ffmpeg); any other error of one
article skips that article, and the run goes on with the others."""


@dataclass(frozen=True)
class FeedResult:
    """What a run did."""

    folder: Path
    settings: FeedSettings
    episodes: tuple[Episode, ...]
    """Every episode now in the feed, newest first."""
    rendered: tuple[str, ...]
    """Slugs of the episodes rendered by this run (new or edited)."""
    pruned: tuple[str, ...]
    """Slugs removed because their article is gone and ``prune`` was asked."""
    orphaned: tuple[str, ...]
    """Slugs whose article was not given this run but which stay in the feed."""
    feed_changed: bool
    """False when feed.xml was already exactly what this run would write."""
    skipped: tuple[AudioArticlesError, ...] = ()
    """Articles left out of this run (unreadable, or failed to render), each error naming
    its article; an episode rendered before stays as it was."""

    @property
    def exit_code(self) -> int:
        """0, or the first skipped article's error's code: the run did not do everything."""
        return self.skipped[0].exit_code if self.skipped else 0


@dataclass(frozen=True)
class Source:
    """An article file found among the sources, read and parsed."""

    path: Path
    """The article file; for a URL, the list that named it (a lexicon beside it applies)."""
    key: str
    text_hash: str
    article: Article
    label: str | None = None
    """What messages call it when that is not ``path`` (a URL)."""

    @property
    def name(self) -> str:
        return self.label or str(self.path)


def find_article_files(sources: Sequence[Path]) -> list[Path]:
    """Article files named directly or found in the given folders (recursively, in name order)."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found += sorted(
                path
                for path in source.rglob("*")
                if path.is_file()
                and is_article_file(path)
                and not any(part.startswith(".") for part in path.relative_to(source).parts)
            )
        elif source.exists():
            found.append(source)
        else:
            raise InputError(f"{source}: no such file or folder")
    if not found:
        shown = ", ".join(str(source) for source in sources)
        raise InputError(f"no articles (.txt, .md, .html) in {shown}; give article files or folders of them")
    return found


def read_sources(
    paths: Sequence[Path], max_bytes: int, skip: Callable[[AudioArticlesError, str], None] | None = None
) -> list[Source]:
    """Read and parse every article before rendering any, so bad input fails early.

    One file reached twice (by its own path and by a symbolic link, or through two
    folders) is one article, under the first name it was found by. With ``skip``, an
    unreadable article is handed to it and left out; without, its error is raised.
    """
    sources: dict[str, Source] = {}
    real_paths: dict[Path, Path] = {}
    for path in paths:
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a symbolic-link loop: reading it names it
            real = path.absolute()
        if real in real_paths:
            if real_paths[real] != path:
                log.info("%s is %s (a link to it, or the same file again): one episode", path, real_paths[real])
            continue
        key = path.name
        if key in sources:
            raise InputError(
                f"two articles are named {key} ({sources[key].path} and {path}); "
                "episodes are identified by file name, so rename one"
            )
        real_paths[real] = path
        try:
            read = read_source(path, max_bytes=max_bytes)
            sources[key] = _parsed(read, path, key)
        except AudioArticlesError as error:
            if skip is None or isinstance(error, FATAL):
                raise
            skip(error if str(path) in str(error) else error.about(path), key)
    return list(sources.values())


def read_url_sources(
    urls: Sequence[str],
    url_list: Path,
    max_bytes: int,
    offline: bool = False,
    skip: Callable[[AudioArticlesError, str], None] | None = None,
) -> list[Source]:
    """Fetch (or take from the page cache) and parse every URL of ``--urls``; each URL is
    its episode's key, so an edited page is rendered again and a moved one is a new episode.
    With ``skip``, a URL that fails is handed to it and left out."""
    found = []
    for url in urls:
        try:
            found.append(_parsed(read_source(url, max_bytes=max_bytes, offline=offline), url_list, url, url))
        except AudioArticlesError as error:
            if skip is None or isinstance(error, FATAL):
                raise
            skip(error if url in str(error) else error.about(url), url)
    return found


def _parsed(read, path: Path, key: str, label: str | None = None) -> Source:
    digest = hashlib.sha256(read.text.encode("utf-8")).hexdigest()
    article = parse_source(read)
    if next(article.segments(), None) is None:
        raise InputError(f"{label or path} has nothing left to say once clutter is removed; fix it or leave it out")
    return Source(path, key, digest, article, label)


def render_signature(profile: Profile, options: Options) -> str:
    """What besides the text decides an episode's file; part of its hash."""
    return f"{RENDER_VERSION}:{options.production.signature(profile)}"


def episode_guid(settings: FeedSettings, key: str) -> str:
    """A guid from the feed's own id and the article's file name: stable, unique, opaque."""
    return str(uuid.uuid5(uuid.UUID(settings.id), key))


@contextlib.contextmanager
def feed_lock(folder: Path, on_wait: Callable[[], None] | None, timeout: float | None) -> Iterator[None]:
    """Hold the feed folder's lock; a second run waits (telling ``on_wait``) for the first."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(folder / LOCK_FILE))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            lock.acquire(timeout=-1 if timeout is None else timeout)
    except Timeout:
        raise OutputError(
            f"another run is still updating {folder}; try again when it has finished"
        ) from None
    except OSError as err:
        raise OutputError(f"cannot lock {folder}: {err.strerror}; check the folder's permissions") from None
    try:
        yield
    finally:
        lock.release()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` atomically unless it already holds exactly ``data``."""
    if path.exists() and path.read_bytes() == data:
        return False
    with atomic_output(path) as temp:
        temp.write_bytes(data)
    return True


def remove_leftovers(folder: Path) -> None:
    """Temporary files of an interrupted run (safe: we hold the lock)."""
    for pattern in (".*.part*", f"{EPISODES_FOLDER}/.*.part*", f"{EPISODES_FOLDER}/.*.staged.*"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


VERSION_CHARS = 10
"""Hex digits of the audio's hash in an episode's file names."""
EPISODE_FILE = re.compile(r"^([a-z0-9][a-z0-9-]*)(?:\.[0-9a-f]{%d})?(?:\.chapters\.json|\.vtt|\.[a-z0-9]+)$" % VERSION_CHARS)
"""An episode's file: slug, version (optional), then what it is. (Slugs have no dots.)"""


def remove_unlisted(folder: Path, slugs: set[str], episodes: Sequence[Episode]) -> None:
    """Delete the files of the episodes ``slugs`` that no episode names any more: earlier
    renders, pruned episodes, renders a killed run finished but never published. Runs only
    once feed.xml and index.html name the current files."""
    named = {name for episode in episodes for name in episode.file_names}
    for path in (folder / EPISODES_FOLDER).iterdir():
        match = EPISODE_FILE.match(path.name)
        if match and match.group(1) in slugs and path.name not in named:
            path.unlink(missing_ok=True)


def build_feed(
    sources: Sequence[str | Path],
    folder: str | Path,
    change: SettingsChange = SettingsChange(),
    options: Options | None = None,
    *,
    prune: bool = False,
    now: datetime | None = None,
    progress: EpisodeProgress | None = None,
    on_wait: Callable[[], None] | None = None,
    lock_timeout: float | None = None,
    executor=None,
    urls: Sequence[str] = (),
    url_list: Path | None = None,
    on_skip: SkipCallback | None = None,
) -> FeedResult:
    """Create or update the feed folder ``folder`` from article files and folders.

    ``change`` holds settings given for this run (None keeps the saved ones); ``now`` is
    the first-seen date for new articles without a date of their own (default: now).
    With an open ``executors.RenderExecutor`` (``--executor dask…``), every new or edited
    episode is rendered on its workers at once and written here, in the same order.

    An article that cannot be read or rendered is skipped (``on_skip`` hears its error,
    else it is logged) and the others go on; ``FeedResult.skipped`` lists them. Only a
    full disk or a missing program stops the run, and bad input when nothing is left.
    """
    options = options or Options()
    folder = Path(folder)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)  # one first-seen time per run
    skipped: list[AudioArticlesError] = []
    skipped_keys: set[str] = set()

    def skip(error: AudioArticlesError, key: str) -> None:
        skipped.append(error)
        skipped_keys.add(key)
        if on_skip is not None:
            on_skip(error)
        else:
            log.warning("skipped: %s", error)

    # Bad input is found before the folder is created or anything is written.
    found = read_sources(find_article_files([Path(source) for source in sources]), options.max_bytes, skip) if sources or not urls else []
    found += read_url_sources(urls, url_list or Path("urls.txt"), options.max_bytes, options.offline, skip)
    if skipped and not found:
        raise skipped[0]  # nothing left to build
    settings = merge_settings(load_settings(folder) if folder.is_dir() else None, replace(change, image=None))
    base_profile = options.profile or load_profile(settings.voices or options.voices)
    # Each article is voiced with the lexicon beside it (lexicon.txt), as convert does.
    production = replace(options.production, profile=base_profile)
    profiles = {source.key: speech_profile(source.path, production) for source in found}
    cover = read_cover(Path(change.image)) if change.image else None
    try:
        (folder / EPISODES_FOLDER).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create {folder}: {err.strerror}; choose another output folder") from None
    with feed_lock(folder, on_wait, lock_timeout):
        remove_leftovers(folder)
        settings = merge_settings(load_settings(folder), replace(change, image=None))  # may have changed meanwhile
        image = install_cover(cover, folder) if cover else default_cover(folder, settings.title, settings.image)
        if not (folder / image).is_file():
            raise InputError(f"the feed's cover {folder / image} is missing; give it again with --image FILE")
        settings = replace(settings, image=image)
        save_settings(folder, settings)

        episodes = load_state(folder)
        # Each MP3 carries the podcast's title as its album, the cover as its picture, genre Podcast.
        options = options.replace(album=settings.title, cover=folder / settings.image, genre=options.genre or "Podcast")
        signatures = {key: render_signature(profile, options) for key, profile in profiles.items()}
        stale = [
            source
            for source in found
            if (old := episodes.get(source.key)) is None
            or old.source_hash != _episode_hash(source, signatures[source.key])
            or not all((folder / EPISODES_FOLDER / name).exists() for name in old.file_names)
        ]
        rendered = []
        slugs = {episode.slug for episode in episodes.values()}  # whose leftovers may be removed
        renderers = {}
        if executor is not None and stale:
            from ..run.remote import episode_renderers

            articles = {source.key: (source.article, profiles[source.key]) for source in stale}
            renderers = episode_renderers(executor, articles, options)
        for done, source in enumerate(stale):
            if progress:
                progress(done, len(stale), source.article.title)
            render = renderers.get(source.key, render_article)
            try:
                episode = _render_episode(
                    source, episodes, folder, settings, profiles[source.key], options, signatures[source.key], now, render
                )
            except AudioArticlesError as error:
                if isinstance(error, FATAL):
                    raise
                skip(error, source.key)  # its earlier episode, if any, stays as it was
                continue
            slugs.add(episode.slug)
            episodes[source.key] = episode
            save_state(folder, episodes)
            rendered.append(episode.slug)

        given = {source.key for source in found} | skipped_keys  # a skipped article is not gone
        gone = [episode for key, episode in sorted(episodes.items()) if key not in given]
        if prune:
            for episode in gone:
                del episodes[episode.key]
        save_state(folder, episodes)
        published, feed_changed = publish(folder, settings, list(episodes.values()))
        # Only now that feed.xml names the new files: the old ones, and pruned episodes'.
        remove_unlisted(folder, slugs, list(episodes.values()))
    return FeedResult(
        folder=folder,
        settings=settings,
        episodes=tuple(published),
        rendered=tuple(rendered),
        pruned=tuple(episode.slug for episode in gone) if prune else (),
        orphaned=() if prune else tuple(episode.slug for episode in gone),
        feed_changed=feed_changed,
        skipped=tuple(skipped),
    )


def publish(folder: Path, settings: FeedSettings, episodes: list[Episode]) -> tuple[list[Episode], bool]:
    """Write feed.xml and index.html; returns the episodes listed and whether the feed changed.

    An episode whose MP3 was deleted by hand and whose article is not among the sources
    cannot be rendered again: it is left out (with a warning) rather than listed broken.
    """
    sizes = {}
    for episode in episodes:
        try:
            sizes[episode.slug] = (folder / EPISODES_FOLDER / episode.audio_name).stat().st_size
        except FileNotFoundError:
            log.warning("%s is missing; give its article again to restore the episode", episode.audio_name)
    listed = newest_first([episode for episode in episodes if episode.slug in sizes])
    feed_changed = write_if_changed(folder / FEED_FILE, feed_xml(settings, listed, sizes))
    write_if_changed(folder / INDEX_FILE, index_html(settings, listed).encode("utf-8"))
    return listed, feed_changed


def _episode_hash(source: Source, signature: str) -> str:
    return hashlib.sha256(f"{signature}\n{source.text_hash}".encode()).hexdigest()


def _render_episode(
    source: Source,
    episodes: dict[str, Episode],
    folder: Path,
    settings: FeedSettings,
    profile: Profile,
    options: Options,
    signature: str,
    now: datetime,
    render: Callable = render_article,
) -> Episode:
    """Render one article's MP3, chapters and transcript; keep guid, slug and date if known.

    ``render`` has ``render_article``'s signature (another one collects from remote workers).
    """
    article = source.article
    old = episodes.get(source.key)
    if old:
        guid, slug, published = old.guid, old.slug, old.published
    else:
        guid = episode_guid(settings, source.key)
        slug = unique_slug(article.title, guid, {episode.slug for episode in episodes.values()})
        moment = parse_date(article.date) or now
        published = moment.replace(microsecond=0).isoformat()
    episode_dir = folder / EPISODES_FOLDER
    suffix = output_suffix(options.production)
    staged = episode_dir / f".{slug}.staged{suffix}"  # a leftover of a killed run is removed
    try:
        result = render(article, staged, profile, options)
    except AudioArticlesError as error:
        raise error.about(source.name) from None  # say which article failed
    # Published under a name of its own, never over a file the current feed.xml names.
    version = _file_hash(staged)[:VERSION_CHARS]
    names = replace(_NAMES, slug=slug, version=version, audio_suffix=suffix)
    os.replace(staged, episode_dir / names.audio_name)
    author = article.author or settings.author
    info = ChapterInfo(
        title=article.title,
        podcast_name=settings.title,
        author=author,
        file_name=episode_url(settings, names.audio_name),
    )
    with atomic_output(episode_dir / names.chapters_name) as temp:
        temp.write_text(chapters_json(result.timeline, info), encoding="utf-8")
    with atomic_output(episode_dir / names.transcript_name) as temp:
        temp.write_text(webvtt(result.timeline), encoding="utf-8")
    log.info("rendered %s (%s)", slug, source.name)
    return Episode(
        key=source.key,
        guid=guid,
        slug=slug,
        published=published,
        source_hash=_episode_hash(source, signature),
        title=article.title,
        description=article.first_paragraph(),
        duration_ms=result.timeline.duration_ms,
        chapters=result.timeline.chapters,
        author=author,
        language=article.language,
        audio_suffix=suffix,
        version=version,
    )


_NAMES = Episode(key="", guid="", slug="", published="", source_hash="", title="", description="", duration_ms=0, chapters=())
"""A blank episode, whose file names ``replace`` fills in."""


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
