"""The command line: thin wrappers that parse options, call the library and print.

Heavy modules (pydub, mutagen, the engine) are imported inside the commands, so
``--help`` stays instant. Errors become one line on stderr and a documented exit code.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import AudioArticlesError

app = typer.Typer(
    name="audio-articles",
    help="Turn written articles into listenable audio, offline: MP3s with chapter markers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_CODES = {
    0: "success",
    1: "rendering or encoding failed",
    2: "bad input or usage (missing, empty or binary file, bad option, bad voice profile)",
    3: "a required program (ffmpeg, espeak-ng) is missing",
    4: "the output could not be written (unwritable folder, disk full)",
    130: "interrupted (Ctrl-C)",
}


EXECUTOR_HELP = (
    "Where to render: local (processes here), dask-local (a Dask cluster on this machine)"
    " or dask://HOST:PORT (a Dask scheduler; needs the dask extra)."
)
OFFLINE_HELP = "Never fetch a URL: read it from the page cache (kept by earlier runs) or fail."


def fail(error: AudioArticlesError) -> typer.Exit:
    """Print an error as one line on stderr; return the Exit to raise."""
    typer.echo(f"audio-articles: error: {error}", err=True)
    return typer.Exit(error.exit_code)


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does, on stderr."),
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(name)s: " if verbose else ""))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)


class _OneLineFormatter(logging.Formatter):
    """'audio-articles: warning: …', the same shape as errors."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        return f"audio-articles: {record.levelname.lower()}: {self.prefix % record.__dict__ if self.prefix else ''}{record.getMessage()}"


