"""The command line's options, declared once and shared by the commands that take them.

Each alias is an ``Annotated`` type: a command lists ``voices: Voices = None`` and gets
the same flag, help and checks as every other command with that option.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from .speech.engines import ENGINES

EXECUTOR_HELP = (
    "Where to render: local (processes here), dask-local (a Dask cluster on this machine)"
    " or dask://HOST:PORT (a Dask scheduler; needs the dask extra)."
)

Voices = Annotated[
    Optional[str],
    typer.Option("--voices", help="Voice profile: a name from voices/ (default, natural, newsroom, …) or a .toml path."),
]
Voice = Annotated[
    Optional[str], typer.Option("--voice", help="Engine voice for every kind, e.g. gmw/en (quotations keep their variant).")
]
QuoteVoice = Annotated[Optional[str], typer.Option("--quote-voice", help="Engine voice for quotations, e.g. gmw/en-us+f2.")]
Rate = Annotated[
    Optional[int],
    typer.Option("--rate", min=80, max=450, help="Body rate in words per minute; other kinds keep their relative pace."),
]
Lang = Annotated[
    Optional[str],
    typer.Option("--lang", help="Language to speak in, e.g. fr. Default: front matter 'lang', else detected, else en."),
]
Lexicons = Annotated[
    Optional[list[Path]],
    typer.Option("--lexicon", help="Pronunciation lexicon ('word = respelling' lines or .toml); repeatable."),
]
Model = Annotated[
    Optional[Path],
    typer.Option("--model", help="Piper voice file (voice.onnx with voice.onnx.json beside it); implies --engine piper."),
]
Speaker = Annotated[Optional[int], typer.Option("--speaker", min=0, help="Speaker number of a multi-speaker Piper voice.")]
Engine = Annotated[
    str, typer.Option("--engine", help=f"Speech engine: {', '.join(ENGINES)} (piper: neural voices, optional extra).")
]
def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def capped_jobs(value: int) -> int:
    """``--jobs`` no higher than the usable cores: each job is a speech worker and an
    encoder, CPU-bound, so more processes than cores only add memory and switching
    (issue #26: -j 100 took 33 s instead of 18.6 s and 1.7 GB more). The speech workers
    are also never more than the clips to render.

    >>> capped_jobs(10_000) == usable_cores(), capped_jobs(1)
    (True, 1)
    """
    return max(1, min(value, usable_cores()))


Jobs = Annotated[
    int,
    typer.Option(
        "--jobs", "-j", min=1, callback=capped_jobs, show_default="all cores",
        help="Cores to use, for speech and encoding; more than the cores (or the clips) would only slow it down, so it is capped there.",
    ),
]  # fmt: skip
Device = Annotated[
    Optional[str],
    typer.Option("--device", help="Where Piper voices run: cpu, cuda (needs onnxruntime-gpu) or auto (CUDA if there).",
                 show_default="cpu"),
]
Cache = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse clips rendered before (and keep new ones).")]
Format = Annotated[
    Optional[str],
    typer.Option("--format", "-f", help="mp3, m4b, m4a, wav or opus. Default: from the output's extension, else mp3."),
]
Bitrate = Annotated[int, typer.Option("--bitrate", min=8, max=320, help="Bitrate in kbit/s (lossy formats).")]
Loudness = Annotated[
    Optional[str],
    typer.Option("--loudness", help="Loudness target in LUFS, or 'off'.", show_default="-19 mono, -16 stereo"),
]
SampleRate = Annotated[
    int, typer.Option("--sample-rate", help="Output rate in Hz, e.g. 44100.", show_default="the voice's own, 22050")
]
Stereo = Annotated[bool, typer.Option("--stereo", help="Two channels (same voice on both sides) instead of mono.")]
Executor = Annotated[str, typer.Option("--executor", help=EXECUTOR_HELP)]
Offline = Annotated[
    bool, typer.Option("--offline", help="Never fetch a URL: read it from the page cache (kept by earlier runs) or fail.")
]



class ChapterMode(str, Enum):
    auto = "auto"
    section = "section"
    paragraph = "paragraph"
    none = "none"


Chapters = Annotated[
    ChapterMode,
    typer.Option(
        "--chapters", help="auto (sections, else paragraphs merged into chapters of 30 s or more), section, paragraph or none."
    ),
]
Genre = Annotated[Optional[str], typer.Option("--genre", help='Genre tag, e.g. "Podcast" or "Speech".')]
OwnerName = Annotated[Optional[str], typer.Option("--owner-name", help="Feed owner's name (itunes:owner).")]
OwnerEmail = Annotated[
    Optional[str], typer.Option("--owner-email", help="Feed owner's e-mail (itunes:owner), which some directories require.")
]
Bind = Annotated[str, typer.Option("--bind", help="Address to listen on; 0.0.0.0 lets other machines in.")]
Port = Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port to listen on (0: any free one).")]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("audio-articles")
        except PackageNotFoundError:  # run from a source tree
            number = "unknown"
        typer.echo(f"audio-articles {number}")
        raise typer.Exit()


Version = Annotated[
    bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
]


def _verbose(ctx: Any, param: Any, value: bool) -> None:
    if value:
        from .console import setup_logging

        setup_logging(True)


def _usage_metavar(self, ctx: Any, *, usage: bool = False) -> str:
    """Arguments in usage lines as click and most tools write them: SOURCE, [SOURCE],
    SOURCE... (typer wraps a required one in braces, "{SOURCE...}", like a choice)."""
    text = _typer_metavar(self, ctx, usage=usage)
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


_typer_metavar = TyperArgument.make_metavar
TyperArgument.make_metavar = _usage_metavar


class VerboseAnywhere(TyperGroup):
    """Every subcommand also takes -v/--verbose, so it works after the command name too."""

    def get_command(self, ctx: Any, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None and not any(param.name == "verbose_here" for param in command.params):
            command.params.append(
                TyperOption(
                    param_decls=["-v", "--verbose", "verbose_here"], is_flag=True, default=False, expose_value=False,
                    callback=_verbose, help="Log what each stage does, on stderr.",
                )  # fmt: skip
            )
        return command


ALL_CORES = usable_cores()


def production_settings(
    voices: str | None = None,
    voice: str | None = None,
    quote_voice: str | None = None,
    rate: int | None = None,
    lang: str | None = None,
    lexicon: list[Path] | None = None,
    model: Path | None = None,
    speaker: int | None = None,
    engine: str = "pyttsx3",
    chapters: ChapterMode | str = "auto",
) -> dict[str, Any]:
    """The voice options every command shares (and ``--chapters``), as ``Options`` keywords."""
    return dict(
        voices=voices, voice=voice, quote_voice=quote_voice, rate=rate, language=lang,
        lexicons=tuple(lexicon or ()), model=model, speaker=speaker, engine=engine,
        chapters=getattr(chapters, "value", chapters),
    )  # fmt: skip


def sound_settings(
    audio_format: str | None, bitrate: int, loudness: str | None, sample_rate: int = 0, stereo: bool = False
) -> dict[str, Any]:
    """The sound options (format, bitrate, loudness, rate, channels), as ``Options`` keywords."""
    from .audio.encode import EncodeSettings

    settings: dict[str, Any] = dict(
        format=audio_format,
        mp3=EncodeSettings(bitrate_kbps=bitrate, sample_rate=sample_rate, channels=2 if stereo else 1),
    )
    if loudness is not None:
        from .audio.loudness import parse_target

        settings["loudness_lufs"] = parse_target(loudness)
        settings["normalize"] = settings["loudness_lufs"] is not None
    return settings


def one_source(sources: list[str]) -> tuple[str | None, list[Path]]:
    """A URL or "-" given alone (returned as is: Path() would fold a URL's "//"), and the
    sources as paths (files and folders)."""
    from .errors import InputError
    from .sources import STDIN, is_url

    special = [source for source in sources if source == STDIN or is_url(source)]
    if special and len(sources) > 1:
        raise InputError(f"{special[0]} must be the only source; convert one URL or standard input at a time")
    return (special[0] if special else None), [Path(source) for source in sources]
