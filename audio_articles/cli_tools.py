"""The small commands: ``config`` (the settings file), ``serve`` (a feed folder over
HTTP) and ``cache``. ``cli`` registers them; kept here so the main command module stays short."""

from __future__ import annotations

from pathlib import Path

import typer

from .cli_args import Bind, Port, VerboseAnywhere
from .console import fail, reported, say


def use_config(ctx: typer.Context) -> None:
    """Make config.toml's tables the defaults of the commands' options (one line, exit 2,
    when the file is wrong)."""
    from .config import load_config
    from .errors import AudioArticlesError

    try:
        ctx.default_map = load_config(ctx.command).defaults
    except AudioArticlesError as error:
        raise fail(error) from None


@reported
def config_command(ctx: typer.Context) -> None:
    """Where the settings file is read from, and the settings in effect.

    config.toml in the config folder (~/.config/audio-articles, or $AUDIO_ARTICLES_CONFIG)
    holds a table per command ([convert], [feed], [preview], [inspect], [serve]) whose keys
    are long option names, e.g. bitrate = 48; options on the command line win.
    """
    from .config import config_lines, load_config

    for line in config_lines(load_config(ctx.find_root().command)):
        typer.echo(line)


@reported
def serve_command(
    folder: Path = typer.Argument(..., metavar="FOLDER", show_default=False, help="The feed folder to serve."),
    bind: Bind = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Serve a feed folder over HTTP, with byte ranges so chapter links and players can seek.

    Listens on 127.0.0.1:8000 unless told otherwise; prints the address on stdout; Ctrl+C stops."""
    from .feed.settings import load_settings
    from .serve import feed_server

    server = feed_server(folder, bind, port, log=None)
    settings = load_settings(folder)
    say(f"serving {folder} at {server.url} (Ctrl+C stops)")
    if settings is not None and settings.base_url.rstrip("/") + "/" != server.url:
        say(f"the feed's episode links point to {settings.base_url}; to play them from here, run feed again with --base-url {server.url}")
    typer.echo(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()


cache_app = typer.Typer(
    help="The clip cache: every rendered clip is kept, so converting again re-renders only what changed.",
    no_args_is_help=True, cls=VerboseAnywhere,
)


@cache_app.command("info")
@reported
def cache_info() -> None:
    """Where the clip cache is, how many clips it holds, and its size limit."""
    from .speech.cache import ClipCache, default_cache_dir
    from .units import format_size

    stats = ClipCache(default_cache_dir()).stats()
    typer.echo(f"location  {stats.root}")
    typer.echo(f"holds     {stats.clips} clips, {format_size(stats.bytes)}")
    if stats.temporaries:
        typer.echo(
            f"temporary {stats.temporaries} files, {format_size(stats.temporary_bytes)}"
            " (being written, or left by a killed run: removed once stale)"
        )
    typer.echo(f"limit     {format_size(stats.max_bytes)} (AUDIO_ARTICLES_CACHE_SIZE; least recently used go first)")


@cache_app.command("clear")
@reported
def cache_clear() -> None:
    """Delete every cached clip (waits for running conversions to finish)."""
    from .speech.cache import ClipCache, default_cache_dir
    from .units import format_size

    removed = ClipCache(default_cache_dir()).clear()
    typer.echo(f"removed {removed.clips} clips ({format_size(removed.bytes)}) from {removed.root}")