def _progress_bar(counts: bool = True):
    """A progress bar with an ETA on stderr; ``counts`` shows "done/total" of the units."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *([MofNCompleteColumn()] if counts else []),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no bar, and no stray blank lines, in logs and pipes
    )


@app.command()
def convert(
    sources: list[str] = typer.Argument(
        ..., help="Article files (.txt, .md, .html) or folders of them; or one URL, or - for standard input.",
        show_default=False,
    ),
    output: Optional[Path] = typer.Option(
        None,
        "--output",
        "-o",
        help="File to write; with several articles or a folder, the folder to write them in."
        " Default: beside each article, named after it.",
    ),
    voices: Optional[str] = typer.Option(
        None, "--voices", help="Voice profile: a name from voices/ (default, newsroom, …) or a .toml path."
    ),
    bitrate: int = typer.Option(64, "--bitrate", min=8, max=320, help="MP3 bitrate in kbit/s."),
    jobs: int = typer.Option(
        os.cpu_count() or 1,
        "--jobs",
        "-j",
        min=1,
        help="Cores to use, for speech and encoding.",
        show_default="all cores",
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse clips rendered before (and keep new ones)."),
    max_size: str = typer.Option("20MB", "--max-size", help="Refuse article files larger than this, e.g. 100MB."),
    engine: str = typer.Option(
        "pyttsx3", "--engine", help="Speech engine: pyttsx3 (espeak-ng) or piper (neural voices, optional extra)."
    ),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Piper voice file (voice.onnx with voice.onnx.json beside it); implies --engine piper."
    ),
    speaker: Optional[int] = typer.Option(None, "--speaker", min=0, help="Speaker number of a multi-speaker Piper voice."),
    voice: Optional[str] = typer.Option(
        None, "--voice", help="Engine voice for every kind, e.g. gmw/en (quotations keep their variant)."
    ),
    quote_voice: Optional[str] = typer.Option(None, "--quote-voice", help="Engine voice for quotations, e.g. gmw/en-us+f2."),
    rate: Optional[int] = typer.Option(
        None, "--rate", min=80, max=450, help="Body rate in words per minute; other kinds keep their relative pace."
    ),
    lang: Optional[str] = typer.Option(
        None, "--lang", help="Language to speak in, e.g. fr. Default: front matter 'lang', else detected, else en."
    ),
    lexicon: Optional[list[Path]] = typer.Option(
        None, "--lexicon", help="Pronunciation lexicon ('word = respelling' lines or .toml); repeatable."
    ),
    audio_format: Optional[str] = typer.Option(
        None, "--format", "-f", help="mp3, m4b, m4a, wav or opus. Default: from the output's extension, else mp3."
    ),
    loudness: Optional[str] = typer.Option(
        None, "--loudness", help="Loudness target in LUFS, or 'off'.", show_default="-19 mono, -16 stereo"
    ),
    sample_rate: int = typer.Option(
        0, "--sample-rate", help="Output rate in Hz, e.g. 44100.", show_default="the voice's own, 22050"
    ),
    stereo: bool = typer.Option(False, "--stereo", help="Two channels (same voice on both sides) instead of mono."),
    cover: Optional[Path] = typer.Option(None, "--cover", help="Cover art, a JPEG or PNG, embedded in the file."),
    executor: str = typer.Option("local", "--executor", help=EXECUTOR_HELP),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
) -> None:
    """Convert articles into MP3s with a chapter per paragraph (or per section).

    Give several files or a folder to convert them all in one run, on every core.
    """
    from .batch import is_batch
    from .helpers import Helpers

    try:
        from .executors import parse_executor
        from .files import parse_size

        choice, max_bytes = parse_executor(executor), parse_size(max_size)
        source, paths = _one_source(sources)
        single = source is not None or not (is_batch(paths, output) or choice.uses_dask)
        # A long article's speech workers boot on the other core while the rest of the
        # program loads and the article is read.
        with Helpers.start(Path(sources[0]), engine, jobs) if single else Helpers() as helpers:
            from .audio.encode import Mp3Settings
            from .convert import Options

            options = Options(voices=voices, engine=engine, workers=jobs, use_cache=cache, max_bytes=max_bytes)
            options.offline = offline
            options.mp3 = Mp3Settings(bitrate_kbps=bitrate)
            options.model, options.speaker = model, speaker
            options.voice, options.quote_voice, options.rate, options.language = voice, quote_voice, rate, lang
            options.lexicons = tuple(lexicon or ())
            _sound_options(options, audio_format, loudness, sample_rate, stereo, cover)
            if not single:
                raise typer.Exit(_convert_batch(paths, output, options, choice))
            result = _convert_one(source if source is not None else paths[0], output, options, helpers)
    except AudioArticlesError as error:
        raise fail(error) from None
    typer.echo(_result_line(result), err=True)


def _one_source(sources: list[str]) -> tuple[Optional[str], list[Path]]:
    """A URL or "-" given alone (returned as is), else the paths of files and folders.

    A URL must stay a string: Path() would fold its "//"."""
    from .errors import InputError
    from .sources import is_url

    special = [source for source in sources if source == "-" or is_url(source)]
    if special and len(sources) > 1:
        raise InputError(f"{special[0]} must be the only source; convert one URL or standard input at a time")
    return (special[0] if special else None), [Path(source) for source in sources]


def _convert_one(source, output: Optional[Path], options, helpers):
    """Convert one article with a progress bar for each stage (speech, then encoding)."""
    from .convert import convert as run

    with _progress_bar() as bar:
        task = bar.add_task("Speaking", total=None)
        stage_names = {"speech": "Speaking", "encode": "Encoding"}
        current = ["speech"]

        def progress(stage: str, done: int, total: int) -> None:
            if stage != current[0]:  # a new stage: a new bar, so the ETA follows its pace
                current[0] = stage
                bar.reset(task, description=stage_names.get(stage, stage.capitalize()), total=total)
            bar.update(task, completed=done, total=total)

        return run(source, output, options, progress, helpers)


def _result_line(result) -> str:
    """One line saying what a conversion wrote."""
    minutes, seconds = divmod(result.timeline.duration_ms // 1000, 60)
    return (
        f"{result.output}  {minutes}:{seconds:02d}, {len(result.timeline.chapters)} chapters"
        f" ({result.cached_clips} of {result.clips} clips from cache)"
    )


def _convert_batch(sources: list[Path], out_dir: Optional[Path], options, choice) -> int:
    """Convert many articles with one pool of workers (or on a Dask cluster); a line per
    article; the exit code."""
    from .audio.formats import format_named
    from .batch import BatchItem, Failure, convert_many, find_articles, is_batch, plan_outputs, prepare_output_folder

    try:
        suffix = format_named(options.format).suffixes[0] if options.format else ".mp3"
        if is_batch(sources, out_dir):
            articles = find_articles(sources)
            if out_dir is not None:
                prepare_output_folder(out_dir)
            items = plan_outputs(articles, out_dir, suffix)
        else:  # one article on a Dask cluster
            items = [BatchItem(sources[0], out_dir or sources[0].with_suffix(suffix))]
        with _running_executor(choice, options) as running, _progress_bar(counts=False) as bar:
            task = bar.add_task(f"Converting 0/{len(items)}", total=None)

            def progress(done: int, total: int, done_bytes: int, total_bytes: int) -> None:
                bar.update(task, description=f"Converting {done}/{total}", completed=done_bytes, total=total_bytes)

            def report(outcome) -> None:
                if isinstance(outcome, Failure):
                    where = "" if str(outcome.source) in outcome.message else f"{outcome.source}: "
                    typer.echo(f"audio-articles: error: {where}{outcome.message}", err=True)
                else:
                    typer.echo(_result_line(outcome), err=True)

            result = convert_many(items, options, progress, report, executor=running)
    except AudioArticlesError as error:
        raise fail(error) from None
    failed = f", {len(result.failed)} failed" if result.failed else ""
    typer.echo(f"{len(result.converted)} of {len(items)} articles converted{failed}", err=True)
    return result.exit_code


@app.command()
def preview(
    source: Optional[str] = typer.Argument(
        None, help="Article file (.txt, .md, .html), URL or - (stdin); optional with --text.", show_default=False
    ),
    paragraph: Optional[int] = typer.Option(None, "--paragraph", "-p", help="Paragraph number, as inspect shows it."),
    segment: Optional[int] = typer.Option(None, "--segment", "-s", help="Segment number, as inspect shows it."),
    section: Optional[int] = typer.Option(None, "--section", help="Section number, from 1."),
    text: Optional[str] = typer.Option(
        None, "--text", "-t",
        help="Speak these words instead (in the article's language when an article is given).",
    ),
    kind: str = typer.Option("body", "--kind", help="Whose voice speaks --text: headline, body, quote, …"),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="WAV or MP3 file to write. Default: a WAV in the temporary folder."
    ),
    voices: Optional[str] = typer.Option(
        None, "--voices", help="Voice profile: a name from voices/ (default, newsroom, …) or a .toml path."
    ),
    voice: Optional[str] = typer.Option(None, "--voice", help="Engine voice for every kind, as for convert."),
    quote_voice: Optional[str] = typer.Option(None, "--quote-voice", help="Engine voice for quotations."),
    rate: Optional[int] = typer.Option(None, "--rate", min=80, max=450, help="Body rate in words per minute."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language to speak in, e.g. fr, as for convert."),
    lexicon: Optional[list[Path]] = typer.Option(
        None, "--lexicon", help="Pronunciation lexicon ('word = respelling' lines or .toml); repeatable."
    ),
    model: Optional[Path] = typer.Option(None, "--model", help="Piper voice file (voice.onnx), as for convert."),
    speaker: Optional[int] = typer.Option(None, "--speaker", min=0, help="Speaker of a multi-speaker Piper voice."),
    normalize: bool = typer.Option(
        True,
        "--normalize/--no-normalize",
        help="Balance the voices and set the loudness as convert does (or keep the engine's level).",
    ),
    play: bool = typer.Option(True, "--play/--no-play", help="Play it (ffplay, paplay, aplay or afplay)."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse clips rendered before (and keep new ones)."),
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine."),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
) -> None:
    """Hear one paragraph, segment or section (or any text) as the conversion will speak it.

    Prints the file's path on stdout, then plays it.
    """
    from .errors import InputError
    from .model import SegmentKind
    from .preview import choose_part, preview as run

    try:
        kinds = {k.value: k for k in SegmentKind}
        if kind not in kinds:
            raise InputError(f"unknown --kind {kind!r}; choose one of: {', '.join(kinds)}")
        from .convert import Options

        options = Options(voices=voices, engine=engine, workers=1, use_cache=cache, model=model, speaker=speaker)
        options.normalize, options.offline = normalize, offline
        options.voice, options.quote_voice, options.rate, options.language = voice, quote_voice, rate, lang
        options.lexicons = tuple(lexicon or ())
        part = choose_part(paragraph, segment, section)
        result = run(source, part, text, output, options, kinds[kind])
    except AudioArticlesError as error:
        raise fail(error) from None
    seconds = result.duration_ms / 1000
    typer.echo(
        f"{result.what}: {len(result.jobs)} segment{'s' * (len(result.jobs) != 1)}, {seconds:.1f} s"
        f" ({result.cached_clips} of {result.clips} clips from cache)",
        err=True,
    )
    typer.echo(str(result.output))
    if play:
        from .playback import play as play_file

        sys.stdout.flush()
        playback = play_file(result.output)
        if not playback.played:
            typer.echo(f"audio-articles: {playback.problem}", err=True)


@app.command("inspect")
def inspect_command(
    source: str = typer.Argument(
        ..., help="Article: a text (.txt), Markdown (.md) or HTML (.html) file, a URL, or - for stdin.", show_default=False
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON (schema in the README) instead of tables."),
    voices: Optional[str] = typer.Option(
        None, "--voices", help="Voice profile: a name from voices/ (default, newsroom, …) or a .toml path."
    ),
    voice: Optional[str] = typer.Option(None, "--voice", help="Engine voice for every kind, as convert takes it."),
    quote_voice: Optional[str] = typer.Option(None, "--quote-voice", help="Engine voice for quotations."),
    rate: Optional[int] = typer.Option(None, "--rate", min=80, max=450, help="Body rate in words per minute."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language to speak in, e.g. fr."),
    lexicon: Optional[list[Path]] = typer.Option(None, "--lexicon", help="Pronunciation lexicon; repeatable."),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
) -> None:
    """Show how an article will be voiced: sections, segments, voices, and what was removed.

    Takes the options of convert that change what is spoken, so the two always agree."""
    from .convert import Options
    from .inspect import inspect_file, print_report

    options = Options(voices=voices, voice=voice, quote_voice=quote_voice, rate=rate, language=lang)
    options.lexicons = tuple(lexicon or ())
    options.offline = offline
    try:
        report = inspect_file(source, options)
    except AudioArticlesError as error:
        raise fail(error) from None
    if json_output:
        import json

        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report)


cache_app = typer.Typer(
    help="The clip cache: every rendered clip is kept, so converting again re-renders only what changed.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the clip cache is, how many clips it holds, and its size limit."""
    from .speech.cache import ClipCache, default_cache_dir, format_size

    try:
        stats = ClipCache(default_cache_dir()).stats()
    except AudioArticlesError as error:
        raise fail(error) from None
    typer.echo(f"location  {stats.root}")
    typer.echo(f"holds     {stats.clips} clips, {format_size(stats.bytes)}")
    typer.echo(f"limit     {format_size(stats.max_bytes)} (AUDIO_ARTICLES_CACHE_SIZE; least recently used go first)")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached clip (waits for running conversions to finish)."""
    from .speech.cache import ClipCache, default_cache_dir, format_size

    try:
        removed = ClipCache(default_cache_dir()).clear()
    except AudioArticlesError as error:
        raise fail(error) from None
    typer.echo(f"removed {removed.clips} clips ({format_size(removed.bytes)}) from {removed.root}")


@app.command()
def feed(
    sources: Optional[list[Path]] = typer.Argument(
        None, metavar="[SOURCE]...", help="Article files, or folders of them (.txt, .md, .html).", show_default=False
    ),
    urls: Optional[Path] = typer.Option(
        None, "--urls", help="A text file of article URLs, one per line (# starts a comment); each is an episode."
    ),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="The feed folder to create or update.", show_default=False),
    title: Optional[str] = typer.Option(None, "--title", help="Podcast title (needed the first time)."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Public URL the feed folder will be served from (needed the first time)."
    ),
    author: Optional[str] = typer.Option(None, "--author", help="Podcast author."),
    description: Optional[str] = typer.Option(None, "--description", help="Podcast description."),
    image: Optional[Path] = typer.Option(None, "--image", help="Cover image, PNG or JPEG, square, 1400-3000 px."),
    language: Optional[str] = typer.Option(None, "--language", help="Language tag, e.g. en or fr. [default: en]"),
    category: Optional[str] = typer.Option(
        None, "--category", help='Apple Podcasts category, e.g. "News" or "News > Daily News". [default: News]'
    ),
    explicit: Optional[bool] = typer.Option(
        None, "--explicit/--no-explicit", help="Mark the podcast explicit. [default: no]", show_default=False
    ),
    voices: Optional[str] = typer.Option(None, "--voices", help="Voice profile for every episode."),
    prune: bool = typer.Option(False, "--prune", help="Remove episodes whose article is no longer among SOURCES."),
    jobs: int = typer.Option(
        os.cpu_count() or 1, "--jobs", "-j", min=1, help="Speech processes to run at once.", show_default="all cores"
    ),
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine (pyttsx3 or fake)."),
    executor: str = typer.Option("local", "--executor", help=EXECUTOR_HELP),
) -> None:
    """Turn articles into a podcast feed folder: feed.xml, episodes, chapters, transcripts, index.html.

    Settings are kept in FEED_DIR/feed.toml, so later runs need only SOURCES and -o;
    they render only new and edited articles.
    """
    from .convert import Options
    from .feed import build_feed
    from .feed.settings import SettingsChange

    change = SettingsChange(
        title=title, base_url=base_url, author=author, description=description,
        image=str(image) if image else None, language=language, category=category,
        explicit=explicit, voices=voices,
    )  # fmt: skip

    def waiting() -> None:
        typer.echo(f"waiting for another run to finish updating {output} …", err=True)

    def progress(done: int, total: int, episode_title: str) -> None:
        typer.echo(f"rendering {done + 1}/{total}: {episode_title}", err=True)

    try:
        from .executors import parse_executor

        from .errors import InputError
        from .sources import read_url_list

        if not sources and urls is None:
            raise InputError("give article files or folders, or a list of URLs with --urls FILE")
        options = Options(engine=engine, workers=jobs)
        options.offline = offline
        url_list = read_url_list(urls) if urls is not None else []
        with _running_executor(parse_executor(executor), options) as running:
            result = build_feed(
                sources or [], output, change, options,
                prune=prune, progress=progress, on_wait=waiting, executor=running, urls=url_list, url_list=urls,
            )  # fmt: skip
    except AudioArticlesError as error:
        raise fail(error) from None
    kept = f", {len(result.orphaned)} kept without their article (--prune removes them)" if result.orphaned else ""
    pruned = f", {len(result.pruned)} removed" if result.pruned else ""
    typer.echo(
        f"{result.folder / 'feed.xml'}  {len(result.episodes)} episodes"
        f" ({len(result.rendered)} rendered{pruned}{kept})",
        err=True,
    )
    typer.echo(result.settings.feed_url)


@app.command("voices")
def voices_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    lang: Optional[str] = typer.Option(
        None, "--lang", help="Show only voices of this language, and what each profile uses for it."
    ),
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine (pyttsx3 or fake)."),
) -> None:
    """List the engine's installed voices and the voice each profile gives every kind."""
    import json

    from .speech.engines.piper_engine import piper_voices_json, voice_listing
    from .speech.resolve import voices_overview

    try:
        overview = voices_overview(engine, lang)
    except AudioArticlesError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps({**overview.to_json(), "piper": piper_voices_json()}, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{len(overview.voices)} voices ({overview.engine}):")
    for info in overview.voices:
        typer.echo(f"  {info.id:<28} {info.name:<36} {','.join(info.languages):<14} {info.gender or ''}")
    if overview.variants:
        typer.echo(f"variants, added as voice+variant (e.g. gmw/en-us+f3): {' '.join(overview.variants)}")
    for profile in overview.profiles:
        typer.echo(f"\nprofile {profile.name}  ({profile.source})  {profile.description}")
        if profile.error:
            typer.echo(f"  error: {profile.error}")
        for kind, voice in profile.kinds:
            typer.echo(f"  {kind:<11} {voice}")
    typer.echo("")
    for line in voice_listing():
        typer.echo(line)


def _running_executor(choice, options):
    """The open Dask executor for a run (None for the local process pool, the default path)."""
    import contextlib

    if not choice.uses_dask:
        return contextlib.nullcontext()
    from .executors import open_executor

    @contextlib.contextmanager
    def running():
        with open_executor(choice, options.workers, options.engine) as opened:
            typer.echo(f"rendering on {opened.where}", err=True)
            yield opened

    return running()


def _sound_options(options, audio_format, loudness, sample_rate, stereo, cover) -> None:
    """Apply convert's sound options (format, loudness, rate, channels, cover) to ``options``."""
    from dataclasses import replace

    options.format, options.cover = audio_format, cover
    options.mp3 = replace(options.mp3, sample_rate=sample_rate, channels=2 if stereo else 1)
    if loudness is not None:
        from .audio.loudness import parse_target

        options.loudness_lufs = parse_target(loudness)
        options.normalize = options.loudness_lufs is not None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    # NumPy works on one clip at a time here, far too little for BLAS threads; OpenBLAS's
    # idle threads spin after start-up and after calls, taking ≈ 0.3 s of CPU an hour
    # from the speech workers and encoders. Set before NumPy is first imported.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        app(args=argv, prog_name="audio-articles")
    except KeyboardInterrupt:
        typer.echo("audio-articles: interrupted", err=True)
        raise SystemExit(130) from None
