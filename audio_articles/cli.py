"""The command line: thin wrappers that parse options, call the library and print.

Options are declared once in ``cli_args``; what is printed (errors, progress, result
lines) is in ``console``. Heavy modules (pydub, mutagen, the engine) are imported inside
the commands, so ``--help`` stays instant. Errors become one line on stderr and a
documented exit code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .cli_args import (
    ALL_CORES, Bitrate, Cache, Chapters, Device, Engine, Executor, Format, Genre, Jobs, Lang, Lexicons, Loudness, Model,
    Offline, OwnerEmail, OwnerName, QuoteVoice, Rate, SampleRate, Speaker, Stereo, VerboseAnywhere, Version, Voice,
    Voices, one_source, production_settings, sound_settings,
)  # fmt: skip
from .cli_tools import cache_app, config_command, serve_command, use_config
from .console import episode_progress, one_line, outcome_line, plural, progress_bar, reported, result_line, say
from .console import setup_logging, staged_progress
from .process import run_app

app = typer.Typer(
    name="audio-articles",
    help="Turn written articles into listenable audio, offline: MP3s with chapter markers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=VerboseAnywhere,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what each stage does, on stderr."),
    version: Version = False,
) -> None:
    """Options read from config.toml (see 'audio-articles config') are the defaults; those given here win."""
    setup_logging(verbose)
    use_config(ctx)


@app.command()
@reported
def convert(
    sources: list[str] = typer.Argument(
        ..., metavar="SOURCE...", show_default=False,
        help="Article files (.txt, .md, .html) or folders of them; or one URL, or - for standard input.",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="File to write; with several articles or a folder, the folder to write them in."
        " Default: beside each article, named after it.",
    ),
    voices: Voices = None, bitrate: Bitrate = 64, jobs: Jobs = ALL_CORES, cache: Cache = True,
    max_size: str = typer.Option("20MB", "--max-size", help="Refuse article files larger than this, e.g. 100MB."),
    engine: Engine = "pyttsx3", model: Model = None, speaker: Speaker = None, voice: Voice = None,
    quote_voice: QuoteVoice = None, rate: Rate = None, lang: Lang = None, lexicon: Lexicons = None,
    audio_format: Format = None, loudness: Loudness = None, sample_rate: SampleRate = 0, stereo: Stereo = False,
    cover: Optional[Path] = typer.Option(None, "--cover", help="Cover art, a JPEG or PNG, embedded in the file."),
    executor: Executor = "local", offline: Offline = False, chapters: Chapters = "auto", genre: Genre = None,
    device: Device = None,
) -> None:
    """Convert articles into MP3s with chapters (sections, or paragraphs gathered to 30 s or more).

    Give several files or a folder to convert them all in one run, on every core.
    """
    from .files import is_batch, parse_size
    from .run.executors import parse_executor
    from .run.helpers import Helpers

    choice, max_bytes = parse_executor(executor), parse_size(max_size)
    source, paths = one_source(sources)
    single = source is not None or not (is_batch(paths, output) or choice.uses_dask)
    if device is not None:  # before the workers start: they inherit it
        from .speech.engines.piper_model import use_device

        use_device(device)
    # A long article's speech workers boot on the other core while the rest of the
    # program loads and the article is read.
    with Helpers.start(paths[0], engine, jobs) if single else Helpers() as helpers:
        from .settings import Options

        options = Options(
            **production_settings(voices, voice, quote_voice, rate, lang, lexicon, model, speaker, engine, chapters),
            **sound_settings(audio_format, bitrate, loudness, sample_rate, stereo),
            cover=cover, genre=genre, workers=jobs, use_cache=cache, max_bytes=max_bytes, offline=offline, device=device,
        )  # fmt: skip
        if not single:
            raise typer.Exit(_convert_batch(paths, output, options, choice))
        result = _convert_one(source if source is not None else paths[0], output, options, helpers)
    say(result_line(result))


def _convert_one(source: str | Path, output: Optional[Path], options, helpers):
    """Convert one article with a progress bar for each stage (speech, then encoding)."""
    from .convert import convert as run

    with progress_bar() as bar:
        return run(source, output, options, staged_progress(bar), helpers)


def _convert_batch(sources: list[Path], out_dir: Optional[Path], options, choice) -> int:
    """Convert many articles with one pool of workers (or on a Dask cluster); a line per
    article; the exit code."""
    from .convert import output_suffix
    from .run.batch import batch_items, convert_many
    from .run.executors import running_executor

    items = batch_items(sources, out_dir, output_suffix(options.production))
    with running_executor(choice, options.workers, options.engine, say) as running, progress_bar(counts=False) as bar:
        task = bar.add_task(f"Converting 0/{len(items)}", total=None)

        def progress(done: int, total: int, done_bytes: int, total_bytes: int) -> None:
            bar.update(task, description=f"Converting {done}/{total}", completed=done_bytes, total=total_bytes)

        result = convert_many(items, options, progress, lambda outcome: say(outcome_line(outcome)), executor=running)
    failed = f", {len(result.failed)} failed" if result.failed else ""
    say(f"{len(result.converted)} of {plural(len(items), 'article')} converted{failed}")
    return result.exit_code


@app.command()
@reported
def preview(
    source: Optional[str] = typer.Argument(
        None, metavar="[SOURCE]", show_default=False,
        help="Article file (.txt, .md, .html), URL or - (stdin); optional with --text.",
    ),
    paragraph: Optional[int] = typer.Option(None, "--paragraph", "-p", help="Paragraph number, as inspect shows it."),
    segment: Optional[int] = typer.Option(None, "--segment", "-s", help="Segment number, as inspect shows it."),
    section: Optional[int] = typer.Option(None, "--section", help="Section number, from 1."),
    text: Optional[str] = typer.Option(
        None, "--text", "-t", help="Speak these words instead (in the article's language when an article is given)."
    ),
    kind: str = typer.Option("body", "--kind", help="Whose voice speaks --text: headline, body, quote, …"),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="WAV or MP3 file to write. Default: a WAV in the temporary folder."
    ),
    voices: Voices = None, voice: Voice = None, quote_voice: QuoteVoice = None, rate: Rate = None, lang: Lang = None,
    lexicon: Lexicons = None, model: Model = None, speaker: Speaker = None,
    normalize: bool = typer.Option(
        True, "--normalize/--no-normalize",
        help="Balance the voices and set the loudness as convert does (or keep the engine's level).",
    ),
    play: bool = typer.Option(True, "--play/--no-play", help="Play it (ffplay, paplay, aplay or afplay)."),
    cache: Cache = True, offline: Offline = False, device: Device = None,
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine."),
) -> None:
    """Hear one paragraph, segment or section (or any text) as the conversion will speak it.

    Prints the file's path on stdout, then plays it.
    """
    from .errors import InputError
    from .model import SegmentKind
    from .preview import choose_part, preview as run
    from .settings import Options

    kinds = {k.value: k for k in SegmentKind}
    if kind not in kinds:
        raise InputError(f"unknown --kind {kind!r}; choose one of: {', '.join(kinds)}")
    options = Options(
        **production_settings(voices, voice, quote_voice, rate, lang, lexicon, model, speaker, engine),
        normalize=normalize, workers=1, use_cache=cache, offline=offline, device=device,
    )  # fmt: skip
    from .playback import play as play_file, stream_player

    # A Piper voice is played as it renders: the first sentence while the next is spoken.
    result = run(source, choose_part(paragraph, segment, section), text, output, options, kinds[kind],
                 stream_player if play else None)  # fmt: skip
    seconds = result.duration_ms / 1000
    say(f"{result.what}: {len(result.jobs)} segment{'s' * (len(result.jobs) != 1)}, {seconds:.1f} s"
        f" ({result.cached_clips} of {result.clips} clips from cache)")  # fmt: skip
    typer.echo(str(result.output))
    if play:
        sys.stdout.flush()
        playback = result.player.finish() if result.player else play_file(result.output)
        if not playback.played:
            say(f"audio-articles: {playback.problem}")


@app.command("inspect")
@reported
def inspect_command(
    source: str = typer.Argument(
        ..., metavar="SOURCE", show_default=False,
        help="Article: a text (.txt), Markdown (.md) or HTML (.html) file, a URL, or - for stdin.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON (schema in the README) instead of tables."),
    voices: Voices = None, voice: Voice = None, quote_voice: QuoteVoice = None, rate: Rate = None, lang: Lang = None,
    lexicon: Lexicons = None, model: Model = None, speaker: Speaker = None, offline: Offline = False,
    chapters: Chapters = "auto",
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine."),
) -> None:
    """Show how an article will be voiced: sections, segments, voices, chapters, and what was removed.

    Takes the options of convert that change what is spoken, and plans with the same
    planner, so the two always agree."""
    from .inspect import inspect_file, print_report
    from .settings import Options

    settings = production_settings(voices, voice, quote_voice, rate, lang, lexicon, model, speaker, engine, chapters)
    report = inspect_file(source, Options(**settings, offline=offline))
    if json_output:
        import json

        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report)


@app.command()
@reported
def feed(
    sources: Optional[list[Path]] = typer.Argument(
        None, metavar="[SOURCE]...", help="Article files, or folders of them (.txt, .md, .html).", show_default=False
    ),
    urls: Optional[Path] = typer.Option(
        None, "--urls", help="A text file of article URLs, one per line (# starts a comment); each is an episode."
    ),
    offline: Offline = False,
    output: Path = typer.Option(..., "--output", "-o", help="The feed folder to create or update.", show_default=False),
    title: Optional[str] = typer.Option(None, "--title", help="Podcast title (needed the first time)."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Public URL the feed folder will be served from (needed the first time)."
    ),
    author: Optional[str] = typer.Option(None, "--author", help="Podcast author."),
    description: Optional[str] = typer.Option(None, "--description", help="Podcast description."),
    image: Optional[Path] = typer.Option(None, "--image", help="Cover image, PNG or JPEG, square, 1400-3000 px."),
    language: Optional[str] = typer.Option(None, "--language", help="The feed's language tag, e.g. en or fr. [default: en]"),
    category: Optional[str] = typer.Option(
        None, "--category", help='Apple Podcasts category, e.g. "News" or "News > Daily News". [default: News]'
    ),
    explicit: Optional[bool] = typer.Option(
        None, "--explicit/--no-explicit", help="Mark the podcast explicit. [default: no]", show_default=False
    ),
    owner_name: OwnerName = None, owner_email: OwnerEmail = None, chapters: Chapters = "auto", genre: Genre = None,
    voices: Voices = None, voice: Voice = None, quote_voice: QuoteVoice = None, rate: Rate = None, lang: Lang = None,
    lexicon: Lexicons = None, model: Model = None, speaker: Speaker = None,
    audio_format: Format = None, bitrate: Bitrate = 64, loudness: Loudness = None,
    prune: bool = typer.Option(False, "--prune", help="Remove episodes whose article is no longer among SOURCES."),
    jobs: Jobs = ALL_CORES,
    engine: str = typer.Option("pyttsx3", "--engine", hidden=True, help="Speech engine (pyttsx3 or fake)."),
    executor: Executor = "local",
) -> None:
    """Turn articles into a podcast feed folder: feed.xml, episodes, chapters, transcripts, index.html.

    Settings are kept in FEED_DIR/feed.toml, so later runs need only SOURCES and -o;
    they render only new and edited articles (and all of them when a voice or sound
    option changes).
    """
    from .errors import InputError
    from .feed import build_feed
    from .feed.settings import SettingsChange
    from .settings import Options
    from .sources import read_url_list

    change = SettingsChange(
        title=title, base_url=base_url, author=author, description=description,
        image=str(image) if image else None, language=language, category=category,
        explicit=explicit, voices=voices, owner_name=owner_name, owner_email=owner_email,
    )  # fmt: skip

    def waiting() -> None:
        say(f"waiting for another run to finish updating {output} …")

    from .run.executors import parse_executor, running_executor

    if not sources and urls is None:
        raise InputError("give article files or folders, or a list of URLs with --urls FILE")
    options = Options(
        **production_settings(None, voice, quote_voice, rate, lang, lexicon, model, speaker, engine, chapters),
        **sound_settings(audio_format, bitrate, loudness), genre=genre, workers=jobs, offline=offline,
    )  # fmt: skip
    with running_executor(parse_executor(executor), options.workers, options.engine, say) as running, progress_bar() as bar:
        result = build_feed(
            sources or [], output, change, options, prune=prune, progress=episode_progress(bar), on_wait=waiting,
            executor=running, urls=read_url_list(urls) if urls is not None else [], url_list=urls,
            on_skip=lambda error: say(f"audio-articles: error: {one_line(error)} (skipped)"),
        )  # fmt: skip
    kept = f", {len(result.orphaned)} kept without their article (--prune removes them)" if result.orphaned else ""
    pruned = f", {len(result.pruned)} removed" if result.pruned else ""
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    say(
        f"{result.folder / 'feed.xml'}  {plural(len(result.episodes), 'episode')}"
        f" ({len(result.rendered)} rendered{pruned}{kept}{skipped})"
    )
    typer.echo(result.settings.feed_url)
    if result.skipped:
        raise typer.Exit(result.exit_code)


@app.command("voices")
@reported
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
    from .console import overview_lines
    from .speech.resolve import voices_overview

    overview = voices_overview(engine, lang)
    if as_json:
        typer.echo(json.dumps({**overview.to_json(), "piper": piper_voices_json()}, indent=2, ensure_ascii=False))
        return
    for line in [*overview_lines(overview), "", *voice_listing()]:
        typer.echo(line)


app.command("config")(config_command)
app.command("serve")(serve_command)
app.add_typer(cache_app, name="cache")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (exit codes, usage errors and signals: ``process.run_app``)."""
    # NumPy works on one clip at a time here, far too little for BLAS threads; OpenBLAS's
    # idle threads spin after start-up and after calls, taking ≈ 0.3 s of CPU an hour
    # from the speech workers and encoders. Set before NumPy is first imported.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    run_app(app, argv)
